# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A hostile OpenStack for the tests: a fake Keystone and Glance that misbehave on purpose, and a second origin
that records whatever reaches it (stdlib only, test code, never shipped to users).

Where the fault proxy (fault_proxy.py, beside this file) breaks the traffic of the real local cloud, this server is the cloud:
it answers what a compromised or broken server could answer, which the real Glance never does.

Two listeners on loopback, two origins:

- the cloud (``url``): Keystone under ``/s/<scenario>/identity/v3``, Glance under ``/s/<scenario>/image``. The
  scenario in the path says how it misbehaves (``ok`` for not at all), so tasks can use several side by side.
  Keystone accepts the user ``demo`` with the server's password, and the application credential ``appcred``
  with its secret, and issues fresh random tokens; Glance serves one image (``IMAGE_ID``, ``hostile-image``,
  pseudo-random data of ``--image-size`` bytes with its sha512 and md5) and accepts any token it issued.
- elsewhere (``elsewhere_url``): another port, so another origin. It records every request that reaches it
  and which credentials it carried (the password, the application credential secret, any token the cloud issued
  or was sent), and answers like a working cloud would, so that a client that followed a redirect there would
  carry on as if nothing happened.

Scenarios (``SCENARIOS`` lists them): redirects of the token request, of GETs and of PATCH/PUT, to elsewhere or
within the origin; ``next`` links that are absolute, scheme-relative or endless; error bodies that are huge or
built to make regular expressions backtrack; success bodies that are not JSON; a token echoed in an error; odd
``Retry-After`` values; a download longer than the image; a slow download.

Control requests, on the cloud listener: ``GET /__hostile__/state`` returns the credentials, the tokens issued,
the requests the cloud received (method, path) and those elsewhere received (method, path, ``leaked``: the kinds
of credentials they carried, never the values); ``POST /__hostile__/reset`` clears the records and counters.

Start it in the foreground, or with ``--daemon`` (prints ``{"pid", "url", "elsewhere_url"}`` once it listens);
stop it with ``kill <pid>``. It also stops by itself after ``--max-lifetime`` seconds.
"""

import argparse
import hashlib
import json
import random
import secrets
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

try:
    from ansible_collections.osimg.glance.tests.servers.daemon import run_server
except ImportError:  # run as a script: its own directory is on sys.path
    from daemon import run_server

CONTROL_PREFIX = '/__hostile__/'
IMAGE_ID = '7f1d0c55-9a3e-4b8e-8f5a-2c1e9d6b4a10'
PROJECT_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
USER_ID = 'f0e1d2c3b4a5968778695a4b3c2d1e0f'
USERNAME = 'demo'
APP_CREDENTIAL_ID = 'appcred'
ENDLESS_PAGE_CAP = 3000  # endless enough: a client should stop long before (MAX_PAGES is 1000)
SCENARIOS = (
    'ok',
    # Keystone
    'token-redirect-cross', 'token-redirect-308', 'token-redirect-same', 'token-401-echo', 'token-malformed',
    # redirects of Glance requests
    'get-redirect-cross', 'get-redirect-same', 'get-redirect-loop', 'get-redirect-file', 'patch-redirect-cross',
    'patch-redirect-same', 'upload-redirect-cross',
    # pagination
    'next-absolute', 'next-scheme-relative', 'next-endless', 'next-endless-fresh',
    # bodies
    'error-huge', 'error-backtrack', 'echo-token', 'invalid-json', 'json-not-object', 'huge-request-id',
    # headers
    'retry-after-nan', 'retry-after-garbage', 'retry-after-far-date',
    # downloads
    'download-oversized', 'download-slow',
)
READ_LIMIT = 16 * 1024 * 1024


def image_data(size, seed=20240611):
    """The image's bytes: pseudo-random, the same for every server started with the same size."""
    return random.Random(seed).getrandbits(8 * size).to_bytes(size, 'little') if size else b''


