# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.osimg.glance.plugins.modules import glance_image_cache, glance_image_cache_info
from ansible_collections.osimg.glance.plugins.modules.glance_image_cache import predict
from ansible_collections.osimg.glance.tests.unit.fake_glance import AUTH, IMAGE_URL, PROJECT_ID, run_module

A = '5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d'
B = '9b3d4a92-7bd1-4a0d-9a43-6b4d1c2f0e11'
C = 'd41941f8-b16d-4d48-b92d-df87b06172f5'
CACHE = IMAGE_URL + '/v2/cache'


def entry(image_id):
    return {'image_id': image_id, 'size': 1048576, 'hits': 0, 'last_accessed': 1.5, 'last_modified': 1.5}


def cache_body(cached=(), queued=()):
    return {'cached_images': [entry(i) for i in cached], 'queued_images': list(queued)}


def image(image_id, status='active', name='img'):
    return {'id': image_id, 'name': name, 'status': status, 'owner': PROJECT_ID, 'visibility': 'private'}


def run(args, capsys, check_mode=False, diff=False):
    args = dict(args, auth=AUTH)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    return run_module(glance_image_cache.main, args, capsys)


def writes(transport):
    return [(method, path) for method, path in transport.paths() if method in ('PUT', 'DELETE')]


@pytest.mark.parametrize('view, state, ids, target, expected', [
    ({'cached': [A], 'queued': [B]}, 'present', [A, B, C, C], 'all', ([C], [], {'cached': [A], 'queued': [B, C]})),
    ({'cached': [A], 'queued': [B]}, 'present', [A, B], 'all', ([], [], {'cached': [A], 'queued': [B]})),
    ({'cached': [A], 'queued': [B]}, 'absent', [B, C], 'all', ([], [B], {'cached': [A], 'queued': []})),
    ({'cached': [A], 'queued': []}, 'absent', [C], 'all', ([], [], {'cached': [A], 'queued': []})),
    ({'cached': [A], 'queued': [B]}, 'empty', [], 'all', ([], [A, B], {'cached': [], 'queued': []})),
    ({'cached': [A], 'queued': [B]}, 'empty', [], 'cached', ([], [A], {'cached': [], 'queued': [B]})),
    ({'cached': [A], 'queued': [B]}, 'empty', [], 'queued', ([], [B], {'cached': [A], 'queued': []})),
    ({'cached': [A], 'queued': []}, 'empty', [], 'queued', ([], [], {'cached': [A], 'queued': []})),
])
def test_predict(view, state, ids, target, expected):
    assert predict(view, state, ids, target) == expected


