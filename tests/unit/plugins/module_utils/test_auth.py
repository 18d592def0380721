# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import json

import pytest
import requests

from ansible_collections.osimg.glance.plugins.module_utils._auth import (
    build_auth_request,
    identity_v3_url,
    normalize_image_url,
    select_endpoint,
)
from ansible_collections.osimg.glance.plugins.module_utils._config import resolve_cloud_config
from ansible_collections.osimg.glance.plugins.module_utils._errors import ConfigError, ConnectionFailed, Unauthorized
from ansible_collections.osimg.glance.tests.unit.fake_glance import (
    AUTH_URL,
    PROJECT_ID,
    TOKEN,
    USER_ID,
    catalog,
    make_client,
    make_config,
    token_body,
)


def config(auth, **params):
    auth = dict(auth, auth_url='http://k/v3')
    params['auth'] = auth
    return resolve_cloud_config(params, environ={}, cwd='/nonexistent', home='/nonexistent')


# -- request bodies -----------------------------------------------------------------------------

def test_password_by_name_project_by_name():
    body = build_auth_request(config({'username': 'demo', 'password': 'pw', 'user_domain_name': 'Default',
                                      'project_name': 'demo', 'project_domain_id': 'default'}))
    assert body == {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': 'demo', 'domain': {'name': 'Default'}, 'password': 'pw'}}},
        'scope': {'project': {'name': 'demo', 'domain': {'id': 'default'}}},
    }}


def test_password_by_ids():
    body = build_auth_request(config({'user_id': 'uid', 'password': 'pw', 'project_id': 'pid'},
                                     auth_type='v3password'))
    assert body == {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {'id': 'uid', 'password': 'pw'}}},
        'scope': {'project': {'id': 'pid'}},
    }}


def test_password_domains_default_to_default_domain():
    body = build_auth_request(config({'username': 'demo', 'password': 'pw', 'project_name': 'demo'}))
    assert body['auth']['identity']['password']['user']['domain'] == {'id': 'default'}
    assert body['auth']['scope']['project']['domain'] == {'id': 'default'}
    body = build_auth_request(config({'username': 'demo', 'password': 'pw', 'project_name': 'demo',
                                      'default_domain_name': 'Corp'}))
    assert body['auth']['scope']['project']['domain'] == {'name': 'Corp'}


def test_password_domain_shortcut_and_domain_scope():
    body = build_auth_request(config({'username': 'u', 'password': 'pw', 'project_name': 'p',
                                      'domain_name': 'Corp'}))
    assert body['auth']['identity']['password']['user']['domain'] == {'name': 'Corp'}
    assert body['auth']['scope'] == {'project': {'name': 'p', 'domain': {'name': 'Corp'}}}
    body = build_auth_request(config({'username': 'u', 'password': 'pw', 'domain_id': 'd1'}))
    assert body['auth']['scope'] == {'domain': {'id': 'd1'}}


def test_password_unscoped():
    body = build_auth_request(config({'username': 'u', 'password': 'pw'}))
    assert 'scope' not in body['auth']


def test_token_bodies():
    body = build_auth_request(config({'token': 'tkn', 'project_id': 'pid'}, auth_type='v3token'))
    assert body == {'auth': {'identity': {'methods': ['token'], 'token': {'id': 'tkn'}},
                             'scope': {'project': {'id': 'pid'}}}}
    body = build_auth_request(config({'token': 'tkn'}))
    assert body == {'auth': {'identity': {'methods': ['token'], 'token': {'id': 'tkn'}}}}


def test_application_credential_by_id_has_no_scope():
    body = build_auth_request(config({'application_credential_id': 'acid', 'application_credential_secret': 's',
                                      'project_name': 'ignored'}))
    assert body == {'auth': {'identity': {'methods': ['application_credential'],
                                          'application_credential': {'id': 'acid', 'secret': 's'}}}}


def test_application_credential_by_name_and_user():
    body = build_auth_request(config({'application_credential_name': 'ac', 'application_credential_secret': 's',
                                      'username': 'demo', 'user_domain_name': 'Default'}))
    assert body['auth']['identity']['application_credential'] == {
        'name': 'ac', 'secret': 's', 'user': {'name': 'demo', 'domain': {'name': 'Default'}}}
    body = build_auth_request(config({'application_credential_name': 'ac', 'application_credential_secret': 's',
                                      'user_id': 'uid'}))
    assert body['auth']['identity']['application_credential']['user'] == {'id': 'uid'}


def test_none_has_no_body():
    cfg = resolve_cloud_config({'auth_type': 'none', 'image_endpoint': 'http://g'}, environ={}, cwd='/x', home='/x')
    with pytest.raises(ConfigError):
        build_auth_request(cfg)


# -- URLs ------------------------------------------------------------------------------------------

@pytest.mark.parametrize('url, expected', [
    ('http://k:5000/v3', 'http://k:5000/v3'),
    ('http://k:5000/v3/', 'http://k:5000/v3'),
    ('http://k:5000', 'http://k:5000/v3'),
    ('http://k:5000/', 'http://k:5000/v3'),
    ('http://k/identity', 'http://k/identity/v3'),
    ('http://k/identity/v3', 'http://k/identity/v3'),
    ('http://k:5000/v2.0', 'http://k:5000/v3'),
    ('http://k:5000/v3.14', 'http://k:5000/v3'),
])
def test_identity_v3_url(url, expected):
    assert identity_v3_url(url) == expected


