# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fault-injecting HTTP proxy for the integration tests (stdlib only, test code, never shipped to users).

It sits between the modules and one upstream (Glance, or Keystone) and forwards every request,
streaming bodies in both directions, until a rule says otherwise. Rules are posted to the proxy
itself under the reserved prefix ``/__fault__/``:

``POST /__fault__/rules`` with a JSON rule (or a list of rules)::

    {"method": "GET", "path_regex": "^/v2/images", "action": "status", "status": 503,
     "retry_after": 0, "count": 3}

Matching: ``method`` (any when absent), ``path_regex`` (``re.search`` on the raw request target,
query included; any when absent), ``skip`` (let the first N matching requests through). A rule
acts on ``count`` matching requests (default 1), or, with ``window``, on every matching request
for that many seconds after it first acts. The first active rule that matches wins.

Actions:

- ``status``: answer ``status`` (default 503) with an optional ``Retry-After: retry_after`` and a
  JSON error body. With ``"forward": true`` the request is forwarded first and the upstream's
  answer thrown away (the upstream did the work, the client never learns it).
- ``delay``: wait ``seconds``, then forward.
- ``cut_after``: ``direction`` ``request`` (the default for bodies sent: PUT, POST, PATCH) sends
  the upstream the headers and the first ``bytes`` bytes of the request body, then closes both
  connections; ``response`` forwards the request, sends the client the response headers and the
  first ``bytes`` bytes of the response body, then closes.
- ``drop``: forward the request, then close the client connection without any answer.
- ``reset``: close the client connection at once, without forwarding.
- ``refuse``: close the connection, and stop listening for ``seconds`` (new connections are
  refused, as by a restarting server).
- ``revoke_token``: revoke the request's ``X-Auth-Token`` through Keystone (``--keystone``;
  ``DELETE /v3/auth/tokens``, which a token may do to itself), then answer 401 to this and every
  later request that carries that token, the way Glance does once its token cache no longer
  vouches for it (keystonemiddleware caches validations for ``token_cache_time``, 300 s).

``GET /__fault__/rules`` lists the rules and what is left of them; ``DELETE /__fault__/rules``
removes them. ``GET /__fault__/log`` returns every proxied request (``method``, ``path``,
``status`` sent to the client or null, ``action``, ``bytes_in``, ``bytes_out``, ``token``: a short
SHA-256 fingerprint, never the token, ``range``, ``time``, ``duration``); ``DELETE /__fault__/log``
clears it. ``POST /__fault__/reset`` clears rules, log and revoked tokens, then adds the rules of its
optional body ``{"rules": [...]}`` (one request to start a scenario). A request that started before the
log was cleared (a delayed one still waiting, say) is not logged once it ends.

Start it in the foreground (``--port 0`` picks a free port, written to ``--port-file``), or with
``--daemon``: the command then starts the proxy in its own session, waits until it listens, prints
``{"pid": ..., "port": ..., "url": ...}`` and exits. Stop it with ``kill <pid>``; it also stops by
itself after ``--max-lifetime`` seconds so that a test run killed half-way leaves nothing behind.
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

try:
    from ansible_collections.osimg.glance.tests.servers.daemon import run_server
except ImportError:  # run as a script: its own directory is on sys.path
    from daemon import run_server

CONTROL_PREFIX = '/__fault__/'
ACTIONS = ('status', 'delay', 'cut_after', 'drop', 'reset', 'refuse', 'revoke_token')
HOP_BY_HOP = frozenset((
    'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
    'transfer-encoding', 'upgrade',
))
BODY_METHODS = ('PUT', 'POST', 'PATCH')
CHUNK = 64 * 1024
REASONS = {401: 'Unauthorized', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
           504: 'Gateway Timeout'}


class RuleError(ValueError):
    """A rule posted to the control API is invalid."""


class Cut(Exception):
    """The connection was cut on purpose: nothing more is sent to the client."""


