# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Authenticating once per play: a given token with the Glance endpoint, and clouds.yaml's cache: {auth: true}."""

import json
import os
import stat
import time

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._config import resolve_cloud_config
from ansible_collections.osimg.glance.plugins.module_utils._errors import ConfigError, Unauthorized
from ansible_collections.osimg.glance.plugins.module_utils._token_cache import cache_key
from ansible_collections.osimg.glance.tests.unit.fake_glance import (
    AUTH_URL,
    IMAGE_URL,
    PROJECT_ID,
    TOKEN,
    make_client,
    token_body,
)

IMAGES = IMAGE_URL + '/v2/images'
PASSWORD_AUTH = {'auth_url': AUTH_URL, 'username': 'demo', 'password': 'secret-pw', 'project_name': 'demo',
                 'user_domain_name': 'Default', 'project_domain_name': 'Default'}


def cloud_config(cloud=None, **params):
    params['cloud'] = cloud if cloud is not None else {'auth': dict(PASSWORD_AUTH), 'cache': {'auth': True}}
    return resolve_cloud_config(params, environ={}, cwd='/nonexistent', home='/nonexistent')


def list_images(client):
    return client.get_json('/v2/images')


def keystone_requests(transport):
    return [r for r in transport.requests if r.url.startswith(AUTH_URL)]


def token_files(cache_home):
    directory = os.path.join(str(cache_home), 'osimg.glance', 'tokens')
    if not os.path.isdir(directory):
        return []
    return [os.path.join(directory, name) for name in os.listdir(directory)]


# -- a token given with the Glance endpoint ---------------------------------------------------------

def given_token_config(**extra):
    auth = dict({'auth_url': AUTH_URL, 'token': 'given-token', 'project_id': PROJECT_ID}, **extra)
    return resolve_cloud_config({'auth_type': 'token', 'auth': auth, 'image_endpoint': IMAGE_URL},
                                environ={}, cwd='/nonexistent', home='/nonexistent')


def test_a_given_token_with_endpoint_and_project_never_calls_keystone():
    client, transport, dummy = make_client(config=given_token_config())
    transport.add('GET', IMAGES, json_body={'images': []})
    assert list_images(client) == {'images': []}
    assert client.project_id == PROJECT_ID
    assert transport.paths() == [('GET', '/v2/images')]
    assert transport.requests[0].headers['X-Auth-Token'] == 'given-token'
    assert client.auth.token_source == 'given'


def test_without_the_endpoint_the_token_is_exchanged_as_before():
    config = resolve_cloud_config({'auth_type': 'token', 'auth': {'auth_url': AUTH_URL, 'token': 'given-token',
                                                                  'project_id': PROJECT_ID}},
                                  environ={}, cwd='/nonexistent', home='/nonexistent')
    client, transport, dummy = make_client(config=config)
    transport.add_token()
    transport.add('GET', IMAGES, json_body={'images': []})
    list_images(client)
    assert transport.paths() == [('POST', '/v3/auth/tokens'), ('GET', '/v2/images')]


def test_a_given_token_glance_refuses_is_exchanged_once_with_keystone():
    client, transport, dummy = make_client(config=given_token_config())
    transport.add('GET', IMAGES, status=401).add('GET', IMAGES, json_body={'images': []})
    transport.add_token()
    list_images(client)
    assert transport.paths() == [('GET', '/v2/images'), ('POST', '/v3/auth/tokens'), ('GET', '/v2/images')]
    identity = json.loads(transport.requests[1].body)['auth']['identity']
    assert identity == {'methods': ['token'], 'token': {'id': 'given-token'}}
    assert transport.requests[2].headers['X-Auth-Token'] == TOKEN


def test_an_expired_given_token_fails_with_keystones_answer():
    client, transport, dummy = make_client(config=given_token_config())
    transport.add('GET', IMAGES, status=401)
    transport.add_token(status=401)
    with pytest.raises(Unauthorized) as err:
        list_images(client)
    assert 'Keystone rejected the credentials' in str(err.value)


# -- cache: {auth: true} ------------------------------------------------------------------------------

