# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Typed errors of the Glance client, for internal collection use only."""

import json
import re

try:
    from html import unescape as _html_unescape
except ImportError:  # pragma: no cover - Python 2 is not supported, keep the import sanity test happy
    _html_unescape = None

REASONS = {
    301: 'Moved Permanently',
    302: 'Found',
    303: 'See Other',
    307: 'Temporary Redirect',
    308: 'Permanent Redirect',
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    406: 'Not Acceptable',
    409: 'Conflict',
    410: 'Gone',
    413: 'Request Entity Too Large',
    415: 'Unsupported Media Type',
    416: 'Range Not Satisfiable',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    501: 'Not Implemented',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
}

# Longest explanation kept from a server body: an HTML error page can be huge.
MAX_EXPLANATION = 2000
# Longest part of an error body that is looked at (the HTTP client reads no more than this).
MAX_ERROR_BODY = 64 * 1024
# How deep an error's JSON is searched for its message.
_MAX_JSON_DEPTH = 8


class GlanceModuleError(Exception):
    """Base class of every error this collection raises on purpose.

    Keyword arguments are extra keys of the failed task's result (for example the task a wait gave up on).
    """

    def __init__(self, message='', **result):
        super(GlanceModuleError, self).__init__(message)
        self._message = message
        self.result = result

    @property
    def message(self):
        return self._message

    def extend_message(self, note):
        """Append a sentence, for example what a failed run cleaned up."""
        self._message = '%s %s' % (self._message, note) if self._message else note

    def __str__(self):
        return self.message


class ConfigError(GlanceModuleError):
    """Missing or inconsistent configuration: unknown cloud, no auth_url, unknown region..."""


class ApiError(GlanceModuleError):
    """An HTTP request failed: a non-success status, a timeout or a connection failure.

    ``str(err)`` reads like
    ``403 Forbidden for PATCH http://host/v2/images/ID: You are not authorized ...``.
    """

    status_code = None
    default_reason = 'HTTP error'

    def __init__(self, method=None, url=None, status=None, explanation='', reason=None,
                 attempts=1, exhausted=False, hint=None, request_id=None):
        self.method = method
        self.url = url
        self.status = status if status is not None else self.status_code
        self.explanation = explanation or ''
        self.reason = reason or REASONS.get(self.status) or self.default_reason
        self.attempts = attempts
        self.exhausted = exhausted
        self.hint = hint
        self.request_id = request_id
        self._notes = []
        super(ApiError, self).__init__(self.message)

    @property
    def message(self):
        if self.status is not None:
            msg = '%s %s' % (self.status, self.reason)
        else:
            msg = self.reason
        if self.method or self.url:
            msg += ' for %s %s' % (self.method or '', self.url or '')
        if self.exhausted:
            msg += ': the service was unavailable after %d attempts' % self.attempts
        if self.explanation:
            msg += ': %s' % self.explanation
        if self.hint:
            msg += ('' if msg.endswith('.') else '.') + ' ' + self.hint
        if self._notes:
            msg += ('' if msg.endswith('.') else '.') + ' ' + ' '.join(self._notes)
        return msg

    def extend_message(self, note):
        self._notes.append(note)

    def __str__(self):
        return self.message


class BadRequest(ApiError):
    status_code = 400


class Unauthorized(ApiError):
    status_code = 401


class Forbidden(ApiError):
    status_code = 403


class NotFound(ApiError):
    status_code = 404


class Conflict(ApiError):
    status_code = 409


class RequestEntityTooLarge(ApiError):
    status_code = 413


class UnsupportedMediaType(ApiError):
    status_code = 415


class RangeNotSatisfiable(ApiError):
    status_code = 416


class ServerError(ApiError):
    status_code = 500
    default_reason = 'Server Error'


class ServiceUnavailable(ServerError):
    """503, or retries exhausted on 429/502/503/504."""
    status_code = 503


class RequestTimeout(ApiError):
    """The client gave up waiting (api_timeout); no status."""
    default_reason = 'Request timed out'


class ConnectionFailed(ApiError):
    """No HTTP response at all: refused, DNS failure, TLS failure, reset..."""
    default_reason = 'Connection failed'


class RedirectRefused(ApiError):
    """A redirect the client does not follow: to another origin, of a request that changes something, or too many."""
    default_reason = 'Redirect refused'


class InvalidResponse(ApiError):
    """A success answer the client cannot use: not JSON, not a JSON object, too large, or a foreign next link."""
    default_reason = 'Invalid response'


_BY_STATUS = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: RequestEntityTooLarge,
    415: UnsupportedMediaType,
    416: RangeNotSatisfiable,
    503: ServiceUnavailable,
}