@pytest.mark.parametrize('url, expected', [
    ('http://g:9292', 'http://g:9292'),
    ('http://g:9292/', 'http://g:9292'),
    ('http://g:9292/v2', 'http://g:9292'),
    ('http://g:9292/v2/', 'http://g:9292'),
    ('http://g:9292/v2.15', 'http://g:9292'),
    ('https://cloud/image', 'https://cloud/image'),
    ('https://cloud/image/', 'https://cloud/image'),
    ('https://cloud/image/v2', 'https://cloud/image'),
    ('https://cloud/image/v2/', 'https://cloud/image'),
    ('https://cloud/v2image', 'https://cloud/v2image'),
])
def test_normalize_image_url(url, expected):
    assert normalize_image_url(url) == expected


# -- catalog ---------------------------------------------------------------------------------------

CATALOG = catalog(image_urls={('R1', 'public'): 'http://pub1/v2', ('R1', 'internal'): 'http://int1',
                              ('R1', 'admin'): 'http://adm1', ('R2', 'public'): 'http://pub2/image/',
                              ('R2', 'internal'): 'http://int2', ('R2', 'admin'): 'http://adm2'},
                  regions=('R1', 'R2'))


@pytest.mark.parametrize('region, interface, expected', [
    ('R1', 'public', 'http://pub1/v2'),
    ('R1', 'internal', 'http://int1'),
    ('R1', 'admin', 'http://adm1'),
    ('R2', 'public', 'http://pub2/image/'),
    ('R2', 'internalURL', 'http://int2'),
    (None, 'public', 'http://pub1/v2'),
    (None, None, 'http://pub1/v2'),
])
def test_select_endpoint(region, interface, expected):
    assert select_endpoint(CATALOG, 'image', region, interface) == expected


def test_select_endpoint_matches_legacy_region_field():
    cat = [{'type': 'image', 'endpoints': [{'interface': 'public', 'region': 'Old', 'url': 'http://old'}]}]
    assert select_endpoint(cat, 'image', 'Old', 'public') == 'http://old'


def test_unknown_region_names_the_regions():
    with pytest.raises(ConfigError, match="region 'R9' has no 'image' endpoint; regions that exist: R1, R2"):
        select_endpoint(CATALOG, 'image', 'R9', 'public')


def test_missing_interface_names_the_interfaces():
    cat = [{'type': 'image', 'endpoints': [{'interface': 'public', 'region_id': 'R', 'url': 'http://p'}]}]
    with pytest.raises(ConfigError, match="no internal 'image' endpoint in region 'R'; interfaces available: public"):
        select_endpoint(cat, 'image', 'R', 'internal')


def test_missing_service_names_the_services():
    with pytest.raises(ConfigError, match="no 'image' service.*identity"):
        select_endpoint([{'type': 'identity', 'endpoints': []}], 'image', None, 'public')
    with pytest.raises(ConfigError, match='unscoped'):
        select_endpoint([], 'image', None, 'public')


# -- Authenticator through the HTTP client -------------------------------------------------------

def test_one_token_request_with_the_password_body():
    client, transport, dummy = make_client()
    transport.add_token()
    assert client.project_id == PROJECT_ID
    assert client.user_id == USER_ID
    assert client.image_url == 'http://glance.test:9292'
    assert client.auth.token == TOKEN
    assert transport.paths() == [('POST', '/v3/auth/tokens')]
    sent = json.loads(transport.requests[0].body)
    assert sent['auth']['identity']['password']['user']['password'] == 'secret-pw'
    assert sent['auth']['scope'] == {'project': {'name': 'demo', 'domain': {'name': 'Default'}}}


def test_unscoped_token_is_validated_and_reused():
    cfg = resolve_cloud_config({'auth': {'auth_url': AUTH_URL, 'token': 'given'}}, environ={}, cwd='/x', home='/x')
    client, transport, dummy = make_client(config=cfg)
    transport.add('GET', AUTH_URL + '/auth/tokens', json_body=token_body(), headers={'X-Subject-Token': 'given'})
    assert client.project_id == PROJECT_ID
    req = transport.requests[0]
    assert req.headers['X-Auth-Token'] == 'given' and req.headers['X-Subject-Token'] == 'given'
    assert client.auth.token == 'given'


def test_region_and_interface_choose_the_image_endpoint():
    client, transport, dummy = make_client(config=make_config(region_name='R2', interface='internal'))
    transport.add_token(cat=CATALOG)
    assert client.image_url == 'http://int2'
    client, transport, dummy = make_client(config=make_config(region_name='R2'))
    transport.add_token(cat=CATALOG)
    assert client.image_url == 'http://pub2/image'


def test_wrong_password_error_names_user_not_password():
    client, transport, dummy = make_client()
    transport.add_token(status=401)
    with pytest.raises(Unauthorized) as err:
        client.image_url
    msg = str(err.value)
    assert msg.startswith('401 Unauthorized for POST http://keystone.test:5000/v3/auth/tokens: '
                          'The request you have made requires authentication.')
    assert "user 'demo' in domain 'Default'" in msg and "project 'demo'" in msg
    assert 'secret-pw' not in msg


def test_unreachable_keystone_fails_at_once():
    client, transport, sleeps = make_client()
    transport.add('POST', AUTH_URL + '/auth/tokens',
                  exc=requests.exceptions.ConnectionError('[Errno 111] Connection refused'))
    with pytest.raises(ConnectionFailed) as err:
        client.image_url
    assert len(transport.requests) == 1 and sleeps == []
    assert 'Connection refused' in str(err.value)
    assert 'check auth_url' in str(err.value)


def test_keystone_busy_is_retried():
    client, transport, sleeps = make_client()
    transport.add('POST', AUTH_URL + '/auth/tokens', status=503)
    transport.add_token()
    assert client.project_id == PROJECT_ID
    assert len(transport.requests) == 2 and sleeps == [1.0]
