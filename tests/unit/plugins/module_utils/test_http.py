# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import email.utils
import hashlib
import io
import json
import re
import time

import pytest
import requests

from ansible_collections.osimg.glance.plugins.module_utils._errors import (
    BadRequest,
    ConnectionFailed,
    Forbidden,
    GlanceModuleError,
    NotFound,
    RequestTimeout,
    ServerError,
    ServiceUnavailable,
    Unauthorized,
)
from ansible_collections.osimg.glance.plugins.module_utils import _http
from ansible_collections.osimg.glance.plugins.module_utils._hashing import MultiHasher
from ansible_collections.osimg.glance.plugins.module_utils._http import (
    HttpClient,
    build_path,
    join_link,
    query_pairs,
    quote_path_arg,
)
from ansible_collections.osimg.glance.tests.unit.fake_glance import (
    AUTH_URL,
    IMAGE_URL,
    TOKEN,
    FakeTransport,
    catalog,
    make_client,
    make_config,
)

GLANCE_403_HTML = ('<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1>'
                   'You are not authorized to complete publicize_image action.<br /><br /></body></html>')
IMAGES = IMAGE_URL + '/v2/images'


@pytest.fixture
def cloud():
    client, transport, sleeps = make_client()
    transport.add_token()
    return client, transport, sleeps


# -- quoting -------------------------------------------------------------------------------------

@pytest.mark.parametrize('value, quoted', [
    ('../../v3/auth/tokens', '..%2F..%2Fv3%2Fauth%2Ftokens'),
    ('a/b?x=1#y', 'a%2Fb%3Fx%3D1%23y'),
    ('with space', 'with%20space'),
    ('percent%2F', 'percent%252F'),
    ('ünï', '%C3%BCn%C3%AF'),
    (42, '42'),
    (b'bytes', 'bytes'),
])
def test_quote_path_arg(value, quoted):
    assert quote_path_arg(value) == quoted


@pytest.mark.parametrize('value', ['', '.', '..'])
def test_path_args_that_would_change_the_route_are_refused(value):
    with pytest.raises(GlanceModuleError):
        quote_path_arg(value)


@pytest.mark.parametrize('arg', ['../../v3/auth/tokens', 'a/b?x=1#y'])
def test_path_arg_stays_one_segment_on_the_wire(cloud, arg):
    client, transport, dummy = cloud
    transport.add('GET', re.compile(r'^http://glance\.test:9292/v2/images/[^/]+/members/[^/]+$'),
                  json_body={'ok': True})
    client.request('GET', '/v2/images/{0}/members/{1}', arg, arg)
    sent = transport.requests[-1]
    assert sent.path_url == '/v2/images/%s/members/%s' % (quote_path_arg(arg), quote_path_arg(arg))
    assert sent.url.startswith(IMAGE_URL + '/v2/images/')
    assert '?' not in sent.url and '#' not in sent.url


def test_build_path():
    assert build_path('/v2/images/{0}/tags/{1}', 'id', 'a/b') == '/v2/images/id/tags/a%2Fb'


# -- session basics ------------------------------------------------------------------------------

def test_no_network_in_init():
    transport = FakeTransport()
    client, transport, dummy = make_client(transport)
    assert transport.requests == []
    assert client.requests_sent == []


def test_user_agent_token_and_tls_settings(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES, json_body={'images': []})
    client.request('GET', '/v2/images')
    sent = transport.requests[-1]
    assert sent.headers['User-Agent'] == 'osimg.glance/0.1.0 python-requests/%s' % requests.__version__
    assert sent.headers['X-Auth-Token'] == TOKEN
    assert 'X-Auth-Token' not in transport.requests[0].headers
    assert client.session.verify is True
    client2, dummy, dummy2 = make_client(config=make_config(validate_certs=False, client_cert='/c', client_key='/k'))
    assert client2.session.verify is False
    assert client2.session.cert == ('/c', '/k')