def fingerprint(token):
    """A short, one-way name for a token, safe to log and compare."""
    if not token:
        return None
    return hashlib.sha256(token.encode('utf-8', 'replace')).hexdigest()[:12]


def _number(spec, key, default, kind=float, minimum=0):
    value = spec.get(key, default)
    if value is None:
        return None
    try:
        value = kind(value)
    except (TypeError, ValueError):
        raise RuleError('%s must be a number, not %r' % (key, spec.get(key)))
    if value < minimum:
        raise RuleError('%s must be at least %s' % (key, minimum))
    return value


class Rule:
    """One fault: which requests it matches, how many, and what it does to them."""

    _ids = 0
    _ids_lock = threading.Lock()

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise RuleError('a rule is a JSON object')
        unknown = set(spec) - set(('method', 'path_regex', 'action', 'status', 'retry_after', 'body', 'forward',
                                   'count', 'window', 'skip', 'seconds', 'bytes', 'direction', 'headers'))
        if unknown:
            raise RuleError('unknown rule keys: %s' % ', '.join(sorted(unknown)))
        self.action = spec.get('action', 'status')
        if self.action not in ACTIONS:
            raise RuleError('action must be one of %s, not %r' % (', '.join(ACTIONS), self.action))
        self.method = spec['method'].upper() if spec.get('method') else None
        try:
            self.path_re = re.compile(spec['path_regex']) if spec.get('path_regex') else None
        except re.error as e:
            raise RuleError('path_regex: %s' % e)
        self.window = _number(spec, 'window', None)
        self.count = _number(spec, 'count', None if self.window else 1, int, 1)
        self.skip = _number(spec, 'skip', 0, int)
        self.status = _number(spec, 'status', 503, int, 100)
        self.retry_after = spec.get('retry_after')
        self.body = spec.get('body')
        self.forward = bool(spec.get('forward', False))
        self.seconds = _number(spec, 'seconds', 1.0)
        self.bytes = _number(spec, 'bytes', 0, int)
        self.direction = spec.get('direction')
        if self.direction not in (None, 'request', 'response'):
            raise RuleError('direction must be request or response')
        self.extra_headers = spec.get('headers') or {}
        self.hits = 0
        self.seen = 0
        self.first_hit = None
        with Rule._ids_lock:
            Rule._ids += 1
            self.id = Rule._ids
        self.spec = spec

    def matches(self, method, target):
        if self.method and method != self.method:
            return False
        return self.path_re is None or bool(self.path_re.search(target))

    def expired(self, now):
        if self.window is not None and self.first_hit is not None and now - self.first_hit >= self.window:
            return True
        return self.count is not None and self.hits >= self.count

    def take(self, now):
        """Called for a matching request under the proxy lock: True when the rule acts on it."""
        if self.expired(now):
            return False
        self.seen += 1
        if self.seen <= self.skip:
            return False
        self.hits += 1
        if self.first_hit is None:
            self.first_hit = now
        return True

    def describe(self, now):
        return dict(self.spec, id=self.id, hits=self.hits, active=not self.expired(now))


