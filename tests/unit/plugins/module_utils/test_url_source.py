# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""An image source URL is fetched with its own TLS settings, never the cloud's, and its password never shows."""

import socket
import threading

import pytest
import requests

from ansible_collections.osimg.glance.plugins.module_utils import _image_data
from ansible_collections.osimg.glance.plugins.module_utils._image_data import (
    DataError,
    open_url,
    redact_url,
    source_verify,
    url_password,
)
from ansible_collections.osimg.glance.plugins.module_utils._image_request import ImageRequest, image_argument_spec


def params(**given):
    values = dict((option, spec.get('default')) for option, spec in image_argument_spec().items())
    values.update(given)
    return values


@pytest.mark.parametrize('url, shown', [
    ('https://user:s3cret@images.example.org/a.qcow2', 'https://***@images.example.org/a.qcow2'),
    ('https://images.example.org/a.qcow2?x=1', 'https://images.example.org/a.qcow2?x=1'),
    ('http://token@host:8080/p', 'http://***@host:8080/p'),
])
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_url_password():
    assert url_password('https://user:s3cret@h/a') == 's3cret'
    assert url_password('https://h/a') is None


def test_source_tls_settings_are_the_sources_own():
    # The cloud's validate_certs: false (a test cloud) is not an option of the request: the source verifies.
    request = ImageRequest(params(name='x', url='https://images.example.org/a.qcow2', validate_certs=False))
    assert request.source_verify is True
    assert ImageRequest(params(name='x', url='https://h/a', url_ca_cert='/etc/ca.pem')).source_verify == '/etc/ca.pem'
    assert ImageRequest(params(name='x', url='https://h/a', url_validate_certs=False)).source_verify is False
    assert source_verify(True, None) is True


def test_a_password_in_url_is_a_secret_of_the_request():
    assert ImageRequest(params(name='x', url='https://u:pw-in-url@h/a')).secrets == ['pw-in-url']


def test_open_url_never_sends_the_clouds_client_certificate(monkeypatch):
    seen = {}

    def fake_get(url, **kwargs):
        seen.update(kwargs)
        raise requests.ConnectionError('refused')

    monkeypatch.setattr(_image_data.requests, 'get', fake_get)
    with pytest.raises(DataError):
        open_url('https://h/a', verify='/etc/ca.pem', timeout=5)
    assert seen['cert'] is None and seen['verify'] == '/etc/ca.pem'


def closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_a_failed_fetch_never_shows_the_password():
    url = 'http://someone:pw-in-url@127.0.0.1:%d/image.qcow2' % closed_port()
    with pytest.raises(DataError) as exc:
        open_url(url, timeout=2)
    assert 'pw-in-url' not in str(exc.value)
    assert '***@127.0.0.1' in str(exc.value)


def test_a_refused_answer_never_shows_the_password():
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(1)

    def answer():
        conn, dummy = server.accept()
        conn.recv(65536)
        conn.sendall(b'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
        conn.close()

    thread = threading.Thread(target=answer)
    thread.start()
    try:
        with pytest.raises(DataError) as exc:
            open_url('http://someone:pw-in-url@127.0.0.1:%d/image.qcow2' % server.getsockname()[1], timeout=5)
    finally:
        thread.join(5)
        server.close()
    assert '404' in str(exc.value) and 'pw-in-url' not in str(exc.value)
