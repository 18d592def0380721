# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import json

from ansible_collections.osimg.glance.plugins.modules import glance_image_member, glance_image_member_info
from ansible_collections.osimg.glance.tests.unit.fake_glance import AUTH, AUTH_URL, IMAGE_URL, PROJECT_ID, run_module

UUID = '5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d'
IMAGE = IMAGE_URL + '/v2/images/' + UUID
ALT = 'a' * 32
OWNER_IMAGE = {'id': UUID, 'name': 'cirros', 'status': 'active', 'visibility': 'shared', 'owner': PROJECT_ID}
SHARED_WITH_ME = dict(OWNER_IMAGE, owner='o' * 32)


def member(status='pending', member_id=ALT):
    return {'member_id': member_id, 'image_id': UUID, 'status': status, 'created_at': 't0', 'updated_at': 't1',
            'schema': '/v2/schemas/member'}


def run(main, args, capsys, check=False):
    args = dict(args, auth=AUTH, _ansible_diff=True)
    if check:
        args['_ansible_check_mode'] = True
    return run_module(main, args, capsys)


def writes(transport):
    return [(r.method, r.path_url, transport.bodies[i]) for i, r in enumerate(transport.requests)
            if r.method in ('POST', 'PUT', 'DELETE') and '/auth/tokens' not in r.url]


def owner_routes(fake_cloud, current=None, image=None):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=image or OWNER_IMAGE)
    fake_cloud.add('GET', AUTH_URL + '/projects/' + ALT, json_body={'project': {'id': ALT, 'name': 'alt'}})
    if current is None:
        fake_cloud.add('GET', IMAGE + '/members/' + ALT, status=404)
    else:
        fake_cloud.add('GET', IMAGE + '/members/' + ALT, json_body=current)


def test_owner_adds_member(fake_cloud, capsys):
    owner_routes(fake_cloud)
    fake_cloud.add('POST', IMAGE + '/members', json_body=member())
    rc, result = run(glance_image_member.main, {'image': UUID, 'member': ALT}, capsys)
    assert rc == 0 and result['changed'] is True
    assert result['member']['status'] == 'pending'
    assert result['diff'] == {'before': {}, 'after': {'member_id': ALT, 'status': 'pending'}}
    assert [(m, p, json.loads(b)) for m, p, b in writes(fake_cloud)] == [
        ('POST', '/v2/images/%s/members' % UUID, {'member': ALT})]


def test_owner_add_is_idempotent(fake_cloud, capsys):
    owner_routes(fake_cloud, current=member('accepted'))
    rc, result = run(glance_image_member.main, {'image': UUID, 'member': ALT}, capsys)
    assert rc == 0 and result['changed'] is False
    assert result['member']['status'] == 'accepted'
    assert writes(fake_cloud) == []


def test_owner_add_of_a_member_id_already_there_asks_keystone_nothing(fake_cloud, capsys):
    owner_routes(fake_cloud, current=member('accepted'))
    rc, result = run(glance_image_member.main, {'image': UUID, 'member': ALT}, capsys)
    assert rc == 0 and result['changed'] is False
    assert [r.path_url for r in fake_cloud.requests] == ['/v3/auth/tokens', '/v2/images/' + UUID,
                                                         '/v2/images/%s/members/%s' % (UUID, ALT)]


def test_owner_add_of_a_new_member_id_checks_it_with_keystone_once(fake_cloud, capsys):
    owner_routes(fake_cloud)
    fake_cloud.add('POST', IMAGE + '/members', json_body=member())
    rc, result = run(glance_image_member.main, {'image': UUID, 'member': ALT}, capsys)
    assert rc == 0 and result['changed'] is True
    assert [r.path_url for r in fake_cloud.requests] == ['/v3/auth/tokens', '/v2/images/' + UUID,
                                                         '/v2/images/%s/members/%s' % (UUID, ALT),
                                                         '/v3/projects/' + ALT, '/v2/images/%s/members' % UUID]


def test_owner_add_in_check_mode_sends_nothing(fake_cloud, capsys):
    owner_routes(fake_cloud)
    rc, result = run(glance_image_member.main, {'image': UUID, 'member': ALT}, capsys, check=True)
    assert rc == 0 and result['changed'] is True
    assert result['member'] == {'member_id': ALT, 'image_id': UUID, 'status': 'pending'}
    assert writes(fake_cloud) == []


def test_owner_removes_member(fake_cloud, capsys):
    owner_routes(fake_cloud, current=member())
    fake_cloud.add('DELETE', IMAGE + '/members/' + ALT, status=204)
    rc, result = run(glance_image_member.main, {'image': UUID, 'member': ALT, 'state': 'absent'}, capsys)
    assert rc == 0 and result['changed'] is True and result['member'] == {}
    assert result['diff'] == {'before': {'member_id': ALT, 'status': 'pending'}, 'after': {}}
    assert [(m, p) for m, p, b in writes(fake_cloud)] == [('DELETE', '/v2/images/%s/members/%s' % (UUID, ALT))]


def test_owner_remove_absent_member_is_a_noop(fake_cloud, capsys):
    owner_routes(fake_cloud)
    rc, result = run(glance_image_member.main, {'image': UUID, 'member': ALT, 'state': 'absent'}, capsys)
    assert rc == 0 and result['changed'] is False
    assert writes(fake_cloud) == []


