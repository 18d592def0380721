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


class GlanceModuleError(Exception):
    """Base class of every error this collection raises on purpose."""

    def __init__(self, message=''):
        super(GlanceModuleError, self).__init__(message)
        self._message = message

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
_DROP_BLOCKS_RE = re.compile(r'<(head|title|h1|script|style)\b[^>]*>.*?</\1\s*>', re.IGNORECASE | re.DOTALL)
_TITLE_RE = re.compile(r'<title\b[^>]*>(.*?)</title\s*>', re.IGNORECASE | re.DOTALL)
_BR_RE = re.compile(r'<br\s*/?>', re.IGNORECASE)
_TAG_RE = re.compile(r'</?[A-Za-z][^>]*>')
_COMMENT_RE = re.compile(r'<!--.*?-->', re.DOTALL)


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


def _html_text(text):
    body = _COMMENT_RE.sub(' ', text)
    body = _DROP_BLOCKS_RE.sub(' ', body)
    body = _BR_RE.sub(' ', body)
    body = _TAG_RE.sub(' ', body)
    body = _clean(_unescape(body))
    if body:
        return body
    title = _TITLE_RE.search(text)
    return _clean(_unescape(_TAG_RE.sub(' ', title.group(1)))) if title else ''


def _json_message(data):
    """The human text in an OpenStack JSON error body, or ''."""
    if isinstance(data, dict):
        err = data.get('error')
        if isinstance(err, dict):  # Keystone: {"error": {"code", "title", "message"}}
            return _json_message(err) or str(err.get('title') or '')
        if isinstance(err, str) and err:
            return err
        for key in ('message', 'explanation', 'detail', 'description', 'faultstring'):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value
        errors = data.get('errors')  # API-WG: {"errors": [{"title", "detail"}]}
        if isinstance(errors, list):
            parts = [_json_message(e) for e in errors]
            return '; '.join(p for p in parts if p)
        if len(data) == 1:  # Nova style: {"itemNotFound": {"message": ..., "code": 404}}
            return _json_message(list(data.values())[0])
        if isinstance(data.get('title'), str):
            return data['title']
    return ''


def explanation_from_body(body, content_type=None):
    """Extract the server's own explanation from an error body (Glance HTML or JSON, Keystone JSON)."""
    if body is None:
        return ''
    if isinstance(body, bytes):
        body = body.decode('utf-8', 'replace')
    text = body.strip()
    if not text:
        return ''
    ctype = (content_type or '').lower()
    if 'json' in ctype or text[:1] in ('{', '['):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if data is not None:
            message = _json_message(data)
            if message:
                return _clean(_unescape(_TAG_RE.sub(' ', _BR_RE.sub(' ', message))))
            return _clean(text)
    if 'html' in ctype or text.startswith('<'):
        return _html_text(text)
    return _clean(text)
