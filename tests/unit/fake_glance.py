# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fakes shared by the unit tests: an HTTP transport with no network, a cloud config, and a module runner.

Fixtures built on them (``fake_cloud``, ``image_file``) live in tests/unit/conftest.py; import the rest::

    from ansible_collections.osimg.glance.tests.unit.fake_glance import FakeTransport, make_client, token_body

``FakeTransport`` is a ``requests.adapters.BaseAdapter``: mounted on a session it answers with real
``requests.Response`` objects and records every ``PreparedRequest`` (streamed bodies are consumed
and kept as bytes in ``transport.bodies``).
"""

import contextlib
import hashlib
import io
import json
import os
import re

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from ansible.module_utils import basic

from ansible_collections.osimg.glance.plugins.module_utils._config import resolve_cloud_config
from ansible_collections.osimg.glance.plugins.module_utils._errors import REASONS
from ansible_collections.osimg.glance.plugins.module_utils import _module
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
        self.fallbacks = []  # routes answered only when no route of the test matches
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

    def _match(self, request, routes=None):
        base = request.url.split('?', 1)[0]
        for route in self.routes if routes is None else routes:
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
            route = self._match(request, self.fallbacks)
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


# -- running a module ---------------------------------------------------------------------

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    @contextlib.contextmanager
    def patch_module_args(args=None):
        old = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}).encode('utf-8')
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = old

AUTH = {'auth_url': AUTH_URL, 'username': 'demo', 'password': 'Sup3r-Secret', 'project_name': 'demo',
        'user_domain_name': 'Default', 'project_domain_name': 'Default'}


def install_fake_cloud(monkeypatch):
    """Patch the HTTP client factory of _module so every module talks to one FakeTransport; returns it."""
    for var in list(os.environ):
        if var.startswith('OS_'):
            monkeypatch.delenv(var)
    transport = FakeTransport()
    transport.clients = []

    def factory(config, **kwargs):
        session = requests.Session()
        session.mount('http://', transport)
        session.mount('https://', transport)
        kwargs.setdefault('sleep', lambda seconds: None)
        client = HttpClient(config, session=session, **kwargs)
        transport.clients.append(client)
        return client

    monkeypatch.setattr(_module, 'HttpClient', factory)
    # A cloud without unified limits, unless a test says otherwise: uploads check the quota usage first.
    transport.fallbacks.append({'method': 'GET', 'url': IMAGE_URL + '/v2/info/usage',
                                'queue': [{'status': 404, 'json': None, 'body': b'', 'headers': {}, 'exc': None,
                                           'func': None}]})
    return transport


def run_module(main, args, capsys):
    """Run a module main() with args; returns (exit code, result dict)."""
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            main()
    out = capsys.readouterr().out
    return exc.value.code, json.loads(out)


# -- glance_image fixtures -------------------------------------------------------------

IMAGES = IMAGE_URL + '/v2/images'
IMAGE_ID = '5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d'
ONE_IMAGE = re.compile(re.escape(IMAGES) + r'/[0-9a-f-]{36}$')
DATA = b'QFI\xfb' + b'\x00' * 4096
WRITES = ('POST', 'PUT', 'PATCH', 'DELETE')


def hashes(data):
    return {'md5': hashlib.md5(data).hexdigest(), 'sha256': hashlib.sha256(data).hexdigest(),
            'sha512': hashlib.sha512(data).hexdigest()}


def active_image(data=DATA, **extra):
    h = hashes(data)
    image = {'id': IMAGE_ID, 'name': 'cirros', 'status': 'active', 'visibility': 'shared', 'protected': False,
             'os_hidden': False, 'min_disk': 0, 'min_ram': 0, 'owner': PROJECT_ID, 'disk_format': 'qcow2',
             'container_format': 'bare', 'size': len(data), 'checksum': h['md5'], 'os_hash_algo': 'sha512',
             'os_hash_value': h['sha512'], 'tags': [], 'owner_specified.openstack.md5': h['md5'],
             'owner_specified.openstack.sha256': h['sha256'], 'owner_specified.openstack.object': 'images/cirros'}
    image.update(extra)
    return image


def run_image_module(args, capsys, check_mode=False):
    """Run glance_image's main() with the fake cloud's credentials; returns (exit code, result dict)."""
    from ansible_collections.osimg.glance.plugins.modules import glance_image
    args = dict(args)
    args.setdefault('auth', AUTH)
    if check_mode:
        args['_ansible_check_mode'] = True
    return run_module(glance_image.main, args, capsys)


def lookup_returns(transport, *images):
    # A name lookup lists visible images, then hidden ones.
    transport.add('GET', IMAGES, json_body={'images': list(images)})
    transport.add('GET', IMAGES, json_body={'images': []})


def warning_texts(result):
    """Warning messages, from plain strings or ansible-core 2.19's structured warnings."""
    texts = []
    for warning in result.get('warnings', []):
        texts.append(warning['event']['msg'] if isinstance(warning, dict) else warning)
    return texts


def writes(transport):
    return [(r.method, r.path_url) for r in transport.requests if r.method in WRITES and '/auth/' not in r.path_url]


def sent_json(transport, method):
    return [json.loads(r.body) for r in transport.requests if r.method == method and '/auth/' not in r.path_url]
