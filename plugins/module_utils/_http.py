# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HTTP client: one session, retries, typed errors, pagination and streaming, for internal collection use only."""

import math
import re
import time
import traceback

try:
    from urllib.parse import parse_qsl, quote, urljoin, urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    from urllib import quote  # noqa: F401 pylint: disable=no-name-in-module
    from urlparse import parse_qsl, urljoin, urlsplit, urlunsplit  # noqa: F401

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
try:
    from urllib3.exceptions import HTTPError as Urllib3Error, ReadTimeoutError
except ImportError:  # urllib3 comes with requests; the module reports a missing requests itself
    Urllib3Error = ReadTimeoutError = ()

from ansible_collections.osimg.glance.plugins.module_utils._auth import normalize_image_url
from ansible_collections.osimg.glance.plugins.module_utils._errors import (
    MAX_ERROR_BODY,
    REASONS,
    ApiError,
    ConfigError,
    ConnectionFailed,
    GlanceModuleError,
    InvalidResponse,
    RedirectRefused,
    RequestTimeout,
    ServiceUnavailable,
    Unauthorized,
    error_for_status,
    explanation_from_body,
)
from ansible_collections.osimg.glance.plugins.module_utils._hashing import CHUNK_SIZE, hashing_iter
from ansible_collections.osimg.glance.plugins.module_utils._timestamps import ServerClock, http_date_seconds
from ansible_collections.osimg.glance.plugins.module_utils._token_cache import ReusingAuthenticator, TokenCache
from ansible_collections.osimg.glance.plugins.module_utils._version import COLLECTION_NAME, COLLECTION_VERSION

OK_STATUSES = (200, 201, 202, 204, 206)
RETRY_METHODS = frozenset(('GET', 'HEAD', 'PUT', 'DELETE', 'PATCH'))
RETRY_STATUSES = frozenset((429, 502, 503, 504))
MAX_BACKOFF = 30.0
MAX_RETRY_AFTER = 60.0
MAX_PAGE_SIZE = 1000
# Redirects: only GET and HEAD are followed, only within one origin, at most MAX_REDIRECTS in a row.
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
SAFE_METHODS = frozenset(('GET', 'HEAD'))
MAX_REDIRECTS = 5
# A listing that has not ended after this many pages fails (a server sending endless next links): 25,000 images
# at Glance's default page size, 1,000,000 when a limit asks for pages of MAX_PAGE_SIZE.
MAX_PAGES = 1000
# The largest body of a success answer read into memory (image data is streamed, never read whole).
MAX_BODY = 64 * 1024 * 1024
_READ_CHUNK = 64 * 1024

_ERRNO_RE = re.compile(r'\[Errno -?\d+\] ([^\'")\]]+)')
_SSL_RE = re.compile(r'\[SSL: [A-Z_]+\] ([^(\'"]+)')
_ABSOLUTE_RE = re.compile(r'^https?://', re.IGNORECASE)
_SIZE_MISMATCH_RE = re.compile(r'(the data (?:is longer|ended after)[^\'")]*)')


def user_agent():
    ua = '%s/%s' % (COLLECTION_NAME, COLLECTION_VERSION)
    if requests is not None:
        ua += ' ' + requests.utils.default_user_agent()
    return ua


def quote_path_arg(value):
    """Percent-quote one path argument so it stays one path segment, whatever it contains."""
    if isinstance(value, bytes):
        value = value.decode('utf-8')
    text = value if isinstance(value, str) else str(value)
    if text == '':
        raise GlanceModuleError('an empty value cannot be used in a URL path (it would address a different resource)')
    if text in ('.', '..'):
        raise GlanceModuleError('%r cannot be used in a URL path: HTTP clients and proxies resolve it as a '
                                'relative path' % text)
    return quote(text, safe='')


def build_path(path, *path_args):
    """Format path ('/v2/images/{0}/members/{1}') with each argument percent-quoted (safe='')."""
    return path.format(*[quote_path_arg(a) for a in path_args])