def test_requests_sent_records_everything(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES + '/x', status=503).add('GET', IMAGES + '/x', json_body={'id': 'x'})
    client.get_json('/v2/images/{0}', 'x', params={'a': 1})
    assert client.requests_sent == [
        ('POST', AUTH_URL + '/auth/tokens', 201),
        ('GET', IMAGES + '/x?a=1', 503),
        ('GET', IMAGES + '/x?a=1', 200),
    ]


def test_image_endpoint_override_skips_the_catalog():
    client, transport, dummy = make_client(config=make_config(image_endpoint='http://other.test/img/v2/'))
    transport.add_token(cat=[])
    transport.add('GET', 'http://other.test/img/v2/images', json_body={'images': []})
    assert client.image_url == 'http://other.test/img'
    client.get_json('/v2/images')
    assert transport.calls()[-1] == ('GET', 'http://other.test/img/v2/images')


@pytest.mark.parametrize('catalog_url, expected', [
    ('http://g:9292', 'http://g:9292/v2/images'),
    ('http://g:9292/', 'http://g:9292/v2/images'),
    ('http://g:9292/v2', 'http://g:9292/v2/images'),
    ('http://g:9292/v2/', 'http://g:9292/v2/images'),
    ('https://cloud.test/image', 'https://cloud.test/image/v2/images'),
    ('https://cloud.test/image/v2/', 'https://cloud.test/image/v2/images'),
])
def test_catalog_url_normalisation(catalog_url, expected):
    client, transport, dummy = make_client()
    transport.add_token(cat=catalog(image_urls={'public': catalog_url}))
    transport.add('GET', expected, json_body={'images': []})
    client.get_json('/v2/images')
    assert transport.calls()[-1] == ('GET', expected)
    assert len(transport.requests) == 2  # token + the GET: no version discovery


def test_identity_service_paths(cloud):
    client, transport, dummy = cloud
    transport.add('GET', AUTH_URL + '/projects', json_body={'projects': []})
    assert client.get_json('/projects', params={'name': 'x'}, service='identity') == {'projects': []}
    assert transport.calls()[-1] == ('GET', AUTH_URL + '/projects?name=x')
    assert client.identity_url == AUTH_URL


def test_auth_none_sends_no_token_or_the_given_one():
    from ansible_collections.osimg.glance.plugins.module_utils._config import resolve_cloud_config
    cfg = resolve_cloud_config({'auth_type': 'none', 'image_endpoint': 'http://g/v2'}, environ={}, cwd='/x',
                               home='/x')
    client, transport, dummy = make_client(config=cfg)
    transport.add('GET', 'http://g/v2/images', status=401,
                  body='<html><head><title>401 Unauthorized</title></head><body><h1>401 Unauthorized</h1>'
                       'This server could not verify that you are authorized.<br /><br /></body></html>')
    with pytest.raises(Unauthorized) as err:
        client.get_json('/v2/images')
    assert 'X-Auth-Token' not in transport.requests[0].headers
    assert str(err.value) == ('401 Unauthorized for GET http://g/v2/images: '
                              'This server could not verify that you are authorized. '
                              'auth_type none sends no token: use Keystone auth, or give auth.token.')
    assert len(transport.requests) == 1  # no Keystone to re-authenticate with
    assert client.identity_url is None and client.project_id is None
    cfg = resolve_cloud_config({'auth_type': 'none', 'image_endpoint': 'http://g', 'auth': {'token': 'T'}},
                               environ={}, cwd='/x', home='/x')
    client, transport, dummy = make_client(config=cfg)
    transport.add('GET', 'http://g/v2/images', json_body={'images': []})
    client.get_json('/v2/images')
    assert transport.requests[0].headers['X-Auth-Token'] == 'T'


# -- typed errors --------------------------------------------------------------------------------

def test_error_carries_method_url_status_and_explanation(cloud):
    client, transport, dummy = cloud
    transport.add('PATCH', IMAGES + '/ID', status=403, body=GLANCE_403_HTML,
                  headers={'Content-Type': 'text/html; charset=UTF-8', 'x-openstack-request-id': 'req-1'})
    with pytest.raises(Forbidden) as err:
        client.request('PATCH', '/v2/images/{0}', 'ID', data='[]')
    e = err.value
    assert (e.method, e.url, e.status, e.reason) == ('PATCH', IMAGES + '/ID', 403, 'Forbidden')
    assert e.explanation == 'You are not authorized to complete publicize_image action.'
    assert e.request_id == 'req-1'
    assert str(e) == ('403 Forbidden for PATCH http://glance.test:9292/v2/images/ID: '
                      'You are not authorized to complete publicize_image action.')