def test_private_image_says_visibility_shared_fixes_it(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=dict(OWNER_IMAGE, visibility='private'))
    rc, result = run(glance_image_member.main, {'image': UUID, 'member': ALT}, capsys)
    assert rc == 1
    assert 'has visibility private' in result['msg'] and 'visibility: shared' in result['msg']
    assert writes(fake_cloud) == []


def test_member_name_needs_admin_or_an_id(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=OWNER_IMAGE)
    fake_cloud.add('GET', AUTH_URL + '/projects', status=403, json_body={'error': {'code': 403, 'message': 'no'}})
    fake_cloud.add('GET', AUTH_URL + '/auth/projects', json_body={'projects': [{'id': PROJECT_ID, 'name': 'demo'}]})
    rc, result = run(glance_image_member.main, {'image': UUID, 'member': 'alt'}, capsys)
    assert rc == 1
    assert "no project named 'alt'" in result['msg'] and 'give the project id' in result['msg']


def test_ambiguous_project_name(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=OWNER_IMAGE)
    projects = [{'id': 'p1', 'name': 'alt'}, {'id': 'p2', 'name': 'alt'}]
    fake_cloud.add('GET', AUTH_URL + '/projects', json_body={'projects': projects})
    rc, result = run(glance_image_member.main, {'image': UUID, 'member': 'alt'}, capsys)
    assert rc == 1 and "2 projects are named 'alt' (p1, p2)" in result['msg']


def test_owner_cannot_set_status(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=OWNER_IMAGE)
    fake_cloud.add('GET', AUTH_URL + '/projects/' + ALT, json_body={'project': {'id': ALT}})
    rc, result = run(glance_image_member.main, {'image': UUID, 'member': ALT, 'status': 'accepted'}, capsys)
    assert rc == 1
    assert 'credentials of the member project %s' % ALT in result['msg']
    assert writes(fake_cloud) == []


def consumer_routes(fake_cloud, current):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=SHARED_WITH_ME)
    if current is None:
        fake_cloud.add('GET', IMAGE + '/members/' + PROJECT_ID, status=404)
    else:
        fake_cloud.add('GET', IMAGE + '/members/' + PROJECT_ID, json_body=current)


def test_consumer_accepts_for_its_own_project(fake_cloud, capsys):
    consumer_routes(fake_cloud, member('pending', PROJECT_ID))
    fake_cloud.add('PUT', IMAGE + '/members/' + PROJECT_ID, json_body=member('accepted', PROJECT_ID))
    rc, result = run(glance_image_member.main, {'image': UUID, 'status': 'accepted'}, capsys)
    assert rc == 0 and result['changed'] is True
    assert result['member']['status'] == 'accepted'
    assert result['diff']['before']['status'] == 'pending' and result['diff']['after']['status'] == 'accepted'
    assert [(m, p, json.loads(b)) for m, p, b in writes(fake_cloud)] == [
        ('PUT', '/v2/images/%s/members/%s' % (UUID, PROJECT_ID), {'status': 'accepted'})]


def test_consumer_status_is_idempotent_and_check_mode_writes_nothing(fake_cloud, capsys):
    consumer_routes(fake_cloud, member('accepted', PROJECT_ID))
    rc, result = run(glance_image_member.main, {'image': UUID, 'status': 'accepted'}, capsys)
    assert rc == 0 and result['changed'] is False
    rc, result = run(glance_image_member.main, {'image': UUID, 'status': 'rejected'}, capsys, check=True)
    assert rc == 0 and result['changed'] is True and result['member']['status'] == 'rejected'
    assert writes(fake_cloud) == []


def test_consumer_not_a_member_says_owner_must_add_it(fake_cloud, capsys):
    consumer_routes(fake_cloud, None)
    rc, result = run(glance_image_member.main, {'image': UUID, 'status': 'accepted'}, capsys)
    assert rc == 1 and 'its owner must add the member first' in result['msg']


def test_status_with_state_absent_is_refused_before_any_request(fake_cloud, capsys):
    rc, result = run(glance_image_member.main, {'image': UUID, 'status': 'accepted', 'state': 'absent'}, capsys)
    assert rc == 1 and 'status cannot be combined with state: absent' in result['msg']
    assert fake_cloud.requests == []


def test_info_lists_sorted_members(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=OWNER_IMAGE)
    fake_cloud.add('GET', IMAGE + '/members', json_body={'members': [member('pending', 'b' * 32), member('accepted')]})
    rc, result = run(glance_image_member_info.main, {'image': UUID}, capsys)
    assert rc == 0 and result['changed'] is False
    assert [m['member_id'] for m in result['members']] == [ALT, 'b' * 32]


def test_info_private_image_has_no_members(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=dict(OWNER_IMAGE, visibility='private'))
    rc, result = run(glance_image_member_info.main, {'image': UUID}, capsys)
    assert rc == 0 and result['members'] == []
    assert len(fake_cloud.requests) == 2


def test_info_one_member_not_found_is_empty(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE, json_body=OWNER_IMAGE)
    fake_cloud.add('GET', AUTH_URL + '/projects/' + ALT, status=403, json_body={'error': {'code': 403}})
    fake_cloud.add('GET', IMAGE + '/members/' + ALT, status=404)
    rc, result = run(glance_image_member_info.main, {'image': UUID, 'member': ALT}, capsys)
    assert rc == 0 and result['members'] == []
