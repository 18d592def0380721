# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import time

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._errors import (
    ApiError,
    BadRequest,
    ConfigError,
    Conflict,
    ConnectionFailed,
    Forbidden,
    GlanceModuleError,
    NotFound,
    RequestEntityTooLarge,
    RequestTimeout,
    ServerError,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
    error_for_status,
    explanation_from_body,
)

# Bodies as Glance 33 / Keystone 30 really send them (captured from the local cloud).
GLANCE_403_HTML = ('<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1>'
                   'You are not authorized to complete publicize_image action.<br /><br /></body></html>')
GLANCE_404_HTML = ('<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n'
                   '  No image found with ID 4eaeb4fe-8f2e-46b6-a241-97bde2fbd707<br /><br />\n\n\n\n </body>\n</html>')
GLANCE_401_HTML = ('<html>\n <head>\n  <title>401 Unauthorized</title>\n </head>\n <body>\n  <h1>401 Unauthorized</h1>\n'
                   '  This server could not verify that you are authorized to access the document you requested. '
                   'Either you supplied the wrong credentials (e.g., bad password), or your browser does not '
                   'understand how to supply the credentials required.<br /><br />\n\n\n\n </body>\n</html>')
GLANCE_401_JSON = ('{"message": "This server could not verify that you are authorized to access the document you '
                   'requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does '
                   'not understand how to supply the credentials required.<br /><br />\\n\\n\\n", '
                   '"code": "401 Unauthorized", "title": "Unauthorized"}')
GLANCE_415_HTML = ('<html>\n <head>\n  <title>415 Unsupported Media Type</title>\n </head>\n <body>\n'
                   '  <h1>415 Unsupported Media Type</h1>\n  The request media type application/json is not supported '
                   'by this server. Image PATCH expects Content-Type one of: application/openstack-images-v2.0-json-'
                   'patch, application/openstack-images-v2.1-json-patch<br /><br />\n\n\n\n </body>\n</html>')
KEYSTONE_401_JSON = ('{"error":{"code":401,"message":"The request you have made requires authentication.",'
                     '"title":"Unauthorized"}}')


@pytest.mark.parametrize('body, ctype, expected', [
    (GLANCE_403_HTML, 'text/html; charset=UTF-8', 'You are not authorized to complete publicize_image action.'),
    (GLANCE_404_HTML, 'text/html; charset=UTF-8', 'No image found with ID 4eaeb4fe-8f2e-46b6-a241-97bde2fbd707'),
    (GLANCE_401_HTML, 'text/html', 'This server could not verify that you are authorized to access the document '
                                   'you requested. Either you supplied the wrong credentials (e.g., bad password), '
                                   'or your browser does not understand how to supply the credentials required.'),
    (GLANCE_415_HTML, None, 'The request media type application/json is not supported by this server. Image PATCH '
                            'expects Content-Type one of: application/openstack-images-v2.0-json-patch, '
                            'application/openstack-images-v2.1-json-patch'),
    (GLANCE_401_JSON, 'application/json', 'This server could not verify that you are authorized to access the '
                                          'document you requested. Either you supplied the wrong credentials (e.g., '
                                          'bad password), or your browser does not understand how to supply the '
                                          'credentials required.'),
    (KEYSTONE_401_JSON, 'application/json', 'The request you have made requires authentication.'),
    (b'{"itemNotFound": {"message": "Image not found.", "code": 404}}', 'application/json', 'Image not found.'),
    (b'{"errors": [{"title": "Bad", "detail": "one"}, {"detail": "two"}]}', 'application/json', 'one; two'),
    ('<html><head><title>502 Bad Gateway</title></head><body></body></html>', 'text/html', '502 Bad Gateway'),
    ('plain words\n here', 'text/plain', 'plain words here'),
    ('', 'text/html', ''),
    (None, None, ''),
    ('Size &lt; 5 &amp; more', 'text/html', 'Size < 5 & more'),
    ('{"not": "an error shape", "x": 1}', 'application/json', '{"not": "an error shape", "x": 1}'),
    ('{broken json', 'application/json', '{broken json'),
])
def test_explanation_from_body(body, ctype, expected):
    assert explanation_from_body(body, ctype) == expected