def test_the_first_run_asks_keystone_and_the_next_runs_do_not(cache_home):
    for run in range(3):
        client, transport, dummy = make_client(config=cloud_config())
        transport.add_token()
        transport.add('GET', IMAGES, json_body={'images': []})
        list_images(client)
        assert client.project_id == PROJECT_ID
        assert len(keystone_requests(transport)) == (1 if run == 0 else 0)
        assert transport.requests[-1].headers['X-Auth-Token'] == TOKEN
        assert client.auth.token_source == ('keystone' if run == 0 else 'cache')
    # the cached catalog still chooses the endpoint
    assert client.image_url == IMAGE_URL


def test_the_token_file_is_private_and_holds_no_password(cache_home):
    client, transport, dummy = make_client(config=cloud_config())
    transport.add_token()
    client.image_url
    [path] = token_files(cache_home)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    with open(path) as f:
        text = f.read()
    assert 'secret-pw' not in text and 'demo' not in os.path.basename(path)
    assert json.loads(text)['token'] == TOKEN


def test_another_password_does_not_find_the_token(cache_home):
    client, transport, dummy = make_client(config=cloud_config())
    transport.add_token()
    client.image_url
    other = {'auth': dict(PASSWORD_AUTH, password='another-pw'), 'cache': {'auth': True}}
    client, transport, dummy = make_client(config=cloud_config(other))
    transport.add_token()
    client.image_url
    assert len(keystone_requests(transport)) == 1
    assert len(token_files(cache_home)) == 2


@pytest.mark.parametrize('change', [{'project_name': 'other'}, {'username': 'other'}, {'user_domain_name': 'Other'},
                                    {'auth_url': 'http://keystone.test:5000/other/v3'}])
def test_the_key_changes_with_user_scope_and_keystone(change):
    base = cloud_config()
    changed = cloud_config({'auth': dict(PASSWORD_AUTH, **change), 'cache': {'auth': True}})
    assert cache_key(base) != cache_key(changed)
    assert cache_key(base) == cache_key(cloud_config())


def test_a_cached_token_glance_refuses_is_forgotten_and_replaced(cache_home):
    client, transport, dummy = make_client(config=cloud_config())
    transport.add_token()
    client.image_url
    client, transport, dummy = make_client(config=cloud_config())
    transport.add('GET', IMAGES, status=401).add('GET', IMAGES, json_body={'images': []})
    transport.add('POST', AUTH_URL + '/auth/tokens', status=201, json_body=token_body(),
                  headers={'X-Subject-Token': 'fresh-token'})
    list_images(client)
    assert transport.paths() == [('GET', '/v2/images'), ('POST', '/v3/auth/tokens'), ('GET', '/v2/images')]
    assert transport.requests[2].headers['X-Auth-Token'] == 'fresh-token'
    [path] = token_files(cache_home)
    with open(path) as f:
        assert json.load(f)['token'] == 'fresh-token'


def test_a_refused_token_is_not_written_back_when_keystone_fails(cache_home):
    client, transport, dummy = make_client(config=cloud_config())
    transport.add_token()
    client.image_url
    client, transport, dummy = make_client(config=cloud_config())
    transport.add('GET', IMAGES, status=401)
    transport.add_token(status=401)
    with pytest.raises(Unauthorized):
        list_images(client)
    assert token_files(cache_home) == []


def test_a_token_about_to_expire_is_neither_kept_nor_reused(cache_home):
    soon = time.strftime('%Y-%m-%dT%H:%M:%S.000000Z', time.gmtime(time.time() + 60))
    body = token_body()
    body['token']['expires_at'] = soon
    for dummy in range(2):
        client, transport, dummy2 = make_client(config=cloud_config())
        transport.add('POST', AUTH_URL + '/auth/tokens', status=201, json_body=body, headers={'X-Subject-Token': TOKEN})
        client.image_url
        assert len(keystone_requests(transport)) == 1
    assert token_files(cache_home) == []


def test_a_cached_token_that_expired_meanwhile_is_not_used(cache_home):
    client, transport, dummy = make_client(config=cloud_config())
    transport.add_token()
    client.image_url
    later = time.time() + 200 * 365 * 24 * 3600  # after the fake token's 2099 expiry
    client, transport, dummy = make_client(config=cloud_config())
    cache = client.auth.token_cache
    cache.clock = lambda: later
    transport.add_token()
    client.image_url
    assert len(keystone_requests(transport)) == 1


def test_without_cache_auth_nothing_is_written(cache_home):
    plain = {'auth': dict(PASSWORD_AUTH)}
    for dummy in range(2):
        client, transport, dummy2 = make_client(config=cloud_config(plain))
        transport.add_token()
        client.image_url
        assert len(keystone_requests(transport)) == 1
    assert token_files(cache_home) == []
    assert client.auth.token_cache is None