def test_ok_statuses(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES, status=201, json_body={})
    with pytest.raises(Exception):
        client.request('GET', '/v2/images', ok=(200,))
    assert client.request('GET', '/v2/images').status_code == 201


def test_timeout_is_typed_and_not_retried(cloud):
    client, transport, sleeps = cloud
    transport.add('GET', IMAGES, exc=requests.exceptions.ReadTimeout('read timed out'))
    with pytest.raises(RequestTimeout) as err:
        client.get_json('/v2/images')
    assert err.value.status is None
    assert 'no answer within 30 seconds' in str(err.value)
    assert sleeps == []


def test_tls_error_is_not_retried_and_hints_ca_cert(cloud):
    client, transport, sleeps = cloud
    transport.add('GET', IMAGES, exc=requests.exceptions.SSLError(
        "HTTPSConnectionPool: Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, "
        "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)')))"))
    with pytest.raises(ConnectionFailed) as err:
        client.get_json('/v2/images')
    assert 'TLS error: certificate verify failed: self-signed certificate' in str(err.value)
    assert 'ca_cert' in str(err.value)
    assert sleeps == []


# -- retry policy --------------------------------------------------------------------------------

@pytest.mark.parametrize('method', ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'])
@pytest.mark.parametrize('status', [429, 502, 503, 504])
def test_idempotent_methods_are_retried(cloud, method, status):
    client, transport, sleeps = cloud
    transport.add(method, IMAGES + '/x', status=status).add(method, IMAGES + '/x', status=200)
    assert client.request(method, '/v2/images/{0}', 'x').status_code == 200
    assert sleeps == [1.0]
    assert [s for m, u, s in client.requests_sent[1:]] == [status, 200]


def test_backoff_doubles_then_gives_up_naming_the_attempts(cloud):
    client, transport, sleeps = cloud
    transport.add('GET', IMAGES, status=503, body='busy')
    with pytest.raises(ServiceUnavailable) as err:
        client.get_json('/v2/images')
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert err.value.attempts == 5
    assert str(err.value) == ('503 Service Unavailable for GET http://glance.test:9292/v2/images: '
                              'the service was unavailable after 5 attempts: busy')


def test_exhausted_502_is_service_unavailable_with_its_status(cloud):
    client, transport, sleeps = cloud
    transport.add('GET', IMAGES, status=502)
    with pytest.raises(ServiceUnavailable) as err:
        client.get_json('/v2/images')
    assert err.value.status == 502
    assert 'after 5 attempts' in str(err.value)


def test_retry_after_seconds_is_honoured(cloud):
    client, transport, sleeps = cloud
    transport.add('GET', IMAGES, status=429, headers={'Retry-After': '7'})
    transport.add('GET', IMAGES, json_body={'images': []})
    client.get_json('/v2/images')
    assert sleeps == [7.0]


@pytest.mark.parametrize('value, expected', [
    ('5', 5.0), (' 2.5 ', 2.5), ('-3', 0.0), ('nan', None), ('NaN', None), ('inf', 60.0), ('-inf', 0.0),
    ('1e400', 60.0), ('soon', None), ('Fri, 31 Dec 99999 23:59:59 GMT', None), ('Mon, 99 Foo 2024 99:99:99 GMT', None),
    ('5, 5', None), ('', None),
])
def test_retry_after_values_a_server_could_send(value, expected):
    resp = requests.Response()
    resp.headers['Retry-After'] = value
    assert _http._retry_after(resp) == expected


def test_retry_after_http_date_is_honoured_and_capped(cloud):
    client, transport, sleeps = cloud
    soon = email.utils.formatdate(time.time() + 20, usegmt=True)
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    transport.add('GET', IMAGES, status=503, headers={'Retry-After': soon})
    transport.add('GET', IMAGES, status=503, headers={'Retry-After': later})
    transport.add('GET', IMAGES, json_body={'images': []})
    client.get_json('/v2/images')
    assert 15 <= sleeps[0] <= 21
    assert sleeps[1] == 60.0


def test_post_is_never_retried_blindly(cloud):
    client, transport, sleeps = cloud
    transport.add('POST', IMAGES, status=503)
    with pytest.raises(ServiceUnavailable) as err:
        client.request('POST', '/v2/images', json={'name': 'x'})
    assert sleeps == [] and err.value.attempts == 1
    assert 'after' not in str(err.value)
    assert len(transport.requests) == 2


def test_post_with_retry_true_is_retried(cloud):
    client, transport, sleeps = cloud
    transport.add('POST', IMAGES, status=503).add('POST', IMAGES, status=201, json_body={'id': 'x'})
    assert client.request('POST', '/v2/images', json={'id': 'x'}, retry=True).json() == {'id': 'x'}
    assert sleeps == [1.0]


def test_retry_false_disables_retries(cloud):
    client, transport, sleeps = cloud
    transport.add('GET', IMAGES, status=503)
    with pytest.raises(ServiceUnavailable):
        client.request('GET', '/v2/images', retry=False)
    assert sleeps == []


@pytest.mark.parametrize('status, cls', [(500, ServerError), (400, BadRequest), (404, NotFound)])
def test_other_statuses_are_not_retried(cloud, status, cls):
    client, transport, sleeps = cloud
    transport.add('GET', IMAGES, status=status)
    with pytest.raises(cls):
        client.get_json('/v2/images')
    assert sleeps == []


def test_connection_errors_retried_for_get_not_for_post(cloud):
    client, transport, sleeps = cloud
    refused = requests.exceptions.ConnectionError('Failed to establish a new connection: [Errno 111] Connection '
                                                  'refused')
    transport.add('GET', IMAGES, exc=refused).add('GET', IMAGES, json_body={'images': []})
    client.get_json('/v2/images')
    assert sleeps == [1.0]
    assert client.requests_sent[1] == ('GET', IMAGES, None)
    transport.add('POST', IMAGES, exc=refused)
    with pytest.raises(ConnectionFailed) as err:
        client.request('POST', '/v2/images', json={})
    assert sleeps == [1.0]
    assert str(err.value) == 'Connection failed for POST http://glance.test:9292/v2/images: Connection refused'


def test_connection_errors_exhausted(cloud):
    client, transport, sleeps = cloud
    transport.add('GET', IMAGES, exc=requests.exceptions.ConnectionError('[Errno 111] Connection refused'))
    with pytest.raises(ConnectionFailed) as err:
        client.get_json('/v2/images')
    assert len(sleeps) == 4
    assert 'the service was unavailable after 5 attempts: Connection refused' in str(err.value)


def test_stale_keepalive_connection_is_retried_at_once_without_warning():
    warnings = []
    client, transport, sleeps = make_client(warn=warnings.append)
    transport.add_token()
    aborted = requests.exceptions.ConnectionError("('Connection aborted.', ConnectionResetError(104, "
                                                  "'Connection reset by peer'))")
    transport.add('GET', IMAGES, exc=aborted).add('GET', IMAGES, json_body={'images': []})
    client.get_json('/v2/images')
    assert sleeps == [0.0]
    assert warnings == []


def test_requests_that_cannot_be_resent_start_on_a_fresh_connection(cloud):
    client, transport, dummy = cloud
    closed = []
    transport.close = lambda: closed.append(True)
    transport.add('GET', IMAGES, json_body={'images': []})
    transport.add('POST', IMAGES, status=201, json_body={})
    client.get_json('/v2/images')  # the token POST drops idle connections too, then the GET keeps them
    del closed[:]
    client.get_json('/v2/images')
    assert closed == []
    client.request('POST', '/v2/images', json={})
    assert closed  # idle kept-alive connections dropped before the POST


def test_streaming_bodies_are_never_retried(cloud):
    client, transport, sleeps = cloud
    transport.add('PUT', IMAGES + '/x/file', status=503)
    with pytest.raises(ServiceUnavailable):
        client.upload('/v2/images/{0}/file', 'x', body=iter([b'abc']))
    assert sleeps == []
    assert len(transport.requests) == 2


def test_reauthenticates_once_on_401(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES, status=401).add('GET', IMAGES, json_body={'images': []})
    assert client.get_json('/v2/images') == {'images': []}
    assert transport.paths() == [('POST', '/v3/auth/tokens'), ('GET', '/v2/images'),
                                 ('POST', '/v3/auth/tokens'), ('GET', '/v2/images')]


def test_reauthenticates_only_once(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES, status=401)
    with pytest.raises(Unauthorized):
        client.get_json('/v2/images')
    assert len(transport.requests) == 4


def test_keystone_401_is_not_looped():
    client, transport, dummy = make_client()
    transport.add_token(status=401)
    with pytest.raises(Unauthorized):
        client.get_json('/v2/images')
    assert len(transport.requests) == 1


# -- pagination ----------------------------------------------------------------------------------

def page(names, next_link=None):
    body = {'images': [{'id': n, 'name': n} for n in names], 'first': '/v2/images', 'schema': '/v2/schemas/images'}
    if next_link:
        body['next'] = next_link
    return body


def test_paginate_follows_relative_next_with_a_path_prefix():
    client, transport, dummy = make_client()
    transport.add_token(cat=catalog(image_urls={'public': 'https://cloud.test/image/v2/'}))
    base = 'https://cloud.test/image/v2/images'
    transport.add('GET', base, json_body=page(['a', 'b'], '/v2/images?status=active&marker=b'))
    transport.add('GET', base, json_body=page(['c'], '/v2/images?status=active&marker=c'))
    transport.add('GET', base, json_body=page([]))
    names = [i['name'] for i in client.paginate('/v2/images', params={'status': 'active'})]
    assert names == ['a', 'b', 'c']
    assert transport.calls()[1:] == [
        ('GET', base + '?status=active'),
        ('GET', base + '?status=active&marker=b'),
        ('GET', base + '?status=active&marker=c'),
    ]


def test_paginate_cap_stops_fetching_and_sets_page_size(cloud):
    client, transport, dummy = cloud
    # the server may return fewer than asked per page (its own api_limit_max)
    transport.add('GET', IMAGES, json_body=page(['a', 'b'], '/v2/images?limit=3&marker=b'))
    transport.add('GET', IMAGES, json_body=page(['c', 'd'], '/v2/images?limit=3&marker=d'))
    names = [i['name'] for i in client.paginate('/v2/images', params={'limit': 50}, limit=3)]
    assert names == ['a', 'b', 'c']
    assert transport.calls()[1:] == [('GET', IMAGES + '?limit=3'), ('GET', IMAGES + '?limit=3&marker=b')]
    assert len(transport.requests) == 3  # no request after the cap is reached


def test_paginate_big_cap_uses_max_page_size(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES, json_body=page(['a']))
    assert len(list(client.paginate('/v2/images', limit=5000))) == 1
    assert transport.calls()[-1] == ('GET', IMAGES + '?limit=1000')


def test_paginate_zero_cap_sends_nothing(cloud):
    client, transport, dummy = cloud
    assert list(client.paginate('/v2/images', limit=0)) == []
    assert transport.requests == []


def test_paginate_restores_repeated_tags_glance_drops_from_next(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES, json_body=page(['a'], '/v2/images?tag=y&marker=a'))
    transport.add('GET', IMAGES, json_body=page(['b']))
    list(client.paginate('/v2/images', params=[('tag', 'x'), ('tag', 'y')]))
    assert transport.calls()[1:] == [('GET', IMAGES + '?tag=x&tag=y'), ('GET', IMAGES + '?marker=a&tag=x&tag=y')]


def test_paginate_other_keys_and_absolute_next(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGE_URL + '/v2/tasks', json_body={'tasks': [{'id': 1}],
                                                             'next': IMAGE_URL + '/v2/tasks?marker=1'})
    transport.add('GET', IMAGE_URL + '/v2/tasks', json_body={'tasks': []})
    assert list(client.paginate('/v2/tasks', key='tasks')) == [{'id': 1}]


def test_paginate_detects_loops(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES, json_body=page(['a'], '/v2/images?marker=a'))
    with pytest.raises(GlanceModuleError, match='page 2 lists only images already listed: the next links go round'):
        list(client.paginate('/v2/images'))


def test_paginate_detects_a_repeated_next_link_of_items_without_ids(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES, json_body={'images': [{'name': 'no id'}], 'next': '/v2/images?marker=a'})
    with pytest.raises(GlanceModuleError, match='same next link twice'):
        list(client.paginate('/v2/images'))


@pytest.mark.parametrize('base, link, expected', [
    ('http://g:9292', '/v2/images?marker=x', 'http://g:9292/v2/images?marker=x'),
    ('https://c/image', '/v2/images?marker=x', 'https://c/image/v2/images?marker=x'),
    ('https://c/image', '/image/v2/images?marker=x', 'https://c/image/v2/images?marker=x'),
    ('https://c/image', 'https://d/v2/images', 'https://d/v2/images'),
])
def test_join_link(base, link, expected):
    assert join_link(base, link) == expected


def test_query_pairs():
    assert query_pairs({'tag': ['a', 'b'], 'os_hidden': True, 'protected': False, 'n': 3, 'skip': None}) == [
        ('tag', 'a'), ('tag', 'b'), ('os_hidden', 'true'), ('protected', 'false'), ('n', '3')]
    assert query_pairs([('tag', 'a'), ('tag', 'b')]) == [('tag', 'a'), ('tag', 'b')]
    assert query_pairs(None) == []


# -- streaming -----------------------------------------------------------------------------------

DATA = bytes(range(256)) * 12289  # a bit over 3 MiB


class CountingFile(io.BytesIO):
    def __init__(self, data):
        super(CountingFile, self).__init__(data)
        self.reads = []

    def read(self, size=-1):
        self.reads.append(size)
        return super(CountingFile, self).read(size)


def test_upload_streams_a_file_in_chunks_and_hashes(cloud):
    client, transport, dummy = cloud
    transport.add('PUT', IMAGES + '/x/file', status=204)
    f = CountingFile(DATA)
    hasher = MultiHasher(['md5', 'sha256', 'sha512'])
    client.upload('/v2/images/{0}/file', 'x', body=f, size=len(DATA), hasher=hasher)
    sent = transport.requests[-1]
    assert transport.bodies[-1] == DATA
    assert sent.headers['Content-Type'] == 'application/octet-stream'
    assert sent.headers['x-openstack-image-size'] == str(len(DATA))
    # A known size goes out as Content-Length: chunked encoding would copy every chunk to frame it.
    assert sent.headers['Content-Length'] == str(len(DATA))
    assert 'Transfer-Encoding' not in sent.headers
    assert set(r for r in f.reads) == {1048576}  # never read(-1)
    assert hasher.size == len(DATA)
    assert hasher.hexdigests() == {'md5': hashlib.md5(DATA).hexdigest(), 'sha256': hashlib.sha256(DATA).hexdigest(),
                                   'sha512': hashlib.sha512(DATA).hexdigest()}


def test_upload_from_an_iterator_without_size(cloud):
    client, transport, dummy = cloud
    transport.add('PUT', IMAGES + '/x/stage', status=204)
    client.upload('/v2/images/{0}/stage', 'x', body=iter([b'ab', b'', b'cd']))
    assert transport.bodies[-1] == b'abcd'
    assert 'x-openstack-image-size' not in transport.requests[-1].headers
    assert transport.requests[-1].headers.get('Transfer-Encoding') == 'chunked'


@pytest.mark.parametrize('chunks, message', [
    ([b'abc', b'de'], 'longer than the 4 bytes'),
    ([b'ab'], 'ended after 2 of the 4 bytes'),
])
def test_a_body_that_does_not_match_its_size_is_never_sent_whole(cloud, chunks, message):
    """A file that grows or shrinks during an upload fails it, instead of a body that contradicts its length."""
    client, transport, dummy = cloud
    transport.add('PUT', IMAGES + '/x/file', status=204)
    with pytest.raises((IOError, ConnectionFailed)) as err:
        client.upload('/v2/images/{0}/file', 'x', body=iter(chunks), size=4)
    assert message in str(err.value)


def test_upload_authenticates_before_streaming():
    client, transport, dummy = make_client()
    transport.add_token()
    transport.add('PUT', IMAGES + '/x/file', status=204)
    client.upload('/v2/images/{0}/file', 'x', body=b'abc')
    assert transport.paths() == [('POST', '/v3/auth/tokens'), ('PUT', '/v2/images/x/file')]


def test_upload_401_is_not_replayed(cloud):
    client, transport, dummy = cloud
    transport.add('PUT', IMAGES + '/x/file', status=401)
    with pytest.raises(Unauthorized):
        client.upload('/v2/images/{0}/file', 'x', body=iter([b'abc']))
    assert len(transport.requests) == 2


def test_download_streams_chunks_and_hashes(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES + '/x/file', status=200, body=DATA, headers={'Content-MD5': 'm'})
    hasher = MultiHasher(['md5', 'sha512'])
    resp, chunks = client.download('/v2/images/{0}/file', 'x', hasher=hasher)
    assert resp.status_code == 200
    sizes = [len(c) for c in chunks]
    assert max(sizes) <= 1048576 and sum(sizes) == len(DATA)
    assert hasher.hexdigest('md5') == hashlib.md5(DATA).hexdigest()
    assert hasher.hexdigest('sha512') == hashlib.sha512(DATA).hexdigest()
    assert 'Range' not in transport.requests[-1].headers


def test_download_with_range(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES + '/x/file', status=206, body=DATA[100:],
                  headers={'Content-Range': 'bytes 100-%d/%d' % (len(DATA) - 1, len(DATA))})
    resp, chunks = client.download('/v2/images/{0}/file', 'x', offset=100, chunk_size=65536)
    assert resp.status_code == 206
    assert b''.join(chunks) == DATA[100:]
    assert transport.requests[-1].headers['Range'] == 'bytes=100-'


def test_download_errors_are_typed(cloud):
    client, transport, dummy = cloud
    body = '<html><body><h1>404 Not Found</h1>No image found with ID x<br /><br /></body></html>'
    transport.add('GET', IMAGES + '/x/file', status=404, body=body)
    with pytest.raises(NotFound, match='No image found with ID x'):
        client.download('/v2/images/{0}/file', 'x')


def test_interrupted_download_is_typed(cloud):
    client, transport, dummy = cloud

    class Broken(io.BytesIO):
        def read(self, *args, **kwargs):
            raise requests.exceptions.ChunkedEncodingError('Connection broken: IncompleteRead')

    def answer(request):
        from ansible_collections.osimg.glance.tests.unit.fake_glance import make_response
        resp = make_response(request, 200)
        resp.raw = Broken()
        return resp

    transport.add('GET', IMAGES + '/x/file', func=answer)
    resp, chunks = client.download('/v2/images/{0}/file', 'x')
    with pytest.raises(ConnectionFailed, match='download was interrupted'):
        list(chunks)


def test_get_json_rejects_non_json(cloud):
    client, transport, dummy = cloud
    transport.add('GET', IMAGES, body='not json', headers={'Content-Type': 'text/plain'})
    with pytest.raises(GlanceModuleError, match='not JSON'):
        client.get_json('/v2/images')


def test_warn_callback_reports_retries():
    warnings = []
    client, transport, sleeps = make_client(warn=warnings.append)
    transport.add_token()
    transport.add('GET', IMAGES, status=503).add('GET', IMAGES, json_body={})
    client.get_json('/v2/images')
    assert warnings == ['GET http://glance.test:9292/v2/images: 503 Service Unavailable; retrying in 1.0s '
                        '(attempt 2 of 5)']


def test_http_client_signature_defaults():
    import inspect
    sig = inspect.signature(HttpClient.__init__)
    assert sig.parameters['max_retries'].default == 4
    assert sig.parameters['backoff'].default == 1.0
    body = json.dumps({'x': 1})
    assert json.loads(body) == {'x': 1}