# Bodies made to make backtracking regular expressions take quadratic time: each is 64 KiB, the most the HTTP
# client reads of an error body.
HOSTILE_BODIES = ['<a' * 32768, '<!--' * 16384, '<script>' * 8192, '<title>x' * 8192, '<' + 'a' * 65535,
                  '<br' + ' ' * 65533, '<h1>' + '</h1 ' * 16383]


@pytest.mark.parametrize('body', HOSTILE_BODIES)
def test_a_hostile_html_body_is_explained_in_linear_time(body):
    started = time.monotonic()
    explanation = explanation_from_body(body, 'text/html')
    assert time.monotonic() - started < 0.5
    assert len(explanation) <= 2003


def test_only_the_start_of_a_huge_body_is_looked_at():
    started = time.monotonic()
    assert explanation_from_body('<p>why</p>' + '<a' * 5000000, 'text/html').startswith('why <a<a')
    assert time.monotonic() - started < 0.5


def test_explanation_is_truncated():
    text = explanation_from_body('x' * 10000, 'text/plain')
    assert len(text) < 2100 and text.endswith('...')


def test_str_reads_like_status_method_url_explanation():
    err = Forbidden(method='PATCH', url='http://g/v2/images/ID', status=403,
                    explanation=explanation_from_body(GLANCE_403_HTML, 'text/html'))
    assert str(err) == ('403 Forbidden for PATCH http://g/v2/images/ID: '
                        'You are not authorized to complete publicize_image action.')
    assert err.message == str(err)
    assert err.reason == 'Forbidden'
    assert err.status == 403


def test_status_defaults_from_class_and_reason_override():
    err = NotFound(method='GET', url='http://g/x')
    assert err.status == 404
    assert str(err) == '404 Not Found for GET http://g/x'
    err = ApiError(method='GET', url='http://g/x', status=418, reason="I'm a teapot")
    assert str(err) == "418 I'm a teapot for GET http://g/x"


def test_exhausted_retries_message():
    err = ServiceUnavailable(method='GET', url='http://g/v2/images', status=503, attempts=5, exhausted=True,
                             explanation='busy')
    assert str(err) == ('503 Service Unavailable for GET http://g/v2/images: '
                        'the service was unavailable after 5 attempts: busy')


def test_connection_and_timeout_errors_have_no_status():
    err = ConnectionFailed(method='POST', url='http://k/v3/auth/tokens', explanation='Connection refused',
                           hint='Cannot reach Keystone: check auth_url (http://k/v3).')
    assert err.status is None
    assert str(err) == ('Connection failed for POST http://k/v3/auth/tokens: Connection refused. '
                        'Cannot reach Keystone: check auth_url (http://k/v3).')
    err = RequestTimeout(method='GET', url='http://g/v2/images', explanation='no answer within 30 seconds')
    assert str(err).startswith('Request timed out for GET http://g/v2/images: no answer')


def test_hint_can_be_added_later():
    err = Unauthorized(method='POST', url='http://k/v3/auth/tokens', explanation='Requires authentication.')
    err.hint = 'Check the password.'
    assert str(err).endswith('Requires authentication. Check the password.')


@pytest.mark.parametrize('status, cls', [
    (400, BadRequest), (401, Unauthorized), (403, Forbidden), (404, NotFound), (409, Conflict),
    (413, RequestEntityTooLarge), (415, UnsupportedMediaType), (500, ServerError), (502, ServerError),
    (503, ServiceUnavailable), (504, ServerError), (418, ApiError), (None, ApiError),
])
def test_error_for_status(status, cls):
    assert error_for_status(status) is cls


def test_hierarchy():
    assert issubclass(ServiceUnavailable, ServerError)
    for cls in (BadRequest, Unauthorized, Forbidden, NotFound, Conflict, ServerError, RequestTimeout,
                ConnectionFailed):
        assert issubclass(cls, ApiError)
    assert issubclass(ApiError, GlanceModuleError)
    assert issubclass(ConfigError, GlanceModuleError)
    assert ConfigError('bad').message == 'bad'