class HostileCloud:
    """The two listeners, the fake identity and image data, and the records."""

    def __init__(self, host='127.0.0.1', port=0, elsewhere_port=0, password=None, app_secret=None,
                 image_size=1024 * 1024 + 123, slow_seconds=3.0, max_lifetime=None):
        self.password = password or 'hostile-pw-' + secrets.token_hex(12)
        self.app_secret = app_secret or 'hostile-secret-' + secrets.token_hex(12)
        self.data = image_data(image_size)
        self.slow_seconds = slow_seconds
        self.max_lifetime = max_lifetime
        self.lock = threading.Lock()
        self.tokens = []           # issued by Keystone here
        self.seen_tokens = set()   # every token the cloud was sent
        self.received = []
        self.elsewhere = []
        self.counters = {}
        self.cloud = self._server(host, port, CloudHandler)
        self.other = self._server(host, elsewhere_port, ElsewhereHandler)
        self.host = host
        self._threads = []

    def _server(self, host, port, handler):
        server = _Server((host, port), handler)
        server.daemon_threads = True
        server.hostile = self
        return server

    @property
    def url(self):
        return 'http://%s:%d' % (self.host, self.cloud.server_address[1])

    @property
    def elsewhere_url(self):
        return 'http://%s:%d' % (self.host, self.other.server_address[1])

    def auth_url(self, scenario='ok'):
        return '%s/s/%s/identity/v3' % (self.url, scenario)

    def image_url(self, scenario='ok'):
        return '%s/s/%s/image' % (self.url, scenario)

    def image(self, scenario='ok'):
        data = self.data
        return {
            'id': IMAGE_ID, 'name': 'hostile-image', 'status': 'active', 'visibility': 'private', 'owner': PROJECT_ID,
            'disk_format': 'raw', 'container_format': 'bare', 'size': len(data), 'virtual_size': None,
            'checksum': hashlib.md5(data).hexdigest(), 'os_hash_algo': 'sha512',
            'os_hash_value': hashlib.sha512(data).hexdigest(), 'protected': False, 'os_hidden': False,
            'min_disk': 0, 'min_ram': 0, 'tags': [], 'created_at': '2024-01-01T00:00:00Z',
            'updated_at': '2024-01-01T00:00:00Z', 'self': '/v2/images/' + IMAGE_ID, 'file': '/v2/images/%s/file' % IMAGE_ID,
            'schema': '/v2/schemas/image',
        }

    def count(self, key):
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + 1
            return self.counters[key]

    def issue_token(self):
        token = 'hostile-token-' + secrets.token_hex(16)
        with self.lock:
            self.tokens.append(token)
            self.seen_tokens.add(token)
        return token

    def knows_token(self, token):
        with self.lock:
            return token in self.tokens

    def note_received(self, method, path, token):
        with self.lock:
            self.received.append({'method': method, 'path': path})
            if token:
                self.seen_tokens.add(token)

    def leaked(self, blob):
        """Kinds of credentials found in blob (headers and body of a request that reached elsewhere)."""
        with self.lock:
            tokens = set(self.seen_tokens)
        kinds = []
        if self.password in blob:
            kinds.append('password')
        if self.app_secret in blob:
            kinds.append('application credential secret')
        if any(token in blob for token in tokens):
            kinds.append('token')
        return kinds

    def state(self):
        with self.lock:
            return {'password': self.password, 'app_credential': {'id': APP_CREDENTIAL_ID, 'secret': self.app_secret},
                    'tokens': list(self.tokens), 'received': list(self.received), 'elsewhere': list(self.elsewhere),
                    'image': self.image(), 'url': self.url, 'elsewhere_url': self.elsewhere_url}

    def reset(self):
        with self.lock:
            self.received, self.elsewhere, self.counters = [], [], {}

    def start_in_thread(self):
        for server in (self.cloud, self.other):
            thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2})
            thread.daemon = True
            thread.start()
            self._threads.append(thread)
        return self

    def serve_forever(self):
        self.start_in_thread()
        started = time.monotonic()
        try:
            while not self.max_lifetime or time.monotonic() - started < self.max_lifetime:
                time.sleep(0.5)
        finally:
            self.stop()

    def stop(self):
        for server in (self.cloud, self.other):
            server.shutdown()
            server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hung up on purpose (a body it would not read): nothing to report


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'hostile'
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    @property
    def hostile(self):
        return self.server.hostile

    def read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            pieces, total = [], 0
            while True:
                size = int(self.rfile.readline(1024).split(b';', 1)[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(pieces)
                piece = self.rfile.read(size)
                self.rfile.readline(3)
                total += len(piece)
                if total <= READ_LIMIT:
                    pieces.append(piece)
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def answer(self, status, payload=None, headers=None, body=None, content_type='application/json'):
        data = body if body is not None else (json.dumps(payload).encode('utf-8') if payload is not None else b'')
        self.send_response(status)
        if data or status not in (204, 304):
            self.send_header('Content-Type', content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if self.command != 'HEAD' and data:
            self.wfile.write(data)

    def stream(self, status, length, pieces, content_type='application/octet-stream', headers=None):
        """Answer with a body of length bytes from the iterator pieces; a client that hangs up ends it."""
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header('Content-Length', str(length))
        self.end_headers()
        try:
            for piece in pieces:
                self.wfile.write(piece)
        except OSError:
            self.close_connection = True

    def __getattr__(self, name):
        if name.startswith('do_'):
            return self.dispatch
        raise AttributeError(name)


class ElsewhereHandler(_Handler):
    """Another origin: records every request and the credentials in it, answers like a working cloud."""

    def dispatch(self):
        body = self.read_body()
        blob = '%s %s\n%s\n%s' % (self.command, self.path, self.headers, body.decode('utf-8', 'replace'))
        entry = {'method': self.command, 'path': self.path, 'headers': sorted(self.headers.keys()),
                 'body_bytes': len(body), 'leaked': self.hostile.leaked(blob)}
        with self.hostile.lock:
            self.hostile.elsewhere.append(entry)
        if self.path.endswith('/auth/tokens'):
            self.answer(201, token_body(self.hostile, 'ok'), headers={'X-Subject-Token': 'elsewhere-token'})
        elif self.command == 'PATCH':
            self.answer(200, self.hostile.image())
        elif self.command in ('PUT', 'DELETE'):
            self.answer(204)
        else:
            self.answer(200, {'images': [], 'members': [], 'tasks': []})


def token_body(hostile, scenario):
    catalog = [
        {'type': 'identity', 'name': 'keystone', 'endpoints': [
            {'id': 'k-' + iface, 'interface': iface, 'region': 'RegionOne', 'region_id': 'RegionOne',
             'url': hostile.auth_url(scenario)} for iface in ('public', 'internal', 'admin')]},
        {'type': 'image', 'name': 'glance', 'endpoints': [
            {'id': 'g-' + iface, 'interface': iface, 'region': 'RegionOne', 'region_id': 'RegionOne',
             'url': hostile.image_url(scenario)} for iface in ('public', 'internal', 'admin')]},
    ]
    return {'token': {
        'methods': ['password'], 'expires_at': '2099-01-01T00:00:00.000000Z', 'catalog': catalog,
        'project': {'id': PROJECT_ID, 'name': 'demo', 'domain': {'id': 'default', 'name': 'Default'}},
        'user': {'id': USER_ID, 'name': USERNAME, 'domain': {'id': 'default', 'name': 'Default'}},
        'roles': [{'id': 'r1', 'name': 'member'}],
    }}


def _unauthorized(message='The request you have made requires authentication.'):
    return {'error': {'code': 401, 'title': 'Unauthorized', 'message': message}}


class CloudHandler(_Handler):
    """Keystone and Glance, misbehaving as the scenario in the path says."""

    def dispatch(self):
        body = self.read_body()
        token = self.headers.get('X-Auth-Token')
        if self.path.startswith(CONTROL_PREFIX):
            return self.control(body)
        self.hostile.note_received(self.command, self.path, token)
        parts = urlsplit(self.path)
        segments = parts.path.split('/')
        if len(segments) < 4 or segments[1] != 's' or segments[2] not in SCENARIOS:
            return self.answer(404, {'error': 'unknown path %s; paths start with /s/<scenario>/' % parts.path})
        scenario, service, rest = segments[2], segments[3], '/' + '/'.join(segments[4:])
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if service == 'identity':
            return self.keystone(scenario, rest, body, token)
        if service == 'image':
            if not self.hostile.knows_token(token):
                return self.answer(401, _unauthorized())
            return self.glance(scenario, rest, query, body, token)
        return self.answer(404, {'error': 'unknown service %s' % service})

    def control(self, body):
        name = urlsplit(self.path).path[len(CONTROL_PREFIX):].strip('/')
        if name == 'state' and self.command == 'GET':
            return self.answer(200, self.hostile.state())
        if name == 'reset' and self.command == 'POST':
            self.hostile.reset()
            return self.answer(200, {'reset': True})
        return self.answer(404, {'error': 'unknown control request'})

    # -- Keystone ---------------------------------------------------------------------------
    def keystone(self, scenario, rest, body, token):
        if rest != '/v3/auth/tokens':
            return self.answer(404, {'error': {'code': 404, 'message': 'no such Keystone route %s' % rest}})
        elsewhere = self.hostile.elsewhere_url + '/v3/auth/tokens'
        if scenario in ('token-redirect-cross', 'token-redirect-308'):
            return self.answer(307 if scenario == 'token-redirect-cross' else 308, {}, headers={'Location': elsewhere})
        if scenario == 'token-redirect-same':
            return self.answer(307, {}, headers={'Location': '/s/ok/identity/v3/auth/tokens'})
        if self.command == 'GET':  # validate a token: X-Subject-Token is the token to read
            subject = self.headers.get('X-Subject-Token')
            if not self.hostile.knows_token(token) or subject != token:
                return self.answer(401, _unauthorized())
            return self.answer(200, token_body(self.hostile, scenario), headers={'X-Subject-Token': subject})
        try:
            identity = json.loads(body.decode('utf-8'))['auth']['identity']
        except (ValueError, KeyError, TypeError):
            return self.answer(400, {'error': {'code': 400, 'message': 'malformed auth request'}})
        if scenario == 'token-401-echo':  # a server that quotes what it was sent, secrets included
            return self.answer(401, _unauthorized('Invalid credentials in %s' % body.decode('utf-8', 'replace')))
        if not self.credentials_ok(identity):
            return self.answer(401, _unauthorized())
        issued = self.hostile.issue_token()
        if scenario == 'token-malformed':
            issued = issued[:10] + '\x01' + issued[10:]
        return self.answer(201, token_body(self.hostile, scenario), headers={'X-Subject-Token': issued})

    def credentials_ok(self, identity):
        methods = identity.get('methods') or []
        if 'password' in methods:
            user = identity.get('password', {}).get('user', {})
            return user.get('name') in (USERNAME, None) and user.get('password') == self.hostile.password
        if 'application_credential' in methods:
            cred = identity.get('application_credential', {})
            return cred.get('id') == APP_CREDENTIAL_ID and cred.get('secret') == self.hostile.app_secret
        if 'token' in methods:
            return self.hostile.knows_token(identity.get('token', {}).get('id'))
        return False

    # -- Glance -----------------------------------------------------------------------------
    def glance(self, scenario, rest, query, body, token):
        hostile = self.hostile
        method = self.command
        here = '/s/%s/image' % scenario
        elsewhere = hostile.elsewhere_url + rest + ('?' + urlsplit(self.path).query if urlsplit(self.path).query else '')
        # -- redirects
        if scenario == 'get-redirect-cross' and method == 'GET':
            return self.answer(302, {}, headers={'Location': elsewhere})
        if scenario == 'get-redirect-file' and method == 'GET':
            return self.answer(302, {}, headers={'Location': 'file:///etc/passwd'})
        if scenario == 'get-redirect-same' and method == 'GET' and 'moved' not in query:
            return self.answer(301, {}, headers={'Location': self.path + ('&' if '?' in self.path else '?') + 'moved=1'})
        if scenario == 'get-redirect-loop' and method == 'GET':
            return self.answer(302, {}, headers={'Location': '%s%s?hop=%d' % (here, rest, hostile.count(scenario))})
        if scenario == 'patch-redirect-cross' and method == 'PATCH':
            return self.answer(307, {}, headers={'Location': elsewhere})
        if scenario == 'patch-redirect-same' and method == 'PATCH':
            return self.answer(308, {}, headers={'Location': here + rest + '?moved=1'})
        if scenario == 'upload-redirect-cross' and method == 'PUT':
            return self.answer(307, {}, headers={'Location': elsewhere})
        # -- broken bodies and headers
        if scenario == 'error-huge':
            size = 256 * 1024 * 1024
            return self.stream(400, size, (b'<a' * 32768 for dummy in range(size // 65536)), content_type='text/html')
        if scenario == 'error-backtrack':
            page = ('<html><body>' + '<!--' * 20000 + '<script>' * 10000 + '<a' * 20000 + '</body>').encode('ascii')
            return self.answer(400, body=page, content_type='text/html')
        if scenario == 'echo-token':
            return self.answer(500, {'message': 'Internal error while handling a request with X-Auth-Token: %s' % token})
        if scenario == 'invalid-json' and method == 'GET':
            return self.answer(200, body=b'<html>this is not JSON {', content_type='application/json')
        if scenario == 'json-not-object' and method == 'GET':
            return self.answer(200, body=b'["not", "an", "object"]')
        if scenario == 'huge-request-id':
            return self.answer(409, {'message': 'conflict'}, headers={'x-openstack-request-id': 'req-' + 'x' * 8000})
        if scenario.startswith('retry-after-') and method == 'GET' and hostile.count(scenario) == 1:
            value = {'retry-after-nan': 'nan', 'retry-after-garbage': 'soon, maybe later',
                     'retry-after-far-date': 'Fri, 31 Dec 99999 23:59:59 GMT'}[scenario]
            return self.answer(503, {'message': 'busy'}, headers={'Retry-After': value})
        return self.images(scenario, rest, query, body)

    def images(self, scenario, rest, query, body):
        hostile = self.hostile
        method = self.command
        image = hostile.image(scenario)
        if rest == '/v2/images' and method == 'GET':
            page = {'images': [image], 'first': '/v2/images', 'schema': '/v2/schemas/images'}
            name = query.get('name')
            if (name and name not in ('eq:' + image['name'], image['name'])) or query.get('os_hidden') == 'true':
                page['images'] = []
            elif scenario == 'next-absolute':
                page['next'] = hostile.elsewhere_url + '/v2/images?marker=' + IMAGE_ID
            elif scenario == 'next-scheme-relative':
                page['next'] = '//%s:%d/v2/images?marker=%s' % (hostile.host, hostile.other.server_address[1], IMAGE_ID)
            elif scenario in ('next-endless', 'next-endless-fresh') and hostile.count(scenario) < ENDLESS_PAGE_CAP:
                # fresh markers, and the same image (a loop) or a new one each time (made up without end)
                page['next'] = '/v2/images?marker=%s' % secrets.token_hex(8)
                if scenario == 'next-endless-fresh':
                    page['images'] = [dict(image, id=str(uuid.uuid4()))]
            return self.answer(200, page)
        if rest == '/v2/images/' + IMAGE_ID:
            if method == 'GET':
                return self.answer(200, image)
            if method == 'PATCH':
                return self.answer(200, image)
            return self.answer(403, {'message': 'this image cannot be deleted'})
        if rest == '/v2/images/%s/file' % IMAGE_ID and method == 'GET':
            return self.download(scenario)
        if rest == '/v2/images/%s/file' % IMAGE_ID and method == 'PUT':
            return self.answer(409, {'message': 'image data already uploaded'})
        if rest.startswith('/v2/images/%s/' % IMAGE_ID) and method == 'GET':
            return self.answer(200, {'members': [], 'tasks': []})
        if rest == '/v2/images' and method == 'POST':
            return self.answer(403, {'message': 'creating images is not allowed here'})
        return self.answer(404, {'message': 'no such Glance route %s %s' % (method, rest)})

    def download(self, scenario):
        data = self.hostile.data
        start = 0
        wanted = self.headers.get('Range') or ''
        if wanted.startswith('bytes=') and wanted.endswith('-') and wanted[6:-1].isdigit():
            start = min(int(wanted[6:-1]), len(data))
        headers = {}
        status = 200
        if start:
            status = 206
            headers['Content-Range'] = 'bytes %d-%d/%d' % (start, len(data) - 1, len(data))
        body = data[start:]
        if scenario == 'download-oversized':
            body += image_data(1024 * 1024, seed=7)
        pieces = [body[i:i + 65536] for i in range(0, len(body), 65536)]
        if scenario == 'download-slow':
            pause = self.hostile.slow_seconds / max(len(pieces), 1)

            def slowly():
                for piece in pieces:
                    time.sleep(pause)
                    yield piece
            return self.stream(status, len(body), slowly(), headers=headers)
        return self.stream(status, len(body), iter(pieces), headers=headers)


def parse_args(argv):
    parser = argparse.ArgumentParser(description='A fake Keystone + Glance that misbehaves, for tests.')
    parser.add_argument('--port', type=int, default=0, help='port of the cloud (0: a free one)')
    parser.add_argument('--elsewhere-port', type=int, default=0, help='port of the other origin (0: a free one)')
    parser.add_argument('--password', help='password of the user demo (random when not given)')
    parser.add_argument('--image-size', type=int, default=1024 * 1024 + 123)
    parser.add_argument('--slow-seconds', type=float, default=3.0, help='how long the download-slow scenario takes')
    parser.add_argument('--port-file', help='write {"url", "elsewhere_url"} there once listening')
    parser.add_argument('--max-lifetime', type=float, default=3600.0, help='exit after this many seconds')
    parser.add_argument('--daemon', action='store_true', help='start in the background and print pid and URLs')
    parser.add_argument('--log-file', help='with --daemon: where the server writes its output')
    return parser.parse_args(argv)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_server(__file__, argv, parse_args(argv), 'hostile server', lambda args: HostileCloud(
        port=args.port, elsewhere_port=args.elsewhere_port, password=args.password, image_size=args.image_size,
        slow_seconds=args.slow_seconds, max_lifetime=args.max_lifetime),
        lambda hostile: {'url': hostile.url, 'elsewhere_url': hostile.elsewhere_url})


if __name__ == '__main__':
    sys.exit(main())
