# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.osimg.glance.plugins.modules import glance_image_tag
from ansible_collections.osimg.glance.plugins.module_utils._options import unique
from ansible_collections.osimg.glance.plugins.modules.glance_image_tag import tag_changes
from ansible_collections.osimg.glance.tests.unit.fake_glance import AUTH, IMAGE_URL, PROJECT_ID, run_module

UUID = '5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d'
IMAGE = IMAGE_URL + '/v2/images/' + UUID


@pytest.mark.parametrize('current, tags, state, purge, expected', [
    ([], ['a'], 'present', False, (['a'], [])),
    (['a'], ['a'], 'present', False, ([], [])),
    (['a', 'b'], ['b', 'c', 'c'], 'present', False, (['c'], [])),
    (['a', 'b'], ['b', 'c'], 'present', True, (['c'], ['a'])),
    (['a', 'b'], [], 'present', True, ([], ['a', 'b'])),
    (['a', 'b'], [], 'present', False, ([], [])),
    (['a', 'b'], ['b', 'x'], 'absent', False, ([], ['b'])),
    (['a', 'b'], ['b', 'x'], 'absent', True, ([], ['b'])),  # purge is ignored with absent
    (['a'], ['x'], 'absent', False, ([], [])),
    (None, ['A', 'a'], 'present', False, (['A', 'a'], [])),  # case-sensitive
])
def test_tag_changes(current, tags, state, purge, expected):
    assert tag_changes(current, tags, state, purge) == expected


def test_unique_keeps_first_occurrence_order():
    assert unique(['b', 'a', 'b', 'c', 'a']) == ['b', 'a', 'c']


def image(tags):
    return {'id': UUID, 'name': 'cirros', 'status': 'active', 'tags': tags, 'owner': PROJECT_ID}


def run(args, capsys, diff=False):
    args = dict(args, auth=AUTH)
    if diff:
        args['_ansible_diff'] = True
    return run_module(glance_image_tag.main, args, capsys)


def test_adds_and_purges_with_one_request_per_tag(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=image(['old', 'keep']))
    fake_cloud.add('GET', IMAGE, json_body=image(['keep', 'new']))
    fake_cloud.add('DELETE', IMAGE + '/tags/old', status=204)
    fake_cloud.add('PUT', IMAGE + '/tags/new', status=204)
    rc, result = run({'image': UUID, 'tags': ['keep', 'new'], 'purge': True}, capsys, diff=True)
    assert rc == 0 and result['changed'] is True
    assert result['tags'] == ['keep', 'new']
    assert result['added'] == ['new'] and result['removed'] == ['old']
    assert result['diff'] == {'before': {'tags': ['keep', 'old']}, 'after': {'tags': ['keep', 'new']}}
    assert fake_cloud.paths()[1:] == [
        ('GET', '/v2/images/' + UUID),
        ('DELETE', '/v2/images/%s/tags/old' % UUID),
        ('PUT', '/v2/images/%s/tags/new' % UUID),
        ('GET', '/v2/images/' + UUID),
    ]


def test_tags_are_quoted_as_one_path_segment(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=image([]))
    fake_cloud.add('PUT', IMAGE + '/tags/a%2Fb%20c', status=204)
    rc, result = run({'image': UUID, 'tags': ['a/b c']}, capsys)
    assert rc == 0 and result['changed'] is True
    assert ('PUT', '/v2/images/%s/tags/a%%2Fb%%20c' % UUID) in fake_cloud.paths()


def test_nothing_sent_when_nothing_differs(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=image(['a', 'b']))
    rc, result = run({'image': UUID, 'tags': ['b']}, capsys)
    assert rc == 0 and result['changed'] is False
    assert result['tags'] == ['a', 'b']
    assert [m for m, p in fake_cloud.paths()] == ['POST', 'GET']


def test_check_mode_predicts_and_sends_nothing(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=image(['a', 'b']))
    rc, result = run({'image': UUID, 'tags': ['b', 'z'], 'state': 'absent', '_ansible_check_mode': True}, capsys)
    assert rc == 0 and result['changed'] is True
    assert result['tags'] == ['a'] and result['removed'] == ['b']
    assert [m for m, p in fake_cloud.paths()] == ['POST', 'GET']


def test_empty_tag_is_refused_before_any_request(fake_cloud, capsys):
    rc, result = run({'image': UUID, 'tags': ['ok', ' ']}, capsys)
    assert rc == 1 and 'empty tag' in result['msg']
    assert fake_cloud.requests == []


def test_ambiguous_name_asks_for_the_id(fake_cloud, capsys):
    fake_cloud.add_token()
    twins = [dict(image([]), id='i1'), dict(image([]), id='i2')]
    fake_cloud.add('GET', IMAGE_URL + '/v2/images', json_body={'images': twins})
    fake_cloud.add('GET', IMAGE_URL + '/v2/images', json_body={'images': []})
    rc, result = run({'image': 'cirros', 'tags': ['a']}, capsys)
    assert rc == 1
    assert result['msg'] == "image: 2 images are named 'cirros' (i1, i2); give the id of the one to use."