class FaultProxy:
    """The proxy server: an accept loop, one thread per connection, shared rules and log."""

    def __init__(self, target, host='127.0.0.1', port=0, keystone=None, capture_tokens=None, upstream_timeout=300.0,
                 max_lifetime=None):
        parts = urlsplit(target)
        if parts.scheme != 'http' or not parts.hostname:
            raise ValueError('the target must be an http:// URL, not %r' % target)
        self.target = target.rstrip('/')
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.upstream_prefix = parts.path.rstrip('/')
        self.keystone = keystone.rstrip('/') if keystone else None
        self.capture_tokens = capture_tokens
        self.upstream_timeout = upstream_timeout
        self.max_lifetime = max_lifetime
        self.host = host
        self.lock = threading.Lock()
        self.rules = []
        self.log = []
        # Requests that started before the log was last cleared belong to an earlier scenario: a delayed
        # request still waiting when the log is cleared must not land in the next scenario's log.
        self.log_since = 0.0
        self.revoked = set()
        self.stopped = threading.Event()
        self._listener = None
        self._reopen_timer = None
        self._started = time.monotonic()
        self._listen(port)
        self.port = self._listener.getsockname()[1]

    @property
    def url(self):
        return 'http://%s:%d' % (self.host, self.port)

    # -- listening ------------------------------------------------------------------------
    def _listen(self, port):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, port))
        sock.listen(128)
        sock.settimeout(0.2)
        with self.lock:
            self._listener = sock

    def refuse_for(self, seconds):
        """Stop listening for seconds: connections are refused meanwhile."""
        with self.lock:
            sock, self._listener = self._listener, None
            if self._reopen_timer is not None:
                self._reopen_timer.cancel()
            timer = self._reopen_timer = threading.Timer(seconds, self._reopen)
            timer.daemon = True
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        timer.start()

    def _reopen(self):
        if self.stopped.is_set():
            return
        for dummy in range(50):
            try:
                self._listen(self.port)
                return
            except OSError:
                time.sleep(0.1)

    def serve_forever(self):
        while not self.stopped.is_set():
            if self.max_lifetime and time.monotonic() - self._started > self.max_lifetime:
                break
            with self.lock:
                sock = self._listener
            if sock is None:
                time.sleep(0.05)
                continue
            try:
                conn, addr = sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(None)
            thread = threading.Thread(target=self._handle, args=(conn, addr))
            thread.daemon = True
            thread.start()
        self.stop()

    def start_in_thread(self):
        thread = threading.Thread(target=self.serve_forever)
        thread.daemon = True
        thread.start()
        return thread

    def stop(self):
        self.stopped.set()
        with self.lock:
            sock, self._listener = self._listener, None
            if self._reopen_timer is not None:
                self._reopen_timer.cancel()
        if sock is not None:
            sock.close()

    def _handle(self, conn, addr):
        try:
            ProxyHandler(conn, addr, self)
        except Exception:  # a client that went away: nothing to report to anyone
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    # -- rules and log --------------------------------------------------------------------
    def add_rules(self, specs):
        specs = specs if isinstance(specs, list) else [specs]
        rules = [Rule(spec) for spec in specs]
        for rule in rules:
            if rule.action == 'revoke_token' and not self.keystone:
                raise RuleError('revoke_token needs the proxy to be started with --keystone')
        with self.lock:
            self.rules.extend(rules)
        return [rule.id for rule in rules]

    def pick_rule(self, method, target):
        now = time.monotonic()
        with self.lock:
            for rule in self.rules:
                if rule.matches(method, target) and rule.take(now):
                    return rule
        return None

    def record(self, entry):
        with self.lock:
            if entry['time'] < self.log_since:
                return
            entry['n'] = len(self.log) + 1
            self.log.append(entry)

    def note_issued_token(self, token):
        if not token or not self.capture_tokens:
            return
        with self.lock:
            fd = os.open(self.capture_tokens, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, (token + '\n').encode('utf-8'))
            finally:
                os.close(fd)

    def revoke(self, token):
        """Revoke token through Keystone (a token may revoke itself); returns Keystone's status."""
        parts = urlsplit(self.keystone)
        base = re.sub(r'/v3/?$', '', parts.path.rstrip('/'))
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
        try:
            conn.request('DELETE', base + '/v3/auth/tokens', headers={'X-Auth-Token': token, 'X-Subject-Token': token})
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        finally:
            conn.close()
        with self.lock:
            self.revoked.add(fingerprint(token))
        return status

    def is_revoked(self, token):
        with self.lock:
            return fingerprint(token) in self.revoked

    def control(self, method, path, body):
        """(status, JSON-able answer) of a control request."""
        now = time.monotonic()
        name = path[len(CONTROL_PREFIX):].split('?', 1)[0].strip('/')
        if name == 'health' and method == 'GET':
            return 200, {'ok': True, 'target': self.target, 'port': self.port, 'pid': os.getpid()}
        if name == 'rules':
            if method == 'POST':
                try:
                    specs = json.loads(body.decode('utf-8') or 'null')
                    return 201, {'rules': self.add_rules(specs)}
                except (ValueError, RuleError) as e:
                    return 400, {'error': str(e)}
            if method == 'GET':
                with self.lock:
                    return 200, {'rules': [rule.describe(now) for rule in self.rules]}
            if method == 'DELETE':
                with self.lock:
                    self.rules = []
                return 200, {'rules': []}
        if name == 'log':
            if method == 'GET':
                with self.lock:
                    return 200, {'requests': list(self.log)}
            if method == 'DELETE':
                with self.lock:
                    self.log, self.log_since = [], time.time()
                return 200, {'requests': []}
        if name == 'reset' and method == 'POST':
            try:
                specs = json.loads(body.decode('utf-8') or '{}').get('rules') or []
                rules = [Rule(spec) for spec in (specs if isinstance(specs, list) else [specs])]
            except (ValueError, AttributeError, RuleError) as e:
                return 400, {'error': str(e)}
            with self.lock:
                self.rules, self.log, self.revoked, self.log_since = [], [], set(), time.time()
            return 200, {'rules': self.add_rules([rule.spec for rule in rules])}
        return 404, {'error': 'unknown control request %s %s' % (method, path)}