def error_for_status(status):
    """Return the ApiError subclass for an HTTP status code."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status is not None and 500 <= status <= 599:
        return ServerError
    return ApiError


_WS_RE = re.compile(r'\s+')
_BR_RE = re.compile(r'<br\s*/?>', re.IGNORECASE)
# Blocks whose text is not an explanation (the title and heading repeat the status line).
_DROPPED_BLOCKS = ('head', 'title', 'h1', 'script', 'style')
_CLOSING_TAG_RES = dict((name, re.compile(r'</%s\s*>' % name, re.IGNORECASE)) for name in _DROPPED_BLOCKS)


def _unescape(text):
    if _html_unescape is None:  # pragma: no cover
        return text
    return _html_unescape(text)


def _clean(text):
    text = _BR_RE.sub(' ', text)
    text = _WS_RE.sub(' ', text).strip()
    if len(text) > MAX_EXPLANATION:
        text = text[:MAX_EXPLANATION] + '...'
    return text


def _tag_at(text, start):
    """(lowercase name, closing) of the tag that text[start] ('<') opens, or None when '<' opens no tag."""
    i = start + 1
    closing = text.startswith('/', i)
    if closing:
        i += 1
    end = i
    while end < len(text) and text[end].isascii() and text[end].isalnum():
        end += 1
    if end == i or not text[i].isalpha():
        return None
    return text[i:end].lower(), closing


def _first_title(text):
    """The raw content of the first <title> element, or None (linear: each '<' is looked at once)."""
    i = 0
    while True:
        lt = text.find('<', i)
        if lt < 0:
            return None
        if _tag_at(text, lt) == ('title', False):
            gt = text.find('>', lt)
            match = _CLOSING_TAG_RES['title'].search(text, gt + 1) if gt >= 0 else None
            return text[gt + 1:match.start()] if match else None
        i = lt + 1


def _html_to_text(text, drop_blocks=True):
    """The text of an HTML page in one pass: tags become spaces; comments and, with drop_blocks, the
    head/title/h1/script/style blocks go.

    Written with str.find and a forward-only search per block name, not with backtracking regular expressions:
    a hostile body full of unclosed tags or comments costs time linear in its size.
    """
    out = []
    comments_close = True
    unclosed = set()  # block names with no closing tag in the rest of the text
    i = 0
    while i < len(text):
        lt = text.find('<', i)
        if lt < 0:
            out.append(text[i:])
            break
        out.append(text[i:lt])
        if text.startswith('<!--', lt) and comments_close:
            end = text.find('-->', lt + 4)
            if end >= 0:
                out.append(' ')
                i = end + 3
                continue
            comments_close = False  # no later comment can end either
        tag = _tag_at(text, lt)
        if tag is None:
            out.append('<')
            i = lt + 1
            continue
        gt = text.find('>', lt)
        if gt < 0:  # no tag ends: the rest is text
            out.append(text[lt:])
            break
        out.append(' ')
        i = gt + 1
        name, closing = tag
        if drop_blocks and not closing and name in _DROPPED_BLOCKS and name not in unclosed:
            match = _CLOSING_TAG_RES[name].search(text, i)
            if match is None:
                unclosed.add(name)
            else:
                out.append(' ')
                i = match.end()
    return ''.join(out)


def _html_text(text):
    body = _clean(_unescape(_html_to_text(text)))
    if body:
        return body
    title = _first_title(text)
    return _clean(_unescape(_html_to_text(title, drop_blocks=False))) if title else ''


def _json_message(data, depth=0):
    """The human text in an OpenStack JSON error body, or ''."""
    if depth > _MAX_JSON_DEPTH:
        return ''
    if isinstance(data, dict):
        err = data.get('error')
        if isinstance(err, dict):  # Keystone: {"error": {"code", "title", "message"}}
            return _json_message(err, depth + 1) or str(err.get('title') or '')
        if isinstance(err, str) and err:
            return err
        for key in ('message', 'explanation', 'detail', 'description', 'faultstring'):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value
        errors = data.get('errors')  # API-WG: {"errors": [{"title", "detail"}]}
        if isinstance(errors, list):
            parts = [_json_message(e, depth + 1) for e in errors[:20]]
            return '; '.join(p for p in parts if p)
        if len(data) == 1:  # Nova style: {"itemNotFound": {"message": ..., "code": 404}}
            return _json_message(list(data.values())[0], depth + 1)
        if isinstance(data.get('title'), str):
            return data['title']
    return ''


def explanation_from_body(body, content_type=None):
    """Extract the server's own explanation from an error body (Glance HTML or JSON, Keystone JSON).

    Only the first MAX_ERROR_BODY characters are looked at, in time linear in their size.
    """
    if body is None:
        return ''
    if isinstance(body, bytes):
        body = body[:MAX_ERROR_BODY].decode('utf-8', 'replace')
    text = body[:MAX_ERROR_BODY].strip()
    if not text:
        return ''
    ctype = (content_type or '').lower()
    if 'json' in ctype or text[:1] in ('{', '['):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        if data is not None:
            message = _json_message(data)
            if isinstance(message, str) and message:
                return _clean(_unescape(_html_to_text(message, drop_blocks=False)))
            return _clean(text)
    if 'html' in ctype or text.startswith('<'):
        return _html_text(text)
    return _clean(text)
