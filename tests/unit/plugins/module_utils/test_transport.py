# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fake HTTP transport of tests/unit/fake_glance.py, tested itself."""

import re

import pytest
import requests

from ansible_collections.osimg.glance.tests.unit.fake_glance import IMAGE_URL, FakeTransport, make_client


# -- tests of the fake itself ---------------------------------------------------------------

def test_fake_returns_real_responses():
    client, transport, dummy = make_client()
    transport.add_token()
    transport.add('GET', IMAGE_URL + '/v2/images', json_body={'images': []})
    resp = client.request('GET', '/v2/images')
    assert isinstance(resp, requests.Response)
    assert resp.json() == {'images': []}
    assert transport.paths() == [('POST', '/v3/auth/tokens'), ('GET', '/v2/images')]


def test_fake_queues_responses_in_order_then_repeats():
    transport = FakeTransport()
    transport.add('GET', 'http://x.test/a', status=503).add('GET', 'http://x.test/a', status=200, body=b'ok')
    session = requests.Session()
    session.mount('http://', transport)
    assert session.get('http://x.test/a').status_code == 503
    assert session.get('http://x.test/a').status_code == 200
    assert session.get('http://x.test/a').status_code == 200


def test_fake_regex_routes_and_unexpected_requests():
    transport = FakeTransport()
    transport.add('GET', re.compile(r'^http://x\.test/v2/images/[^/]+$'), json_body={'id': 'x'})
    session = requests.Session()
    session.mount('http://', transport)
    assert session.get('http://x.test/v2/images/abc?q=1').json() == {'id': 'x'}
    with pytest.raises(AssertionError):
        session.get('http://x.test/other')


def test_fake_consumes_streamed_bodies():
    transport = FakeTransport()
    transport.add('PUT', 'http://x.test/file', status=204)
    session = requests.Session()
    session.mount('http://', transport)
    session.put('http://x.test/file', data=(c for c in [b'ab', b'cd']))
    assert transport.bodies == [b'abcd']