class ProxyHandler(BaseHTTPRequestHandler):
    """One client connection: parse the request, apply the first matching rule, forward or fail."""

    protocol_version = 'HTTP/1.1'
    server_version = 'fault-proxy'

    def __init__(self, conn, addr, proxy):
        self.proxy = proxy
        self.entry = None
        self.started = None
        BaseHTTPRequestHandler.__init__(self, conn, addr, proxy)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def handle(self):
        self.close_connection = True
        self.handle_one_request()

    def __getattr__(self, name):
        if name.startswith('do_'):
            return self.dispatch
        raise AttributeError(name)

    # -- request body -----------------------------------------------------------------------
    def body_chunks(self):
        """The request body as it arrives (Content-Length or chunked), in pieces of at most CHUNK bytes."""
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise Cut('the client closed the connection in the middle of a chunked body')
                size = int(line.split(b';', 1)[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b'\r\n', b'\n', b''):
                        pass
                    return
                while size > 0:
                    piece = self.rfile.read(min(size, CHUNK))
                    if not piece:
                        raise Cut('the client closed the connection in the middle of a chunk')
                    size -= len(piece)
                    yield piece
                self.rfile.readline(3)
        else:
            remaining = int(self.headers.get('Content-Length') or 0)
            while remaining > 0:
                piece = self.rfile.read(min(remaining, CHUNK))
                if not piece:
                    raise Cut('the client closed the connection before the end of the body')
                remaining -= len(piece)
                yield piece

    def read_body(self):
        return b''.join(self.body_chunks())

    # -- answers ----------------------------------------------------------------------------
    def send_simple(self, status, payload, headers=None):
        data = json.dumps(payload).encode('utf-8')
        self.send_response(status, REASONS.get(status))
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.send_header('Connection', 'close')
        for key, value in (headers or {}).items():
            self.send_header(key, str(value))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        if self.entry is not None:
            self.entry['status'] = status
            self.entry['bytes_out'] = len(data)

    def hard_close(self, reset=True):
        """End the client connection here: with a reset (the client sees a cut, not an answer), or, after part of
        a response, with a plain close (the client first reads what was sent, then finds the body short)."""
        if reset:
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            except OSError:
                pass
        else:
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        raise Cut()

    # -- the request ------------------------------------------------------------------------
    def dispatch(self):
        method = self.command.upper()
        target = self.path
        if target.startswith(CONTROL_PREFIX):
            body = self.read_body()
            status, payload = self.proxy.control(method, target, body)
            self.send_simple(status, payload)
            return
        token = self.headers.get('X-Auth-Token')
        self.started = time.monotonic()
        self.entry = {'method': method, 'path': target, 'status': None, 'action': None, 'rule': None,
                      'bytes_in': 0, 'bytes_out': 0, 'token': fingerprint(token), 'range': self.headers.get('Range'),
                      'time': time.time()}
        try:
            self.apply(method, target, token)
        except Cut:
            pass
        finally:
            self.entry['duration'] = round(time.monotonic() - self.started, 3)
            self.proxy.record(self.entry)

    def apply(self, method, target, token):
        rule = None if (token and self.proxy.is_revoked(token)) else self.proxy.pick_rule(method, target)
        if rule is not None:
            self.entry['action'] = rule.action
            self.entry['rule'] = rule.id
        if rule is not None and rule.action == 'revoke_token' and token:
            self.entry['keystone_status'] = self.proxy.revoke(token)
        if token and self.proxy.is_revoked(token):
            self.drain_body()
            self.entry['action'] = self.entry['action'] or 'revoked'
            self.send_simple(401, {'error': {'code': 401, 'title': 'Unauthorized',
                                             'message': 'The request you have made requires authentication.'}},
                             headers={'WWW-Authenticate': 'Keystone uri="%s"' % (self.proxy.keystone or '')})
            return
        if rule is None or rule.action == 'revoke_token':
            self.forward()
            return
        action = rule.action
        if action == 'status':
            if rule.forward:
                self.forward(discard=True)
            else:
                self.drain_body()
            headers = dict(rule.extra_headers)
            if rule.retry_after is not None:
                headers['Retry-After'] = rule.retry_after
            payload = rule.body if rule.body is not None else {
                'error': {'code': rule.status, 'title': REASONS.get(rule.status, 'Error'),
                          'message': 'fault-proxy: injected %d (rule %d)' % (rule.status, rule.id)}}
            self.send_simple(rule.status, payload, headers=headers)
        elif action == 'delay':
            time.sleep(rule.seconds)
            self.forward()
        elif action == 'cut_after':
            direction = rule.direction or ('request' if method in BODY_METHODS else 'response')
            if direction == 'request':
                self.forward(cut_request=rule.bytes)
            else:
                self.forward(cut_response=rule.bytes)
        elif action == 'drop':
            self.forward(discard=True)
            self.hard_close()
        elif action == 'reset':
            self.hard_close()
        elif action == 'refuse':
            self.proxy.refuse_for(rule.seconds)
            self.hard_close()

    def drain_body(self):
        for piece in self.body_chunks():
            self.entry['bytes_in'] += len(piece)

    def upstream_headers(self):
        headers = []
        for key, value in self.headers.items():
            lower = key.lower()
            if lower in HOP_BY_HOP or lower in ('host', 'content-length'):
                continue
            headers.append((key, value))
        host = self.proxy.upstream_host
        if self.proxy.upstream_port != 80:
            host += ':%d' % self.proxy.upstream_port
        headers.append(('Host', host))
        headers.append(('Connection', 'close'))
        return headers

    def forward(self, discard=False, cut_request=None, cut_response=None):
        """Send the request upstream (streaming its body) and its answer back (streaming too)."""
        proxy = self.proxy
        upstream = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=proxy.upstream_timeout)
        try:
            chunked = 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower()
            has_length = self.headers.get('Content-Length') is not None
            try:
                upstream.putrequest(self.command, proxy.upstream_prefix + self.path, skip_host=True,
                                    skip_accept_encoding=True)
                for key, value in self.upstream_headers():
                    upstream.putheader(key, value)
                if chunked:
                    upstream.putheader('Transfer-Encoding', 'chunked')
                elif has_length:
                    upstream.putheader('Content-Length', self.headers['Content-Length'])
                upstream.endheaders()
            except OSError as e:
                self.drain_body()
                self.send_simple(502, {'error': 'fault-proxy: upstream %s unreachable: %s' % (proxy.target, e)})
                return
            self.send_body_upstream(upstream, chunked, cut_request)
            try:
                resp = upstream.getresponse()
            except (OSError, http.client.HTTPException) as e:
                self.send_simple(502, {'error': 'fault-proxy: no answer from %s: %s' % (proxy.target, e)})
                return
            proxy.note_issued_token(resp.getheader('X-Subject-Token'))
            if discard:
                while resp.read(CHUNK):
                    pass
                self.entry['upstream_status'] = resp.status
                return
            self.relay_response(resp, cut_response)
        finally:
            upstream.close()

    def send_body_upstream(self, upstream, chunked, cut_request):
        sent = 0
        upstream_ok = True
        for piece in self.body_chunks():
            if cut_request is not None and sent + len(piece) > cut_request:
                piece = piece[:cut_request - sent]
            self.entry['bytes_in'] += len(piece)
            if upstream_ok and piece:
                try:
                    upstream.send((b'%x\r\n' % len(piece)) + piece + b'\r\n' if chunked else piece)
                except OSError:
                    upstream_ok = False  # the upstream answered early; its answer is read below
            sent += len(piece)
            if cut_request is not None and sent >= cut_request:
                self.entry['cut_at'] = sent
                upstream.close()
                self.hard_close()
        if cut_request is not None:  # the body was shorter than the cut: cut at its end
            self.entry['cut_at'] = sent
            upstream.close()
            self.hard_close()
        if chunked and upstream_ok:
            try:
                upstream.send(b'0\r\n\r\n')
            except OSError:
                pass

    def relay_response(self, resp, cut_response):
        self.send_response(resp.status, resp.reason)
        for key, value in resp.getheaders():
            if key.lower() in HOP_BY_HOP:
                continue
            self.send_header(key, value)
        self.send_header('Connection', 'close')
        self.end_headers()
        self.entry['status'] = resp.status
        if self.command == 'HEAD':
            return
        sent = 0
        while True:
            piece = resp.read(CHUNK)
            if not piece:
                break
            if cut_response is not None and sent + len(piece) >= cut_response:
                piece = piece[:cut_response - sent]
                self.wfile.write(piece)
                self.wfile.flush()
                self.entry['bytes_out'] = sent + len(piece)
                self.entry['cut_at'] = sent + len(piece)
                self.hard_close(reset=False)
            self.wfile.write(piece)
            sent += len(piece)
            self.entry['bytes_out'] = sent
        self.wfile.flush()


