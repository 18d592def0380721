# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The requests a glance_image no-op costs: only what Glance must answer."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.osimg.glance.tests.unit.fake_glance import (
    AUTH,
    AUTH_URL,
    IMAGE_URL,
    PROJECT_ID,
    active_image,
    lookup_returns,
    run_image_module,
    writes,
)

NOOP = {'name': 'cirros', 'disk_format': 'qcow2', 'min_ram': 0, 'tags': [], 'visibility': 'shared'}


def sent(transport, start=0):
    return [(r.method, r.url.split('?')[0]) for r in transport.requests[start:]]


def test_a_noop_with_a_password_is_one_token_and_one_lookup(fake_cloud, capsys):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image())
    rc, result = run_image_module(NOOP, capsys)
    assert rc == 0 and result['changed'] is False
    assert sent(fake_cloud) == [('POST', AUTH_URL + '/auth/tokens'), ('GET', IMAGE_URL + '/v2/images')]


def test_a_noop_on_a_hidden_image_looks_among_hidden_images_too(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE_URL + '/v2/images', json_body={'images': []})
    fake_cloud.add('GET', IMAGE_URL + '/v2/images', json_body={'images': [active_image(os_hidden=True)]})
    rc, result = run_image_module(dict(NOOP, hidden=True), capsys)
    assert rc == 0 and result['changed'] is False
    assert [r.url.count('os_hidden=true') for r in fake_cloud.requests[1:]] == [0, 1]


def test_with_cache_auth_the_next_noops_are_one_request(fake_cloud, capsys):
    cloud = {'auth': AUTH, 'cache': {'auth': True}}
    for run in range(3):
        start = len(fake_cloud.requests)
        fake_cloud.routes = []
        fake_cloud.add_token()
        lookup_returns(fake_cloud, active_image())
        rc, result = run_image_module(dict(NOOP, cloud=cloud, auth=None), capsys)
        assert rc == 0 and result['changed'] is False
        expected = [('GET', IMAGE_URL + '/v2/images')]
        if run == 0:
            expected.insert(0, ('POST', AUTH_URL + '/auth/tokens'))
        assert sent(fake_cloud, start) == expected
    assert writes(fake_cloud) == []


def test_with_a_given_token_a_noop_is_one_request(fake_cloud, capsys):
    lookup_returns(fake_cloud, active_image())
    rc, result = run_image_module(dict(NOOP, auth_type='token', image_endpoint=IMAGE_URL,
                                       auth={'auth_url': AUTH_URL, 'token': 'play-token', 'project_id': PROJECT_ID}),
                                  capsys)
    assert rc == 0 and result['changed'] is False
    assert sent(fake_cloud) == [('GET', IMAGE_URL + '/v2/images')]
    assert fake_cloud.requests[0].headers['X-Auth-Token'] == 'play-token'