def test_token_auth_is_never_cached(cache_home):
    config = cloud_config({'auth_type': 'token', 'auth': {'auth_url': AUTH_URL, 'token': 'given'},
                           'cache': {'auth': True}})
    assert cache_key(config) is None
    client, transport, dummy = make_client(config=config)
    transport.add('GET', AUTH_URL + '/auth/tokens', json_body=token_body(), headers={'X-Subject-Token': 'given'})
    client.image_url
    assert token_files(cache_home) == []


def test_application_credentials_are_cached_by_id_and_secret(cache_home):
    appcred = {'auth_url': AUTH_URL, 'application_credential_id': 'ac1', 'application_credential_secret': 's1'}
    first = cloud_config({'auth': appcred, 'cache': {'auth': True}})
    other = cloud_config({'auth': dict(appcred, application_credential_secret='s2'), 'cache': {'auth': True}})
    assert first.auth_type == 'v3applicationcredential'
    assert cache_key(first) is not None and cache_key(first) != cache_key(other)


def test_a_token_directory_open_to_others_warns_and_is_not_used(cache_home):
    client, transport, dummy = make_client(config=cloud_config())
    transport.add_token()
    client.image_url
    directory = os.path.join(str(cache_home), 'osimg.glance', 'tokens')
    os.chmod(directory, 0o711)
    warnings = []
    client, transport, dummy = make_client(config=cloud_config(), warn=warnings.append)
    transport.add_token()
    client.image_url
    assert len(keystone_requests(transport)) == 1
    assert warnings and 'is not private' in warnings[0] and 'not cached' in warnings[0]


def test_a_cache_file_others_could_read_is_ignored(cache_home):
    client, transport, dummy = make_client(config=cloud_config())
    transport.add_token()
    client.image_url
    [path] = token_files(cache_home)
    os.chmod(path, 0o644)
    client, transport, dummy = make_client(config=cloud_config())
    transport.add_token()
    client.image_url
    assert len(keystone_requests(transport)) == 1


def test_a_tampered_token_with_a_line_break_is_ignored(cache_home):
    client, transport, dummy = make_client(config=cloud_config())
    transport.add_token()
    client.image_url
    [path] = token_files(cache_home)
    with open(path) as f:
        state = json.load(f)
    state['token'] = 'tok\r\nX-Injected: 1'
    with open(path, 'w') as f:
        json.dump(state, f)
    client, transport, dummy = make_client(config=cloud_config())
    transport.add_token()
    client.image_url
    assert len(keystone_requests(transport)) == 1


# -- where the setting comes from ------------------------------------------------------------------

def write(path, data):
    path.write_text(json.dumps(data))
    return str(path)


def test_cache_auth_from_the_top_of_clouds_yaml_as_openstacksdk_reads_it(tmp_path):
    clouds = write(tmp_path / 'clouds.json', {'cache': {'auth': True}, 'clouds': {'c': {'auth': PASSWORD_AUTH}}})
    config = resolve_cloud_config({'cloud': 'c'}, environ={'OS_CLIENT_CONFIG_FILE': clouds}, cwd='/nonexistent',
                                  home='/nonexistent')
    assert config.cache_auth is True


def test_cache_auth_from_secure_yaml_and_per_cloud(tmp_path):
    clouds = write(tmp_path / 'clouds.json', {'clouds': {'c': {'auth': PASSWORD_AUTH},
                                                         'd': {'auth': PASSWORD_AUTH, 'cache': {'auth': 'yes'}}}})
    environ = {'OS_CLIENT_CONFIG_FILE': clouds}
    assert resolve_cloud_config({'cloud': 'c'}, environ=environ, cwd='/x', home='/x').cache_auth is False
    assert resolve_cloud_config({'cloud': 'd'}, environ=environ, cwd='/x', home='/x').cache_auth is True
    write(tmp_path / 'secure.json', {'cache': {'auth': True}, 'clouds': {}})
    assert resolve_cloud_config({'cloud': 'c'}, environ=environ, cwd='/x', home='/x').cache_auth is True


def test_a_bad_cache_auth_value_names_the_setting():
    with pytest.raises(ConfigError, match='cache.auth'):
        cloud_config({'auth': PASSWORD_AUTH, 'cache': {'auth': 'sometimes'}})
