# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP client against the hostile server of tests/servers/hostile_server.py, on loopback: redirects, next links, bodies,
headers and tokens a compromised or broken server could send."""

import math
import threading
import time

import pytest

from ansible_collections.osimg.glance.plugins.module_utils import _http
from ansible_collections.osimg.glance.plugins.module_utils._config import resolve_cloud_config
from ansible_collections.osimg.glance.plugins.module_utils._errors import (
    BadRequest,
    ConfigError,
    Conflict,
    InvalidResponse,
    RedirectRefused,
    ServerError,
)
from ansible_collections.osimg.glance.plugins.module_utils._glance import Glance
from ansible_collections.osimg.glance.plugins.module_utils._http import HttpClient
from ansible_collections.osimg.glance.tests.servers.hostile_server import APP_CREDENTIAL_ID, IMAGE_ID, HostileCloud


@pytest.fixture(scope='module')
def hostile():
    server = HostileCloud().start_in_thread()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean(hostile):
    hostile.reset()


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def client_for(hostile, scenario='ok', **auth):
    """An HttpClient that authenticates with the hostile Keystone of scenario (password auth by default)."""
    if not auth:
        auth = {'username': 'demo', 'password': hostile.password, 'project_name': 'demo'}
    auth = dict(auth, auth_url=hostile.auth_url(scenario))
    config = resolve_cloud_config({'auth': auth, 'api_timeout': 10}, environ={}, cwd='/nonexistent',
                                  home='/nonexistent')
    tokens = []
    client = HttpClient(config, sleep=Sleeps(), on_secret=tokens.append)
    client.tokens_seen = tokens
    return client


def nothing_reached_elsewhere(hostile):
    return hostile.state()['elsewhere'] == []


# -- redirects of the token request -----------------------------------------------------------------

@pytest.mark.parametrize('scenario, status', [('token-redirect-cross', 307), ('token-redirect-308', 308)])
def test_keystone_redirect_to_another_origin_is_refused_and_the_password_stays(hostile, scenario, status):
    client = client_for(hostile, scenario)
    with pytest.raises(RedirectRefused) as exc:
        client.get_json('/v2/images')
    message = str(exc.value)
    assert message.startswith('%d ' % status) and 'POST %s/auth/tokens' % hostile.auth_url(scenario) in message
    assert 'redirect to another origin, %s, refused' % hostile.elsewhere_url in message
    assert 'set auth_url' in message and hostile.password not in message
    assert hostile.elsewhere_url + '/v3' not in message  # the origin only, never the path it pointed to
    assert nothing_reached_elsewhere(hostile)


def test_keystone_redirect_of_an_application_credential_is_refused(hostile):
    client = client_for(hostile, 'token-redirect-cross', application_credential_id=APP_CREDENTIAL_ID,
                        application_credential_secret=hostile.app_secret)
    with pytest.raises(RedirectRefused, match='redirect to another origin'):
        client.get_json('/v2/images')
    assert nothing_reached_elsewhere(hostile)


def test_keystone_redirect_within_the_origin_is_refused_for_the_post(hostile):
    client = client_for(hostile, 'token-redirect-same')
    with pytest.raises(RedirectRefused) as exc:
        client.get_json('/v2/images')
    assert 'redirect to /s/ok/identity/v3/auth/tokens refused: a POST request is never redirected' in str(exc.value)
    assert [r['path'] for r in hostile.state()['received']] == ['/s/token-redirect-same/identity/v3/auth/tokens']


def test_token_validation_get_is_not_redirected_to_another_origin(hostile):
    token = hostile.issue_token()
    client = client_for(hostile, 'token-redirect-cross', token=token)
    assert client.config.auth_type == 'token'
    with pytest.raises(RedirectRefused, match='redirect to another origin, %s' % hostile.elsewhere_url):
        client.get_json('/v2/images')
    assert nothing_reached_elsewhere(hostile)


# -- redirects of Glance requests -----------------------------------------------------------------------

def test_get_redirect_to_another_origin_is_refused(hostile):
    client = client_for(hostile, 'get-redirect-cross')
    with pytest.raises(RedirectRefused) as exc:
        client.get_json('/v2/images/{0}', IMAGE_ID)
    assert str(exc.value).startswith('302 Found for GET %s/v2/images/%s: redirect to another origin, %s, refused'
                                     % (hostile.image_url('get-redirect-cross'), IMAGE_ID, hostile.elsewhere_url))
    assert nothing_reached_elsewhere(hostile)


def test_get_redirect_to_a_file_url_is_refused(hostile):
    client = client_for(hostile, 'get-redirect-file')
    with pytest.raises(RedirectRefused, match='redirect to another origin, a location that is not an http'):
        client.get_json('/v2/images')


def test_get_redirect_within_the_origin_is_followed(hostile):
    client = client_for(hostile, 'get-redirect-same')
    assert client.get_json('/v2/images')['images'][0]['id'] == IMAGE_ID
    paths = [r['path'] for r in hostile.state()['received']][1:]
    assert paths == ['/s/get-redirect-same/image/v2/images', '/s/get-redirect-same/image/v2/images?moved=1']


def test_redirect_loops_are_cut(hostile):
    client = client_for(hostile, 'get-redirect-loop')
    with pytest.raises(RedirectRefused, match='more than 5 redirects in a row'):
        client.get_json('/v2/images')
    assert len(hostile.state()['received']) == 1 + 1 + _http.MAX_REDIRECTS


@pytest.mark.parametrize('scenario, where', [
    ('patch-redirect-cross', 'redirect to another origin'),
    ('patch-redirect-same', 'a PATCH request is never redirected'),
])
def test_patch_is_never_redirected(hostile, scenario, where):
    glance = Glance(client_for(hostile, scenario))
    with pytest.raises(RedirectRefused, match=where):
        glance.patch_image(IMAGE_ID, [{'op': 'add', 'path': '/x', 'value': 'y'}])
    assert nothing_reached_elsewhere(hostile)
    assert [r['method'] for r in hostile.state()['received']] == ['POST', 'PATCH']


def test_a_streamed_upload_is_not_redirected(hostile):
    glance = Glance(client_for(hostile, 'upload-redirect-cross'))
    with pytest.raises(RedirectRefused, match='redirect to another origin'):
        glance.upload_image_data(IMAGE_ID, iter([b'x' * 1000, b'y' * 1000]))
    assert nothing_reached_elsewhere(hostile)


# -- pagination ---------------------------------------------------------------------------------

@pytest.mark.parametrize('scenario', ['next-absolute', 'next-scheme-relative'])
def test_next_links_to_another_origin_are_refused(hostile, scenario):
    client = client_for(hostile, scenario)
    with pytest.raises(InvalidResponse) as exc:
        list(client.paginate('/v2/images'))
    assert 'the next link points to another origin, %s' % hostile.elsewhere_url in str(exc.value)
    assert nothing_reached_elsewhere(hostile)


def test_next_links_that_go_round_in_a_loop_stop_at_once(hostile):
    client = client_for(hostile, 'next-endless')
    with pytest.raises(InvalidResponse) as exc:
        list(client.paginate('/v2/images'))
    assert 'Pagination loop for GET' in str(exc.value)
    assert 'page 2 lists only images already listed: the next links go round in a loop' in str(exc.value)
    assert len(hostile.state()['received']) == 1 + 2


def test_endless_fresh_next_links_stop_at_the_page_cap(hostile, monkeypatch):
    monkeypatch.setattr(_http, 'MAX_PAGES', 30)
    client = client_for(hostile, 'next-endless-fresh')
    with pytest.raises(InvalidResponse) as exc:
        list(client.paginate('/v2/images'))
    assert 'after 30 pages, the most this collection follows (its page cap)' in str(exc.value)
    assert len(hostile.state()['received']) == 1 + 30


def test_the_page_cap_is_documented():
    from ansible_collections.osimg.glance.plugins.doc_fragments.auth import ModuleDocFragment
    assert '%d pages' % _http.MAX_PAGES in ModuleDocFragment.DOCUMENTATION


# -- bodies -----------------------------------------------------------------------------------------

def run_within(seconds, func):
    """func() in a thread; fails when it takes longer than seconds. Returns (result or exception, elapsed)."""
    box = {}

    def target():
        try:
            box['value'] = func()
        except Exception as e:  # handed to the test
            box['value'] = e
    started = time.monotonic()
    thread = threading.Thread(target=target)
    thread.daemon = True
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), 'still running after %s seconds' % seconds
    return box['value'], time.monotonic() - started


def test_a_huge_error_body_is_read_only_in_part(hostile):
    client = client_for(hostile, 'error-huge')
    error, elapsed = run_within(20, lambda: client.get_json('/v2/images'))
    assert isinstance(error, BadRequest), error
    assert len(error.explanation) < 2100 and error.explanation.endswith('...')


def test_an_error_body_made_to_backtrack_is_explained_fast(hostile):
    client = client_for(hostile, 'error-backtrack')
    error, elapsed = run_within(20, lambda: client.get_json('/v2/images'))
    assert isinstance(error, BadRequest), error
    assert elapsed < 2


def test_a_success_body_that_is_not_json_is_a_typed_error(hostile):
    client = client_for(hostile, 'invalid-json')
    with pytest.raises(InvalidResponse, match="answered '<html>this is not JSON {', which is not JSON"):
        client.get_json('/v2/images')
    with pytest.raises(InvalidResponse, match='which is not JSON'):
        client.request('GET', '/v2/images').json()  # as _glance calls it


def test_a_success_body_that_is_not_an_object_is_a_typed_error(hostile):
    client = client_for(hostile, 'json-not-object')
    with pytest.raises(InvalidResponse, match='a JSON list where a JSON object was expected'):
        client.get_json('/v2/images')


def test_a_success_body_too_large_is_not_read(hostile, monkeypatch):
    monkeypatch.setattr(_http, 'MAX_BODY', 100)
    client = client_for(hostile)
    with pytest.raises(InvalidResponse, match='larger than'):
        client.get_json('/v2/images/{0}', IMAGE_ID)


def test_a_huge_request_id_is_cut(hostile):
    client = client_for(hostile, 'huge-request-id')
    with pytest.raises(Conflict) as exc:
        client.get_json('/v2/images')
    assert exc.value.request_id.startswith('req-xxx') and len(exc.value.request_id) <= 128


# -- headers --------------------------------------------------------------------------------------

@pytest.mark.parametrize('scenario', ['retry-after-nan', 'retry-after-garbage', 'retry-after-far-date'])
def test_odd_retry_after_values_fall_back_to_the_backoff(hostile, scenario):
    client = client_for(hostile, scenario)
    assert client.get_json('/v2/images')['images']
    assert client._sleep == [1.0]  # the first backoff delay
    assert all(math.isfinite(s) for s in client._sleep)


# -- tokens ---------------------------------------------------------------------------------------

def test_every_issued_token_is_handed_over_for_masking_before_use(hostile):
    client = client_for(hostile, 'echo-token')
    with pytest.raises(ServerError) as exc:
        client.get_json('/v2/images')
    token = hostile.state()['tokens'][-1]
    assert client.tokens_seen == [token]
    assert token in str(exc.value)  # the server echoed it: the module masks it (tested with the modules)


def test_a_malformed_token_from_keystone_is_refused_without_showing_it(hostile):
    client = client_for(hostile, 'token-malformed')
    with pytest.raises(InvalidResponse) as exc:
        client.get_json('/v2/images')
    token = hostile.state()['tokens'][-1]
    assert 'has spaces or control characters' in str(exc.value)
    assert token[10:] not in str(exc.value) and token[:10] not in str(exc.value).replace(hostile.url, '')
    assert [r['path'] for r in hostile.state()['received']] == ['/s/token-malformed/identity/v3/auth/tokens']


@pytest.mark.parametrize('token', ['tok-secret-value\n', ' tok-secret-value', 'tok secret value', 'tok-secret\x01x'])
def test_a_malformed_given_token_is_refused_before_any_request(token):
    with pytest.raises(ConfigError) as exc:
        resolve_cloud_config({'auth_type': 'none', 'image_endpoint': 'http://127.0.0.1:9', 'auth': {'token': token}},
                             environ={}, cwd='/nonexistent', home='/nonexistent')
    assert 'not a usable token' in str(exc.value) and 'secret' not in str(exc.value)