def parse_args(argv):
    parser = argparse.ArgumentParser(description='Fault-injecting HTTP proxy for integration tests.')
    parser.add_argument('--target', required=True, help='upstream base URL, e.g. http://127.0.0.1:9292')
    parser.add_argument('--port', type=int, default=0, help='port to listen on (0: a free one)')
    parser.add_argument('--port-file', help='write the port there once listening')
    parser.add_argument('--keystone', help='Keystone URL, needed by the revoke_token action')
    parser.add_argument('--capture-tokens', help='append every token the upstream issues (X-Subject-Token) to this '
                                                 'file (mode 0600), for leak tests')
    parser.add_argument('--upstream-timeout', type=float, default=300.0)
    parser.add_argument('--max-lifetime', type=float, default=3600.0, help='exit after this many seconds')
    parser.add_argument('--daemon', action='store_true', help='start in the background and print pid and port')
    parser.add_argument('--log-file', help='with --daemon: where the proxy writes its output')
    return parser.parse_args(argv)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    return run_server(__file__, argv, parse_args(argv), 'fault proxy', lambda args: FaultProxy(
        args.target, port=args.port, keystone=args.keystone, capture_tokens=args.capture_tokens,
        upstream_timeout=args.upstream_timeout, max_lifetime=args.max_lifetime),
        lambda proxy: {'port': proxy.port, 'url': proxy.url, 'target': proxy.target})


if __name__ == '__main__':
    sys.exit(main())
