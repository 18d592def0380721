# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fault proxy of the integration tests (tests/servers/fault_proxy.py), against a small in-process upstream."""

import hashlib
import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from ansible_collections.osimg.glance.tests.servers import fault_proxy
from ansible_collections.osimg.glance.tests.servers.daemon import start_daemon
from ansible_collections.osimg.glance.tests.servers.fault_proxy import FaultProxy, Rule, RuleError, fingerprint

DATA = bytes(bytearray(range(256))) * 4096  # 1 MiB


class Upstream(BaseHTTPRequestHandler):
    """Echoes what it received; serves DATA (with Range) on /file; plays Keystone on /v3/auth/tokens."""

    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or ''):
            data = b''
            while True:
                line = self.rfile.readline()
                if not line:
                    raise EOFError('the body ends before its last chunk')
                size = int(line.strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data, True
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length), False

    def _answer(self, status, data, headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        server = self.server
        try:
            body, chunked = self._body()
            complete = True
        except Exception:  # the proxy cut the body
            body, chunked, complete = b'', True, False
        server.seen.append({'method': self.command, 'path': self.path, 'body': body, 'chunked': chunked,
                            'complete': complete, 'host': self.headers.get('Host'),
                            'token': self.headers.get('X-Auth-Token'), 'subject': self.headers.get('X-Subject-Token')})
        if not complete:
            self.close_connection = True
            return
        if self.path == '/v3/auth/tokens' and self.command == 'POST':
            return self._answer(201, b'{"token": {}}', {'X-Subject-Token': 'issued-%d' % len(server.seen)})
        if self.path == '/v3/auth/tokens' and self.command == 'DELETE':
            return self._answer(204, b'')
        if self.path.startswith('/file'):
            data, status, headers = DATA, 200, {}
            wanted = self.headers.get('Range')
            if wanted:
                start = int(wanted.split('=')[1].split('-')[0])
                data, status = DATA[start:], 206
                headers['Content-Range'] = 'bytes %d-%d/%d' % (start, len(DATA) - 1, len(DATA))
            return self._answer(status, data, headers)
        payload = {'method': self.command, 'path': self.path, 'size': len(body),
                   'sha256': hashlib.sha256(body).hexdigest()}
        self._answer(201 if self.command == 'POST' else 200, json.dumps(payload).encode(),
                     {'Content-Type': 'application/json'})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


@pytest.fixture
def upstream():
    server = ThreadingHTTPServer(('127.0.0.1', 0), Upstream)
    server.daemon_threads = True
    server.seen = []
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(upstream, tmp_path):
    target = 'http://127.0.0.1:%d' % upstream.server_address[1]
    p = FaultProxy(target, keystone=target + '/v3', capture_tokens=str(tmp_path / 'tokens'))
    p.start_in_thread()
    yield p
    p.stop()


def rule(p, **spec):
    resp = requests.post(p.url + '/__fault__/rules', json=spec, timeout=5)
    assert resp.status_code == 201, resp.text
    return resp.json()['rules'][0]


def log(p):
    # The proxy records a request once its answer is sent, so a loaded machine may record a request after the
    # next one has started; the tests send one request at a time, so start time is the order they were sent in.
    return sorted(requests.get(p.url + '/__fault__/log', timeout=5).json()['requests'], key=lambda entry: entry['time'])


def test_forwards_and_logs_every_request(proxy, upstream):
    resp = requests.get(proxy.url + '/v2/images?name=a%2Fb&limit=2', headers={'X-Auth-Token': 'sekrit-value'}, timeout=5)
    assert resp.status_code == 200
    assert resp.json()['path'] == '/v2/images?name=a%2Fb&limit=2'
    assert upstream.seen[0]['host'] == '127.0.0.1:%d' % upstream.server_address[1]
    entry = log(proxy)[0]
    assert entry['method'] == 'GET' and entry['path'] == '/v2/images?name=a%2Fb&limit=2'
    assert entry['status'] == 200 and entry['action'] is None and entry['bytes_out'] == len(resp.content)
    assert entry['token'] == fingerprint('sekrit-value') and 'sekrit-value' not in json.dumps(entry)
    requests.delete(proxy.url + '/__fault__/log', timeout=5)
    assert log(proxy) == []


def test_status_rule_answers_the_next_n_matching_requests(proxy, upstream):
    rule(proxy, method='GET', path_regex='^/v2/images', action='status', status=503, retry_after=0, count=2)
    answers = [requests.get(proxy.url + '/v2/images', timeout=5) for dummy in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].headers['Retry-After'] == '0'
    assert 'injected 503' in answers[0].json()['error']['message']
    assert requests.post(proxy.url + '/v2/images', json={}, timeout=5).status_code == 201  # other method
    assert len(upstream.seen) == 2
    assert [e['status'] for e in log(proxy)] == [503, 503, 200, 201]
    rules = requests.get(proxy.url + '/__fault__/rules', timeout=5).json()['rules']
    assert rules[0]['hits'] == 2 and rules[0]['active'] is False


def test_status_after_forwarding_hides_the_upstream_answer(proxy, upstream):
    rule(proxy, method='POST', action='status', status=500, forward=True)
    resp = requests.post(proxy.url + '/v2/images', json={'id': 'x'}, timeout=5)
    assert resp.status_code == 500
    assert upstream.seen[0]['body'] == b'{"id": "x"}'
    assert log(proxy)[0]['upstream_status'] == 201


def test_skip_and_window(proxy, upstream):
    rule(proxy, method='GET', action='status', status=503, skip=1, window=0.5)
    codes = [requests.get(proxy.url + '/a', timeout=5).status_code for dummy in range(3)]
    assert codes == [200, 503, 503]
    time.sleep(0.6)
    assert requests.get(proxy.url + '/a', timeout=5).status_code == 200


def test_streams_chunked_and_sized_uploads(proxy, upstream):
    resp = requests.put(proxy.url + '/v2/images/x/file', data=(DATA[i:i + 100000] for i in range(0, len(DATA), 100000)),
                        timeout=10)
    assert resp.json()['sha256'] == hashlib.sha256(DATA).hexdigest()
    assert upstream.seen[0]['chunked'] is True
    resp = requests.put(proxy.url + '/v2/images/x/file', data=DATA, timeout=10)
    assert resp.json()['size'] == len(DATA) and upstream.seen[1]['chunked'] is False
    assert [e['bytes_in'] for e in log(proxy)] == [len(DATA), len(DATA)]


def test_cut_upload_after_k_bytes(proxy, upstream):
    rule(proxy, method='PUT', action='cut_after', bytes=300000)
    with pytest.raises(requests.ConnectionError):
        requests.put(proxy.url + '/v2/images/x/file', data=(DATA[i:i + 65536] for i in range(0, len(DATA), 65536)),
                     timeout=10)
    deadline = time.time() + 5
    while not upstream.seen and time.time() < deadline:
        time.sleep(0.05)
    assert upstream.seen[0]['complete'] is False
    entry = log(proxy)[0]
    assert entry['cut_at'] == 300000 and entry['status'] is None and entry['action'] == 'cut_after'


def test_cut_download_after_k_bytes_then_resume_with_range(proxy, upstream):
    # a multiple of the read size: a client loses the short read that ends in the cut
    rule(proxy, method='GET', path_regex='^/file', action='cut_after', bytes=3 * 65536)
    received = b''
    with pytest.raises(requests.RequestException):
        resp = requests.get(proxy.url + '/file', stream=True, timeout=10)
        assert resp.status_code == 200
        for piece in resp.iter_content(65536):
            received += piece
    assert received == DATA[:3 * 65536]
    resp = requests.get(proxy.url + '/file', headers={'Range': 'bytes=%d-' % len(received)}, timeout=10)
    assert resp.status_code == 206 and received + resp.content == DATA
    assert [e['range'] for e in log(proxy)] == [None, 'bytes=196608-']
    assert log(proxy)[0]['cut_at'] == 196608


def test_drop_forwards_but_never_answers(proxy, upstream):
    rule(proxy, method='POST', action='drop')
    with pytest.raises(requests.ConnectionError):
        requests.post(proxy.url + '/v2/images', json={'id': 'y'}, timeout=5)
    assert upstream.seen[0]['body'] == b'{"id": "y"}'
    assert log(proxy)[0]['upstream_status'] == 201


def test_reset_and_delay(proxy, upstream):
    rule(proxy, action='reset')
    with pytest.raises(requests.ConnectionError):
        requests.get(proxy.url + '/a', timeout=5)
    assert upstream.seen == []
    rule(proxy, action='delay', seconds=0.4)
    start = time.monotonic()
    assert requests.get(proxy.url + '/a', timeout=5).status_code == 200
    assert time.monotonic() - start >= 0.4


def test_a_request_started_before_a_reset_stays_out_of_the_new_log(proxy, upstream):
    rule(proxy, action='delay', seconds=1.0)
    delayed = threading.Thread(target=lambda: requests.get(proxy.url + '/slow', timeout=5))
    delayed.start()
    time.sleep(0.3)
    assert requests.post(proxy.url + '/__fault__/reset', json={}, timeout=5).status_code == 200
    assert requests.get(proxy.url + '/after', timeout=5).status_code == 200
    delayed.join()
    assert [entry['path'] for entry in log(proxy)] == ['/after']


def test_refuse_stops_listening_for_a_while(proxy, upstream):
    rule(proxy, action='refuse', seconds=0.8)
    with pytest.raises(requests.ConnectionError):
        requests.get(proxy.url + '/a', timeout=5)
    sock = socket.socket()
    try:
        with pytest.raises(ConnectionRefusedError):
            sock.connect(('127.0.0.1', proxy.port))
    finally:
        sock.close()
    time.sleep(1.0)
    assert requests.get(proxy.url + '/a', timeout=5).status_code == 200


def test_revoke_token_revokes_through_keystone_then_answers_401(proxy, upstream, tmp_path):
    rule(proxy, method='PATCH', action='revoke_token')
    assert requests.get(proxy.url + '/a', headers={'X-Auth-Token': 'tok-a'}, timeout=5).status_code == 200
    resp = requests.patch(proxy.url + '/a', headers={'X-Auth-Token': 'tok-a'}, data=b'[]', timeout=5)
    assert resp.status_code == 401
    assert resp.headers['WWW-Authenticate'].startswith('Keystone uri=')
    revocation = [s for s in upstream.seen if s['method'] == 'DELETE'][0]
    assert revocation['path'] == '/v3/auth/tokens' and revocation['subject'] == 'tok-a' and revocation['token'] == 'tok-a'
    assert requests.get(proxy.url + '/a', headers={'X-Auth-Token': 'tok-a'}, timeout=5).status_code == 401
    assert requests.get(proxy.url + '/a', headers={'X-Auth-Token': 'tok-b'}, timeout=5).status_code == 200
    assert [e['status'] for e in log(proxy)] == [200, 401, 401, 200]
    # issued tokens are captured for leak tests, in a private file
    requests.post(proxy.url + '/v3/auth/tokens', json={}, timeout=5)
    path = str(tmp_path / 'tokens')
    with open(path) as f:
        assert f.read().startswith('issued-')
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_reset_control_clears_revocations(proxy, upstream):
    rule(proxy, action='revoke_token')
    assert requests.get(proxy.url + '/a', headers={'X-Auth-Token': 't'}, timeout=5).status_code == 401
    resp = requests.post(proxy.url + '/__fault__/reset', json={'rules': [{'method': 'POST', 'status': 502}]}, timeout=5)
    assert resp.status_code == 200 and len(resp.json()['rules']) == 1
    assert requests.get(proxy.url + '/a', headers={'X-Auth-Token': 't'}, timeout=5).status_code == 200
    assert requests.post(proxy.url + '/a', headers={'X-Auth-Token': 't'}, timeout=5).status_code == 502
    assert len(log(proxy)) == 2
    assert requests.post(proxy.url + '/__fault__/reset', json={'rules': [{'colour': 1}]}, timeout=5).status_code == 400


@pytest.mark.parametrize('spec, message', [
    ({'action': 'explode'}, 'action must be one of'),
    ({'path_regex': '('}, 'path_regex'),
    ({'count': 0}, 'count must be at least 1'),
    ({'bytes': 'many', 'action': 'cut_after'}, 'bytes must be a number'),
    ({'colour': 'red'}, 'unknown rule keys: colour'),
    ({'direction': 'sideways'}, 'direction must be'),
])
def test_invalid_rules_are_refused(proxy, spec, message):
    resp = requests.post(proxy.url + '/__fault__/rules', json=spec, timeout=5)
    assert resp.status_code == 400 and message in resp.json()['error']
    with pytest.raises(RuleError):
        Rule(spec)


def test_unreachable_upstream_is_a_502(tmp_path):
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    p = FaultProxy('http://127.0.0.1:%d' % port)
    p.start_in_thread()
    try:
        resp = requests.get(p.url + '/x', timeout=5)
        assert resp.status_code == 502 and 'unreachable' in resp.json()['error']
    finally:
        p.stop()


def test_daemon_mode_prints_pid_and_port(upstream, tmp_path):
    target = 'http://127.0.0.1:%d' % upstream.server_address[1]
    info = start_daemon(fault_proxy.__file__, ['--target', target, '--max-lifetime', '30'],
                        str(tmp_path / 'proxy.log'), 'fault proxy')
    try:
        assert requests.get(info['url'] + '/__fault__/health', timeout=5).json()['pid'] == info['pid']
        assert requests.get(info['url'] + '/x', timeout=5).status_code == 200
    finally:
        os.kill(info['pid'], 15)
