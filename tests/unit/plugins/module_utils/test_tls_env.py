# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""TLS settings against an HTTPS server on loopback: REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE never override an
explicit ca_cert or validate_certs: false."""

import datetime
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._config import resolve_cloud_config
from ansible_collections.osimg.glance.plugins.module_utils._errors import ConnectionFailed
from ansible_collections.osimg.glance.plugins.module_utils._http import HttpClient

x509 = pytest.importorskip('cryptography.x509')
hashes = pytest.importorskip('cryptography.hazmat.primitives.hashes')
serialization = pytest.importorskip('cryptography.hazmat.primitives.serialization')
ec = pytest.importorskip('cryptography.hazmat.primitives.asymmetric.ec')
NameOID = x509.oid.NameOID
pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")


def self_signed(directory, name):
    """(certificate path, key path) of a self-signed certificate for 127.0.0.1."""
    import ipaddress
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / (name + '.pem'), directory / (name + '.key')
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


class Images(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def do_GET(self):
        data = json.dumps({'images': []}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope='module')
def tls(tmp_path_factory):
    directory = tmp_path_factory.mktemp('tls')
    server_cert, server_key = self_signed(directory, 'server')
    other_cert, dummy = self_signed(directory, 'other')
    server = ThreadingHTTPServer(('127.0.0.1', 0), Images)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_cert, server_key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    yield {'url': 'https://127.0.0.1:%d' % server.server_address[1], 'ca': server_cert, 'other_ca': other_cert}
    server.shutdown()
    server.server_close()


def list_images(tls, **params):
    config = resolve_cloud_config(dict(params, auth_type='none', image_endpoint=tls['url']), environ={},
                                  cwd='/nonexistent', home='/nonexistent')
    return HttpClient(config, sleep=lambda seconds: None).get_json('/v2/images')


@pytest.mark.parametrize('variable', ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
def test_validate_certs_false_wins_over_a_ca_bundle_variable(tls, monkeypatch, variable):
    monkeypatch.setenv(variable, tls['other_ca'])
    assert list_images(tls, validate_certs=False) == {'images': []}


@pytest.mark.parametrize('variable', ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
def test_ca_cert_wins_over_a_ca_bundle_variable(tls, monkeypatch, variable):
    monkeypatch.setenv(variable, tls['other_ca'])
    assert list_images(tls, ca_cert=tls['ca']) == {'images': []}


def test_a_ca_bundle_variable_applies_when_nothing_is_set(tls, monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', tls['ca'])
    assert list_images(tls) == {'images': []}
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', tls['other_ca'])
    with pytest.raises(ConnectionFailed, match='TLS error'):
        list_images(tls)


def test_proxy_variables_still_apply(tls, monkeypatch):
    """trust_env stays on: a proxy variable is used (here one that refuses connections)."""
    monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:9')
    monkeypatch.delenv('NO_PROXY', raising=False)
    monkeypatch.delenv('no_proxy', raising=False)
    with pytest.raises(ConnectionFailed):
        list_images(tls, validate_certs=False)