def query_pairs(params):
    """Normalise a dict or list of pairs into a list of (key, str) pairs: lists repeat the key, bools lowercase."""
    if not params:
        return []
    items = params.items() if isinstance(params, dict) else params
    pairs = []
    for key, value in items:
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v is None:
                continue
            if isinstance(v, bool):
                v = 'true' if v else 'false'
            pairs.append((str(key), v if isinstance(v, str) else str(v)))
    return pairs


def join_link(base, link):
    """Join a link from a response body ('/v2/images?marker=...') to the endpoint, keeping its path prefix."""
    if _ABSOLUTE_RE.match(link):
        return link
    parts = urlsplit(base)
    prefix = parts.path.rstrip('/')
    if prefix and link.startswith(prefix + '/v'):
        return urlunsplit((parts.scheme, parts.netloc, '', '', '')) + link
    return base.rstrip('/') + ('' if link.startswith('/') else '/') + link


def origin(url):
    """(scheme, host, port) of an absolute http(s) URL: what a credential is bound to. None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, a bad IPv6 literal
        return None
    scheme = (parts.scheme or '').lower()
    if scheme not in ('http', 'https') or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == 'https' else 80)


def origin_text(url):
    """scheme://host:port of url for a message; never its path, query or user info."""
    found = origin(url)
    if found is None:
        return 'a location that is not an http(s) URL'
    scheme, host, port = found
    return '%s://%s:%d' % (scheme, '[%s]' % host if ':' in host else host, port)


def _is_streaming(data):
    return data is not None and not isinstance(data, (bytes, str, dict, list, tuple))


def _body_chunks(body, chunk_size):
    """Iterate a file object (read in chunk_size pieces), bytes, or an iterator of chunks."""
    if isinstance(body, (bytes, bytearray)):
        if body:
            yield bytes(body)
        return
    if hasattr(body, 'read'):
        while True:
            chunk = body.read(chunk_size)
            if not chunk:
                break
            yield chunk
        return
    for chunk in body:
        if chunk:
            yield chunk


class SizedBody:
    """Chunks whose total is known: requests then sends them with Content-Length, each chunk as it is.

    With chunked encoding every chunk is copied to frame it, which costs about half a second of CPU per GiB.
    Exactly size bytes go out: a source that turns out longer or shorter (a file changed during the upload)
    fails the request instead of sending a body that does not match its length.
    """

    def __init__(self, chunks, size):
        self.chunks = chunks
        self.size = int(size)

    def __len__(self):
        return self.size

    def __iter__(self):
        sent = 0
        for chunk in self.chunks:
            sent += len(chunk)
            if sent > self.size:
                raise IOError('the data is longer than the %d bytes announced; did the file change during the '
                              'upload?' % self.size)
            yield chunk
        if sent != self.size:
            raise IOError('the data ended after %d of the %d bytes announced; did the file change during the '
                          'upload?' % (sent, self.size))


def _response_chunks(resp, chunk_size):
    """A streamed response body in chunks.

    requests' iter_content() asks urllib3 to decode, which copies every chunk through a buffer: about a
    second of CPU per GiB, more than hashing it. Glance sends image data as it is, so an unencoded body is
    read straight from the raw stream; an encoded one (a proxy's gzip) still goes through iter_content().
    """
    encoding = (resp.headers.get('Content-Encoding') or 'identity').strip().lower()
    if encoding != 'identity' or not hasattr(resp.raw, 'read'):
        yield from resp.iter_content(chunk_size)
        return
    while True:
        chunk = resp.raw.read(chunk_size)
        if not chunk:
            return
        yield chunk


def _connection_reason(exc):
    text = str(exc)
    m = _SIZE_MISMATCH_RE.search(text)
    if m:  # SizedBody stopped the upload
        return m.group(1).strip()
    m = _SSL_RE.search(text)
    if m:
        return 'TLS error: %s' % m.group(1).strip()
    m = _ERRNO_RE.search(text)
    if m:
        return m.group(1).strip()
    if 'RemoteDisconnected' in text or 'Connection aborted' in text:
        return 'the server closed the connection without an answer'
    return text if len(text) < 300 else text[:300] + '...'