def test_present_queues_only_what_is_neither_cached_nor_queued(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', CACHE, json_body=cache_body(cached=[A]))
    fake_cloud.add('GET', CACHE, json_body=cache_body(cached=[A, B]))  # the re-read after the write
    fake_cloud.add('GET', IMAGE_URL + '/v2/images/' + A, json_body=image(A))
    fake_cloud.add('GET', IMAGE_URL + '/v2/images/' + B, json_body=image(B))
    fake_cloud.add('PUT', CACHE + '/' + B, status=202)
    rc, result = run({'images': [A, B]}, capsys, diff=True)
    assert rc == 0 and result['changed'] is True
    assert result['queued'] == [B] and result['removed'] == []
    assert result['image_ids'] == [A, B]
    assert result['cache'] == {'cached': [A, B], 'queued': []}
    assert result['diff'] == {'before': {'cached': [A], 'queued': []}, 'after': {'cached': [A, B], 'queued': []}}
    assert writes(fake_cloud) == [('PUT', '/v2/cache/' + B)]


def test_present_again_sends_no_write(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', CACHE, json_body=cache_body(cached=[A], queued=[B]))
    fake_cloud.add('GET', IMAGE_URL + '/v2/images/' + A, json_body=image(A))
    fake_cloud.add('GET', IMAGE_URL + '/v2/images/' + B, json_body=image(B))
    rc, result = run({'images': [A, B]}, capsys)
    assert rc == 0 and result['changed'] is False
    assert writes(fake_cloud) == []
    assert result['cache'] == {'cached': [A], 'queued': [B]}


def test_check_mode_predicts_and_sends_no_write(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', CACHE, json_body=cache_body())
    fake_cloud.add('GET', IMAGE_URL + '/v2/images', json_body={'images': [image(A, name='cirros')]})
    rc, result = run({'images': ['cirros']}, capsys, check_mode=True, diff=True)
    assert rc == 0 and result['changed'] is True
    assert result['queued'] == [A]
    assert result['diff']['after'] == {'cached': [], 'queued': [A]}
    assert writes(fake_cloud) == []


def test_present_refuses_an_image_that_is_not_active(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', CACHE, json_body=cache_body())
    fake_cloud.add('GET', IMAGE_URL + '/v2/images/' + A, json_body=image(A, status='queued'))
    rc, result = run({'images': [A]}, capsys)
    assert rc == 1
    assert result['msg'] == "images: image '%s' (%s) is queued; Glance caches active images only." % (A, A)
    assert writes(fake_cloud) == []


def test_absent_removes_a_deleted_image_by_id_without_a_lookup(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', CACHE, json_body=cache_body(cached=[A], queued=[B]))
    fake_cloud.add('GET', CACHE, json_body=cache_body(queued=[B]))
    fake_cloud.add('DELETE', CACHE + '/' + A, status=204)
    rc, result = run({'images': [A], 'state': 'absent'}, capsys)
    assert rc == 0 and result['changed'] is True
    assert result['removed'] == [A]
    assert result['cache'] == {'cached': [], 'queued': [B]}
    assert [p for m, p in fake_cloud.paths() if p.startswith('/v2/images')] == []
    assert writes(fake_cloud) == [('DELETE', '/v2/cache/' + A)]


def test_absent_with_a_name_that_matches_nothing_changes_nothing(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', CACHE, json_body=cache_body(cached=[A]))
    fake_cloud.add('GET', IMAGE_URL + '/v2/images', json_body={'images': []})
    rc, result = run({'images': ['gone'], 'state': 'absent'}, capsys)
    assert rc == 0 and result['changed'] is False
    assert result['image_ids'] == [] and result['removed'] == []
    assert writes(fake_cloud) == []


@pytest.mark.parametrize('target, header', [(None, None), ('all', None), ('cached', 'cache'), ('queued', 'queue')])
def test_empty_clears_the_target_with_one_request(fake_cloud, capsys, target, header):
    fake_cloud.add_token()
    fake_cloud.add('GET', CACHE, json_body=cache_body(cached=[A], queued=[B]))
    fake_cloud.add('DELETE', CACHE, status=204)
    args = {'state': 'empty'}
    if target:
        args['target'] = target
    rc, result = run(args, capsys)
    assert rc == 0 and result['changed'] is True
    assert writes(fake_cloud) == [('DELETE', '/v2/cache')]
    clear = [r for r in fake_cloud.requests if r.method == 'DELETE'][0]
    assert clear.headers.get('x-image-cache-clear-target') == header


def test_empty_on_an_empty_cache_sends_no_write(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', CACHE, json_body=cache_body(cached=[A]))
    rc, result = run({'state': 'empty', 'target': 'queued'}, capsys)
    assert rc == 0 and result['changed'] is False
    assert writes(fake_cloud) == []


@pytest.mark.parametrize('args, message', [
    ({'state': 'present'}, 'state is present but all of the following are missing: images'),
    ({'state': 'empty', 'images': [A]}, 'images: state=empty clears the whole cache and takes no images'),
    ({'images': [A], 'target': 'queued'}, 'target: only state=empty clears a target'),
    ({'images': [A, ' ']}, 'images: an empty image reference was given'),
])
def test_bad_options_are_refused_before_any_request(fake_cloud, capsys, args, message):
    rc, result = run(args, capsys)
    assert rc == 1 and message in result['msg']
    assert fake_cloud.requests == []


def test_a_non_admin_is_told_the_cache_api_is_for_admins(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', CACHE, status=403, body='You are not authorized to complete cache_list action.')
    rc, result = run({'images': [A]}, capsys)
    assert rc == 1 and result['status'] == 403
    assert result['msg'].endswith('The image cache API is for admins by default (policy manage_image_cache).')


def test_info_lists_cached_entries_sorted_and_queued_ids(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', CACHE, json_body=cache_body(cached=[B, A], queued=[C]))
    rc, result = run_module(glance_image_cache_info.main, {'auth': AUTH}, capsys)
    assert rc == 0 and result['changed'] is False
    assert [e['image_id'] for e in result['cached_images']] == [A, B]
    assert result['cached_images'][0] == entry(A)
    assert result['queued_images'] == [C]
