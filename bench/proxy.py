"""A counting reverse proxy in front of Keystone and Glance, for the HTTP request counts.

Two listeners on loopback: one forwards to Keystone, one to Glance. The client is given a
clouds.yaml whose auth_url is the Keystone listener; in every response body and Location header
the proxy rewrites the real Keystone and Glance addresses to its own, so the service catalog and
the version documents send the client through the Glance listener too, without any client option
(no image_endpoint override that one contender would honour and the other not). Every request is
recorded (service, method, path, status). Used only for counting runs, never for timed runs.

Request and response bodies are buffered, which is fine for the metadata-only cases it is used for.
"""

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP = {'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailers',
       'transfer-encoding', 'upgrade', 'content-length'}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class CountingProxy:
    def __init__(self, keystone_url, glance_url, host='127.0.0.1'):
        self.upstream = {}
        self.log = []
        self.lock = threading.Lock()
        self.servers = {}
        for service, url in (('identity', keystone_url), ('image', glance_url)):
            parts = urlsplit(url)
            self.upstream[service] = (parts.hostname, parts.port or 80)
            self.servers[service] = _Server((host, 0), self._handler(service))
        self.host = host
        self.rewrites = []
        for service in ('identity', 'image'):
            up_host, up_port = self.upstream[service]
            mine = self.servers[service].server_address[1]
            for name in (up_host, 'localhost') if up_host == '127.0.0.1' else (up_host,):
                self.rewrites.append((('http://%s:%d' % (name, up_port)).encode(),
                                      ('http://%s:%d' % (host, mine)).encode()))
        self.threads = []

    def url(self, service):
        return 'http://%s:%d' % (self.host, self.servers[service].server_address[1])

    def start(self):
        for server in self.servers.values():
            t = threading.Thread(target=server.serve_forever, daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self):
        for server in self.servers.values():
            server.shutdown()
            server.server_close()

    def reset(self):
        with self.lock:
            self.log = []

    def counts(self):
        with self.lock:
            log = list(self.log)
        by = {'identity': 0, 'image': 0}
        for service, _m, _p, _s in log:
            by[service] += 1
        return {'total': len(log), 'identity': by['identity'], 'image': by['image'],
                'requests': ['%s %s %s -> %s' % (s, m, p, st) for s, m, p, st in log]}

    def _rewrite(self, data):
        for old, new in self.rewrites:
            data = data.replace(old, new)
        return data

    def _handler(self, service):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def _body(self):
                if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b';')[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                                pass
                            return b''.join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                length = int(self.headers.get('Content-Length') or 0)
                return self.rfile.read(length) if length else None

            def _forward(self):
                body = self._body()
                host, port = proxy.upstream[service]
                conn = http.client.HTTPConnection(host, port, timeout=600)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                finally:
                    conn.close()
                with proxy.lock:
                    proxy.log.append((service, self.command, self.path.split('?')[0] + (
                        '?' + self.path.split('?', 1)[1] if '?' in self.path else ''), resp.status))
                ctype = resp.getheader('Content-Type', '')
                if 'json' in ctype or 'text' in ctype:
                    data = proxy._rewrite(data)
                self.send_response(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() in HOP:
                        continue
                    if k.lower() == 'location':
                        v = proxy._rewrite(v.encode()).decode()
                    self.send_header(k, v)
                if self.command == 'HEAD':
                    self.send_header('Content-Length', resp.getheader('Content-Length', '0'))
                    self.end_headers()
                    return
                if resp.status in (204, 304) or 100 <= resp.status < 200:
                    self.end_headers()
                    return
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

        return Handler