def _retry_after(resp):
    value = resp.headers.get('Retry-After')
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        when = http_date_seconds(value)
        if when is None:
            return None  # not a number of seconds nor an HTTP date: the usual backoff applies
        seconds = when - time.time()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _read_body(resp, limit):
    """Read at most limit bytes of a streamed response into it (resp.content); True when that was all of it."""
    chunks, size = [], 0
    for chunk in resp.iter_content(_READ_CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            resp.close()
            resp._content, resp._content_consumed = b''.join(chunks)[:limit], True  # pylint: disable=protected-access
            return False
    resp._content, resp._content_consumed = b''.join(chunks), True  # pylint: disable=protected-access
    return True


def _short_header(value, limit=128):
    """A header value fit for a message: printable, and short."""
    if not value:
        return None
    text = ''.join(c for c in str(value)[:limit] if c.isprintable())
    return text or None


if requests is not None:
    class JsonResponse(requests.Response):
        """A response whose json() raises a typed error, not ValueError, for a body that is not a JSON object.

        Glance and Keystone answer every API call with a JSON object: anything else is an answer the module
        cannot use, and the task fails saying so.
        """

        def json(self, **kwargs):
            method = self.request.method if self.request is not None else None
            try:
                data = super(JsonResponse, self).json(**kwargs)
            except (ValueError, RecursionError):
                text = self.content[:200].decode('utf-8', 'replace')
                raise InvalidResponse(method=method, url=self.url, status=self.status_code,
                                      explanation='the server answered %r%s, which is not JSON'
                                      % (text, '...' if len(self.content) > 200 else ''))
            if not isinstance(data, dict):
                raise InvalidResponse(method=method, url=self.url, status=self.status_code,
                                      explanation='the server answered a JSON %s where a JSON object was expected'
                                      % type(data).__name__)
            return data
else:  # pragma: no cover - the module reports the missing library
    JsonResponse = None


class HttpClient:
    """A requests.Session bound to one cloud: authenticates lazily, once per run, then talks to Glance/Keystone."""

    def __init__(self, config, sleep=time.sleep, max_retries=4, backoff=1.0, session=None, warn=None, on_secret=None):
        if requests is None:
            raise GlanceModuleError('the Python library requests is required')
        self.config = config
        self._sleep = sleep
        self.max_retries = max_retries
        self.backoff = backoff
        self._warn = warn
        self.session = session if session is not None else requests.Session()
        self.session.headers['User-Agent'] = user_agent()
        self.session.verify = config.verify
        self.session.cert = config.cert
        self.timeout = config.api_timeout
        self.requests_sent = []
        # What the answers' Date headers (where the server sends them) tell of Glance's clock, which stamps created_at.
        self.server_clock = ServerClock()
        # A token given with the image endpoint, or one cached by an earlier run, spares asking Keystone.
        self.auth = None if config.auth_type == 'none' else ReusingAuthenticator(
            config, self._send, on_token=on_secret, token_cache=TokenCache.open(config, warn))
        self._image_url = normalize_image_url(config.image_endpoint) if config.image_endpoint else None

    # -- endpoints and identity -------------------------------------------------------------
    def _ensure_token(self):
        if self.auth is not None and not self.auth.token:
            self.auth.authenticate()

    @property
    def image_url(self):
        """Image endpoint without /v2 (from image_endpoint, or the catalog after authenticating)."""
        if self._image_url is None:
            self._ensure_token()
            self._image_url = normalize_image_url(self.auth.endpoint('image'))
        return self._image_url

    @property
    def identity_url(self):
        return self.auth.identity_url if self.auth is not None else None

    @property
    def project_id(self):
        if self.auth is None:
            return None
        self._ensure_token()
        return self.auth.project_id

    @property
    def user_id(self):
        if self.auth is None:
            return None
        self._ensure_token()
        return self.auth.user_id

    def _base(self, service):
        if service == 'image':
            return self.image_url
        if service == 'identity':
            if self.auth is None:
                raise ConfigError('auth_type none has no Keystone: this operation needs Keystone authentication')
            return self.identity_url
        raise ValueError('unknown service %r' % (service,))

    def url(self, path, *path_args, **kwargs):
        """Absolute URL of path (path arguments quoted) on service ('image' or 'identity')."""
        return self._base(kwargs.get('service', 'image')) + build_path(path, *path_args)

    def pause(self, seconds):
        """Wait, with the client's sleep (a recorded one in tests)."""
        self._sleep(seconds)

    def close(self):
        self.session.close()

    # -- sending ----------------------------------------------------------------------------
    def _full_url(self, url, params):
        if not params:
            return url
        try:
            return requests.Request('GET', url, params=params).prepare().url
        except Exception:  # pragma: no cover - only used for reporting
            return url

    def _drop_idle_connections(self):
        for adapter in self.session.adapters.values():
            adapter.close()

    def _delay(self, attempt, resp):
        delay = _retry_after(resp) if resp is not None else None
        if delay is None:
            delay = min(self.backoff * (2 ** (attempt - 1)), MAX_BACKOFF)
        return delay

    def _note_retry(self, method, url, what, delay, attempt, allowed):
        if self._warn is not None:
            self._warn('%s %s: %s; retrying in %.1fs (attempt %d of %d)' % (method, url, what, delay, attempt + 1,
                                                                            allowed))

    def _exchange(self, method, url, params, json, data, headers, stream, ok):
        """One request, its redirects handled here rather than by requests, its body read within bounds.

        requests would follow any redirect, keep X-Auth-Token on the way to another host and send a password
        body again after a 307: here a redirect is followed only for GET and HEAD, only within the origin
        (scheme, host, port) the request was meant for, at most MAX_REDIRECTS times; any other fails.
        verify is passed with each request: requests would otherwise let REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE
        replace an explicit ca_cert or validate_certs: false.
        """
        redirects = 0
        while True:
            resp = self.session.request(method, url, params=params, json=json, data=data, headers=headers,
                                        stream=True, timeout=self.timeout, verify=self.config.verify,
                                        allow_redirects=False)
            resp.__class__ = JsonResponse
            if resp.status_code in REDIRECT_STATUSES and resp.status_code not in ok and resp.headers.get('Location'):
                resp.close()
                url, params, redirects = self._redirect_target(method, resp, redirects), None, redirects + 1
                continue
            if resp.status_code not in ok:
                _read_body(resp, MAX_ERROR_BODY)
            elif not stream and not _read_body(resp, MAX_BODY):
                raise InvalidResponse(method=method, url=resp.url, status=resp.status_code,
                                      explanation='the answer is larger than %d MiB, more than any Glance or '
                                                  'Keystone answer; it was not read' % (MAX_BODY // (1024 * 1024)))
            return resp

    @staticmethod
    def _redirect_target(method, resp, redirects):
        """The URL to follow the redirect resp to (it has a Location).

        Raises RedirectRefused, with the status, where it pointed (its origin) and why, for any redirect but one
        of a GET or HEAD within its origin, up to MAX_REDIRECTS in a row.
        """
        target = urljoin(resp.url, resp.headers['Location'].strip())
        here = origin(resp.url)
        if origin(target) != here:
            why = ('redirect to another origin, %s, refused: the request carries credentials (the token, or the '
                   'password or secret sent to Keystone), which are only ever sent to the origin they are meant for, '
                   '%s' % (origin_text(target), origin_text(resp.url)))
        elif method not in SAFE_METHODS:
            why = ('redirect to %s refused: a %s request is never redirected (it would be sent again with its body, '
                   'or turned into a GET)' % (urlsplit(target).path or '/', method))
        elif redirects >= MAX_REDIRECTS:
            why = 'redirect refused: more than %d redirects in a row (a redirect loop?)' % MAX_REDIRECTS
        else:
            return target
        raise RedirectRefused(method=method, url=resp.url, status=resp.status_code, explanation=why,
                              hint='If the service moved, set auth_url or image_endpoint to its new address.')

    def _send(self, method, url, params=None, json=None, data=None, headers=None, stream=False, ok=OK_STATUSES,
              retry=None, auth_request=False):
        """Send one request with the retry policy; return the Response or raise a typed ApiError. No auth header logic."""
        method = method.upper()
        streaming = _is_streaming(data)
        if auth_request:
            # The token request is safe to resend when the server says "busy", but an unreachable
            # auth_url is a configuration error: fail at once instead of backing off.
            retry_status, retry_connect = not streaming, False
        elif retry is None:
            retry_status = retry_connect = method in RETRY_METHODS and not streaming
        else:
            retry_status = retry_connect = bool(retry) and not streaming
        allowed = 1 + self.max_retries if (retry_status or retry_connect) else 1
        shown_url = self._full_url(url, params)
        if not retry_connect:
            # A request that cannot be resent must not go out on a kept-alive connection the server
            # may be closing at this very moment (uwsgi, load balancers): start it on a fresh one.
            self._drop_idle_connections()
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self._exchange(method, url, params, json, data, headers, stream, ok)
            except requests.exceptions.SSLError as e:
                self.requests_sent.append((method, shown_url, None))
                raise ConnectionFailed(method=method, url=shown_url, explanation=_connection_reason(e), attempts=attempt,
                                       hint='Set ca_cert to the CA bundle that signed the server certificate '
                                            '(or validate_certs: false for a test cloud).')
            except requests.exceptions.ConnectTimeout:
                self.requests_sent.append((method, shown_url, None))
                if retry_connect and attempt < allowed:
                    delay = self._delay(attempt, None)
                    self._note_retry(method, shown_url, 'connection timed out', delay, attempt, allowed)
                    self._sleep(delay)
                    continue
                raise RequestTimeout(method=method, url=shown_url, attempts=attempt, exhausted=attempt > 1,
                                     explanation='could not connect within %g seconds (api_timeout)' % self.timeout)
            except requests.exceptions.Timeout:
                self.requests_sent.append((method, shown_url, None))
                raise RequestTimeout(method=method, url=shown_url, attempts=attempt,
                                     explanation='no answer within %g seconds (api_timeout)' % self.timeout)
            except requests.exceptions.ConnectionError as e:
                self.requests_sent.append((method, shown_url, None))
                reason = _connection_reason(e)
                if retry_connect and attempt < allowed:
                    # A kept-alive connection closed under us: resend at once the first time.
                    stale = attempt == 1 and 'Connection aborted' in str(e)
                    delay = 0.0 if stale else self._delay(attempt, None)
                    if not stale:  # routine with servers that close idle connections: not worth a warning
                        self._note_retry(method, shown_url, reason, delay, attempt, allowed)
                    self._sleep(delay)
                    continue
                raise ConnectionFailed(method=method, url=shown_url, explanation=reason, attempts=attempt,
                                       exhausted=attempt > 1)
            except requests.exceptions.RequestException as e:
                self.requests_sent.append((method, shown_url, None))
                raise ConnectionFailed(method=method, url=shown_url, explanation=_connection_reason(e), attempts=attempt)
            except (IOError, OSError) as e:  # e.g. a missing CA bundle or client certificate file
                self.requests_sent.append((method, shown_url, None))
                raise ConnectionFailed(method=method, url=shown_url, explanation=str(e), attempts=attempt)
            except ApiError:  # a redirect refused, an answer too large to read
                self.requests_sent.append((method, shown_url, None))
                raise
            status = resp.status_code
            self.requests_sent.append((method, shown_url, status))
            self.server_clock.reached(http_date_seconds(resp.headers.get('Date')))
            if status in ok:
                return resp
            if status in RETRY_STATUSES and retry_status and attempt < allowed:
                delay = self._delay(attempt, resp)
                self._note_retry(method, shown_url, '%d %s' % (status, resp.reason or ''), delay, attempt, allowed)
                resp.close()
                self._sleep(delay)
                continue
            raise self._error(method, shown_url, resp, attempt)

    def _error(self, method, url, resp, attempt):
        explanation = explanation_from_body(resp.content, resp.headers.get('Content-Type'))
        exhausted = resp.status_code in RETRY_STATUSES and attempt > 1
        cls = ServiceUnavailable if exhausted else error_for_status(resp.status_code)
        reason = None if resp.status_code in REASONS else _short_header(resp.reason)  # Keystone says 'UNAUTHORIZED'
        return cls(method=method, url=url, status=resp.status_code, explanation=explanation, reason=reason,
                   attempts=attempt, exhausted=exhausted, request_id=_short_header(resp.headers.get('x-openstack-request-id')))

    def _auth_headers(self, headers):
        hdrs = dict(headers or {})
        if self.auth is not None:
            self._ensure_token()
            hdrs['X-Auth-Token'] = self.auth.token
        elif self.config.auth.get('token'):
            hdrs['X-Auth-Token'] = self.config.auth['token']
        return hdrs

    def request_url(self, method, url, params=None, json=None, data=None, headers=None, stream=False,
                    ok=OK_STATUSES, retry=None):
        """request() for an absolute URL: adds the token; re-authenticates once on 401 when the body can be sent again.

        data may be a callable that returns the body: a stream that can be produced again (a file opened anew),
        which is then resent after re-authenticating, like any other body. A one-off stream is not.
        """
        reauthenticated = False
        while True:
            hdrs = self._auth_headers(headers)
            body = data() if callable(data) else data
            try:
                return self._send(method, url, params=params, json=json, data=body, headers=hdrs, stream=stream,
                                  ok=ok, retry=retry)
            except Unauthorized as e:
                if self.auth is None:
                    e.hint = ('auth.token was refused (auth_type none sends it as it is).' if 'X-Auth-Token' in hdrs
                              else 'auth_type none sends no token: use Keystone auth, or give auth.token.')
                    raise
                if reauthenticated or (_is_streaming(body) and not callable(data)):
                    raise
                reauthenticated = True
                self.auth.invalidate()

    def request(self, method, path, *path_args, params=None, json=None, data=None, headers=None, stream=False,
                ok=OK_STATUSES, retry=None, service='image'):
        """Send method to path (path arguments percent-quoted) on service; raise typed errors for statuses not in ok."""
        url = self._base(service) + build_path(path, *path_args)
        return self.request_url(method, url, params=query_pairs(params) or None, json=json, data=data,
                                headers=headers, stream=stream, ok=ok, retry=retry)

    @staticmethod
    def _json(resp):
        if resp.status_code == 204 or not resp.content:
            return {}
        return resp.json()

    def get_json(self, path, *path_args, params=None, service='image'):
        return self._json(self.request('GET', path, *path_args, params=params, ok=(200,), service=service))

    # -- pagination -------------------------------------------------------------------------
    def paginate(self, path, *path_args, key='images', params=None, limit=None, service='image', page_size=None):
        """Yield the items of every page, following ``next`` links within the endpoint's origin; stop after limit
        items. A listing that has not ended after MAX_PAGES pages fails."""
        if limit is not None and limit <= 0:
            return
        base = self._base(service)
        query = query_pairs(params)
        size = page_size or (min(limit, MAX_PAGE_SIZE) if limit else None)
        if size:
            query = [(k, v) for k, v in query if k != 'limit'] + [('limit', str(size))]
        counts = {}
        for k, dummy in query:
            counts[k] = counts.get(k, 0) + 1
        repeated = [(k, v) for k, v in query if counts[k] > 1]
        url = base + build_path(path, *path_args)
        seen = set()
        listed = set()
        count = 0
        pages = 0
        while True:
            shown = self._full_url(url, query)
            page = self._json(self.request_url('GET', url, params=query or None, ok=(200,)))
            pages += 1
            items = page.get(key) or []
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise InvalidResponse(method='GET', url=shown,
                                      explanation='%r in the answer is not a list of objects' % key)
            ids = set(str(item.get('id')) for item in items if item.get('id') is not None)
            if pages > 1 and ids and ids <= listed:
                raise InvalidResponse(method='GET', url=shown, reason='Pagination loop',
                                      explanation='page %d lists only %s already listed: the next links go round in '
                                                  'a loop' % (pages, key))
            listed.update(ids)
            for item in items:
                yield item
                count += 1
                if limit is not None and count >= limit:
                    return
            link = page.get('next')
            if not link or not items:
                return
            if pages >= MAX_PAGES:
                raise InvalidResponse(method='GET', url=shown, reason='Too many pages',
                                      explanation='the listing still had a next page after %d pages, the most this '
                                                  'collection follows (its page cap); narrow it with filters or a '
                                                  'limit' % MAX_PAGES)
            url, query = self._next_request(base, link, repeated, shown)
            marker = (url, tuple(query))
            if marker in seen:
                raise InvalidResponse(method='GET', url=self._full_url(url, query),
                                      reason='Pagination loop', explanation='the server returned the same next link twice')
            seen.add(marker)

    @staticmethod
    def _next_request(base, link, repeated, shown):
        """URL and query pairs for a ``next`` link. Repeated keys (tag=a&tag=b) are restored from the first
        request: Glance builds ``next`` from a plain dict and keeps only the last value of a repeated key.

        A link to another origin is refused: the token goes with every page.
        """
        if not isinstance(link, str):
            raise InvalidResponse(method='GET', url=shown,
                                  explanation='the next link is a JSON %s, not a string' % type(link).__name__)
        parts = urlsplit(link.strip())
        if parts.scheme or parts.netloc:
            absolute = urljoin(base, link.strip())
            if origin(absolute) != origin(base):
                raise InvalidResponse(method='GET', url=shown, reason='Pagination link refused',
                                      explanation='the next link points to another origin, %s; the token is only '
                                                  'sent to %s' % (origin_text(absolute), origin_text(base)))
            parts = urlsplit(absolute)
        target = join_link(base, urlunsplit((parts.scheme, parts.netloc, parts.path, '', '')))
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if repeated:
            keys = set(k for k, dummy in repeated)
            pairs = [(k, v) for k, v in pairs if k not in keys] + list(repeated)
        return target, pairs

    # -- streaming --------------------------------------------------------------------------
    def upload(self, path, *path_args, body, size=None, content_type='application/octet-stream', method='PUT',
               headers=None, hasher=None, chunk_size=CHUNK_SIZE):
        """Stream body (file object, bytes or iterator of chunks); never retried on errors.

        With size, the body goes out with Content-Length (exactly size bytes, see SizedBody); without, with
        chunked encoding.

        body may also be a callable returning such a body: a source that can be opened again. Then a 401 (the
        token expired or was revoked since it was checked) re-authenticates once and sends the data again, as
        other requests do; Glance refuses a request with a bad token before it takes any data.
        """
        replayable = callable(body)
        if replayable and hasher is not None:
            raise ValueError('hash a replayable body in the callable that opens it, not with hasher')
        hdrs = {'Content-Type': content_type}
        if size is not None:
            hdrs['x-openstack-image-size'] = str(int(size))
        hdrs.update(headers or {})

        def chunks():
            pieces = _body_chunks(body() if replayable else body, chunk_size)
            if hasher is not None:
                pieces = hashing_iter(pieces, hasher)
            return SizedBody(pieces, size) if size is not None else pieces

        # Authenticate first: a consumed stream cannot be sent again after a 401.
        self._ensure_token()
        return self.request(method, path, *path_args, data=chunks if replayable else chunks(), headers=hdrs,
                            ok=(200, 201, 202, 204), retry=False)

    def download(self, path, *path_args, offset=0, chunk_size=CHUNK_SIZE, headers=None, hasher=None):
        """GET path streamed; returns (response, iterator of chunks). Range: bytes=<offset>- when offset > 0."""
        hdrs = dict(headers or {})
        if offset:
            hdrs['Range'] = 'bytes=%d-' % int(offset)
        resp = self.request('GET', path, *path_args, headers=hdrs, stream=True, ok=(200, 204, 206))
        chunks = self._iter_response(resp, chunk_size)
        if hasher is not None:
            chunks = hashing_iter(chunks, hasher)
        return resp, chunks

    def _iter_response(self, resp, chunk_size):
        method, url = resp.request.method, resp.url
        try:
            for chunk in _response_chunks(resp, chunk_size):
                if chunk:
                    yield chunk
        except (requests.exceptions.Timeout, ReadTimeoutError):
            raise RequestTimeout(method=method, url=url, explanation='the download stalled for more than %g seconds '
                                                                     '(api_timeout)' % self.timeout)
        except (requests.exceptions.RequestException, Urllib3Error, IOError, OSError) as e:
            raise ConnectionFailed(method=method, url=url, explanation='the download was interrupted: %s'
                                   % _connection_reason(e))
        finally:
            resp.close()
