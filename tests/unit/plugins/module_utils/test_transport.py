# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fake HTTP transport for unit tests (no network), and the tests of the fake itself.

Reusable from other test files::

    from ansible_collections.osimg.glance.tests.unit.plugins.module_utils.test_transport import (
        FakeTransport, make_client, token_body)

``FakeTransport`` is a ``requests.adapters.BaseAdapter``: mounted on a session it answers with real
``requests.Response`` objects and records every ``PreparedRequest`` (streamed bodies are consumed
and kept as bytes in ``transport.bodies``).
"""

import io
import json
import re

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ansible_collections.osimg.glance.plugins.module_utils._config import resolve_cloud_config
from ansible_collections.osimg.glance.plugins.module_utils._errors import REASONS
from ansible_collections.osimg.glance.plugins.module_utils._http import HttpClient

AUTH_URL = 'http://keystone.test:5000/v3'
IMAGE_URL = 'http://glance.test:9292'
PROJECT_ID = 'p' * 32
USER_ID = 'u' * 32
TOKEN = 'tok-123'


def catalog(image_urls=None, regions=('RegionOne',)):
    """A Keystone v3 catalog with identity and image endpoints (public/internal/admin) per region."""
    image_urls = image_urls or {}
    image_endpoints = []
    identity_endpoints = []
    for region in regions:
        for iface in ('public', 'internal', 'admin'):
            url = image_urls.get((region, iface)) or image_urls.get(iface) or IMAGE_URL
            image_endpoints.append({'id': '%s-%s' % (region, iface), 'interface': iface, 'region': region,
                                    'region_id': region, 'url': url})
            identity_endpoints.append({'id': 'k-%s-%s' % (region, iface), 'interface': iface, 'region': region,
                                       'region_id': region, 'url': AUTH_URL})
    return [
        {'type': 'identity', 'name': 'keystone', 'endpoints': identity_endpoints},
        {'type': 'image', 'name': 'glance', 'endpoints': image_endpoints},
    ]


def token_body(cat=None, project_id=PROJECT_ID, user_id=USER_ID):
    return {'token': {
        'methods': ['password'],
        'expires_at': '2099-01-01T00:00:00.000000Z',
        'project': {'id': project_id, 'name': 'demo', 'domain': {'id': 'default', 'name': 'Default'}},
        'user': {'id': user_id, 'name': 'demo', 'domain': {'id': 'default', 'name': 'Default'}},
        'roles': [{'id': 'r1', 'name': 'member'}],
        'catalog': catalog() if cat is None else cat,
    }}


class FakeTransport(BaseAdapter):
    """Answer requests from a route table: add(method, url, ...) queues responses for a URL.

    The URL is matched without its query string, exactly, or as a compiled regex. Several add()
    calls for one route are answered in order; the last one then repeats. A response may be an
    exception instance (raised) or a callable(request) -> Response.
    """

    def __init__(self):
        super(FakeTransport, self).__init__()
        self.routes = []
        self.requests = []
        self.bodies = []

    def add(self, method, url, status=200, json_body=None, body=None, headers=None, exc=None, func=None):
        entry = None
        for route in self.routes:
            if route['method'] == method and route['url'] == url:
                entry = route
        if entry is None:
            entry = {'method': method, 'url': url, 'queue': []}
            self.routes.append(entry)
        entry['queue'].append({'status': status, 'json': json_body, 'body': body, 'headers': headers or {},
                               'exc': exc, 'func': func})
        return self

    def add_token(self, cat=None, status=201, project_id=PROJECT_ID, auth_url=AUTH_URL):
        return self.add('POST', auth_url + '/auth/tokens', status=status,
                        json_body=token_body(cat, project_id=project_id) if status < 300 else
                        {'error': {'code': status, 'title': 'Unauthorized',
                                   'message': 'The request you have made requires authentication.'}},
                        headers={'X-Subject-Token': TOKEN} if status < 300 else {})

    def _match(self, request):
        base = request.url.split('?', 1)[0]
        for route in self.routes:
            if route['method'] != request.method:
                continue
            url = route['url']
            if (hasattr(url, 'match') and url.match(base)) or url == base:
                return route
        return None

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        body = request.body
        if body is not None and not isinstance(body, (bytes, str)):
            body = b''.join(body)  # consume a streamed (generator) body like a real socket would
        self.bodies.append(body)
        self.requests.append(request)
        route = self._match(request)
        if route is None:
            raise AssertionError('unexpected request %s %s' % (request.method, request.url))
        spec = route['queue'].pop(0) if len(route['queue']) > 1 else route['queue'][0]
        if spec['exc'] is not None:
            raise spec['exc']
        if spec['func'] is not None:
            return spec['func'](request)
        if spec['json'] is not None:
            content = json.dumps(spec['json']).encode('utf-8')
            headers = {'Content-Type': 'application/json'}
        else:
            content = spec['body'] or b''
            if isinstance(content, str):
                content = content.encode('utf-8')
            headers = {}
        headers.update(spec['headers'])
        return make_response(request, spec['status'], content, headers)

    def close(self):
        pass

    # -- helpers for assertions -----------------------------------------------------------
    def calls(self):
        return [(r.method, r.url) for r in self.requests]

    def paths(self):
        return [(r.method, r.path_url) for r in self.requests]


def make_response(request, status, content=b'', headers=None):
    resp = requests.Response()
    resp.status_code = status
    resp.reason = REASONS.get(status, 'Unknown')
    resp.headers = CaseInsensitiveDict(headers or {})
    resp.raw = io.BytesIO(content)
    resp.url = request.url
    resp.request = request
    return resp


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def make_config(**params):
    """A CloudConfig for password auth against the fake cloud, overridable by module-style params."""
    base = {'auth': {'auth_url': AUTH_URL, 'username': 'demo', 'password': 'secret-pw',
                     'project_name': 'demo', 'user_domain_name': 'Default', 'project_domain_name': 'Default'}}
    base.update(params)
    return resolve_cloud_config(base, environ={}, cwd='/nonexistent', home='/nonexistent')


def make_client(transport=None, config=None, **kwargs):
    """(HttpClient, FakeTransport, sleeps) with the transport mounted on a fresh session."""
    transport = transport or FakeTransport()
    session = requests.Session()
    session.mount('http://', transport)
    session.mount('https://', transport)
    sleeps = Sleeps()
    kwargs.setdefault('sleep', sleeps)
    client = HttpClient(config or make_config(), session=session, **kwargs)
    return client, transport, sleeps


# -- tests of the fake itself ---------------------------------------------------------------

def test_fake_returns_real_responses():
    client, transport, dummy = make_client()
    transport.add_token()
    transport.add('GET', IMAGE_URL + '/v2/images', json_body={'images': []})
    resp = client.request('GET', '/v2/images')
    assert isinstance(resp, requests.Response)
    assert resp.json() == {'images': []}
    assert transport.paths() == [('POST', '/v3/auth/tokens'), ('GET', '/v2/images')]


def test_fake_queues_responses_in_order_then_repeats():
    transport = FakeTransport()
    transport.add('GET', 'http://x.test/a', status=503).add('GET', 'http://x.test/a', status=200, body=b'ok')
    session = requests.Session()
    session.mount('http://', transport)
    assert session.get('http://x.test/a').status_code == 503
    assert session.get('http://x.test/a').status_code == 200
    assert session.get('http://x.test/a').status_code == 200


def test_fake_regex_routes_and_unexpected_requests():
    transport = FakeTransport()
    transport.add('GET', re.compile(r'^http://x\.test/v2/images/[^/]+$'), json_body={'id': 'x'})
    session = requests.Session()
    session.mount('http://', transport)
    assert session.get('http://x.test/v2/images/abc?q=1').json() == {'id': 'x'}
    with pytest.raises(AssertionError):
        session.get('http://x.test/other')


def test_fake_consumes_streamed_bodies():
    transport = FakeTransport()
    transport.add('PUT', 'http://x.test/file', status=204)
    session = requests.Session()
    session.mount('http://', transport)
    session.put('http://x.test/file', data=(c for c in [b'ab', b'cd']))
    assert transport.bodies == [b'abcd']
