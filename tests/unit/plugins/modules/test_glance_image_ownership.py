# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""glance_image in a shared cloud: other projects' images, concurrent runs, replacements and broken images."""

import calendar
import email.utils
import json
import re
import time

from ansible_collections.osimg.glance.plugins.modules import glance_image_member, glance_image_tag
from ansible_collections.osimg.glance.tests.unit.fake_glance import (
    AUTH,
    IMAGE_ID,
    IMAGE_URL,
    IMAGES,
    ONE_IMAGE,
    PROJECT_ID,
    active_image,
    lookup_returns,
    make_response,
    run_image_module,
    run_module,
    warning_texts,
    writes,
)

run = run_image_module
OTHER_PROJECT = 'o' * 32
OTHER_ID = '0a0e0000-0000-4000-8000-000000000000'
RIVAL_ID = '00000000-0000-4000-8000-00000000aaaa'
FILE = re.compile(re.escape(IMAGES) + r'/[0-9a-f-]{36}/file$')


def others_image(**extra):
    """A same-named image of another project: a pending share, or a community image."""
    return active_image(id=OTHER_ID, owner=OTHER_PROJECT, **extra)


def queued_echo(created_at='2026-12-01T10:00:05Z'):
    def on_create(request):
        body = dict(json.loads(request.body), status='queued', size=None, checksum=None, os_hash_algo=None,
                    os_hash_value=None, protected=False, owner=PROJECT_ID, os_hidden=False, created_at=created_at)
        body.setdefault('tags', [])
        return make_response(request, 201, json.dumps(body).encode(), {'Content-Type': 'application/json'})
    return on_create


def test_same_named_image_of_another_project_is_never_adopted(fake_cloud, capsys):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, others_image(visibility='community'))
    fake_cloud.add('POST', IMAGES, func=queued_echo())
    fake_cloud.add('GET', ONE_IMAGE, json_body=active_image(status='queued', size=None))
    rc, result = run({'name': 'cirros', 'min_ram': 512}, capsys)
    assert rc == 0, result
    assert result['changed'] is True
    # Nothing was sent to the other project's image; ours was created, and the warning names theirs.
    assert not [w for w in writes(fake_cloud) if OTHER_ID in w[1]]
    assert ('POST', '/v2/images') in writes(fake_cloud)
    assert any(OTHER_ID in text and OTHER_PROJECT in text for text in warning_texts(result))


def test_absent_by_name_never_deletes_another_projects_image(fake_cloud, capsys):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, others_image())
    rc, result = run({'name': 'cirros', 'state': 'absent'}, capsys)
    assert rc == 0, result
    assert result['changed'] is False
    assert writes(fake_cloud) == []


def test_a_refused_client_chosen_id_is_never_adopted_nor_deleted(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES + '/' + IMAGE_ID, status=404)
    fake_cloud.add('POST', IMAGES, status=409, body='Image with identifier %s already exists!' % IMAGE_ID)
    rc, result = run({'id': IMAGE_ID, 'name': 'cirros'}, capsys)
    assert rc == 1
    assert 'did not create' in result['msg'] and 'choose another id' in result['msg']
    assert writes(fake_cloud) == [('POST', '/v2/images')]


def test_a_run_that_finds_an_older_rival_deletes_its_own_image_and_adopts_the_rival(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)  # nothing when the run looked
    fake_cloud.add('POST', IMAGES, func=queued_echo(created_at='2026-12-01T10:00:05Z'))
    # ...but another run of the same task created one a second earlier, and has put the data in it.
    rival = active_image(id=RIVAL_ID, created_at='2026-12-01T10:00:04Z')
    fake_cloud.add('GET', IMAGES, json_body={'images': [rival]})
    fake_cloud.add('DELETE', ONE_IMAGE, status=204)
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2'}, capsys)
    assert rc == 0, result
    assert result['image']['id'] == RIVAL_ID
    assert result['changed'] is False
    deleted = [w for w in writes(fake_cloud) if w[0] == 'DELETE']
    assert len(deleted) == 1 and RIVAL_ID not in deleted[0][1]
    # No data was sent to the image this run gave up.
    assert not [w for w in writes(fake_cloud) if w[0] == 'PUT']


def test_the_oldest_image_keeps_its_data_when_a_younger_rival_exists(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_cloud.add('POST', IMAGES, func=queued_echo(created_at='2026-12-01T10:00:04Z'))
    younger = active_image(id='ffffffff-0000-4000-8000-000000000000', created_at='2026-12-01T10:00:05Z')
    fake_cloud.add('GET', IMAGES, json_body={'images': [younger]})
    fake_cloud.add('PUT', FILE, status=204)
    fake_cloud.add('GET', ONE_IMAGE, json_body=active_image())
    fake_cloud.add('PATCH', ONE_IMAGE, json_body=active_image())
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2'}, capsys)
    assert rc == 0, result
    assert result['changed'] is True
    assert not [w for w in writes(fake_cloud) if w[0] == 'DELETE']


def glance_clock(transport, now):
    """Glance's clock: every answer carries the Date clock['now'] (seconds since the epoch)."""
    clock = {'now': now}
    send = transport.send

    def dated(request, **kwargs):
        resp = send(request, **kwargs)
        resp.headers['Date'] = email.utils.formatdate(clock['now'], usegmt=True)
        return resp

    transport.send = dated
    return clock


def test_a_run_keeps_its_image_only_once_the_second_it_was_created_in_is_over(fake_cloud, capsys, image_file):
    """created_at has whole seconds: a rival created later in the same second, with a smaller id, sorts first."""
    created = int(time.time())  # the image is created now: the local clock does not tell the second is over
    stamp = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(created))
    clock = glance_clock(fake_cloud, created)
    fake_cloud.add_token()
    fake_cloud.add('POST', IMAGES, func=queued_echo(created_at=stamp))
    fake_cloud.add('PUT', FILE, status=204)
    mine = active_image(created_at=stamp)
    fake_cloud.add('GET', ONE_IMAGE, json_body=mine)
    fake_cloud.add('PATCH', ONE_IMAGE, json_body=mine)
    fake_cloud.add('DELETE', ONE_IMAGE, status=204)
    rival = active_image(id=RIVAL_ID, created_at=stamp, properties=None)
    listings = []

    def listing(request):
        listings.append(request.url)
        # Lookup (visible, hidden), the look before the upload and the first one after it: all in that second.
        # Then the other run's image shows up, and Glance's clock moves on.
        if len(listings) >= 5:
            clock['now'] = created + 1
        images = [rival] if len(listings) >= 5 else []
        return make_response(request, 200, json.dumps({'images': images}).encode(),
                             {'Content-Type': 'application/json'})

    fake_cloud.add('GET', IMAGES, func=listing)
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2'}, capsys)
    assert rc == 0, result
    assert result['image']['id'] == RIVAL_ID
    deleted = [w for w in writes(fake_cloud) if w[0] == 'DELETE']
    assert len(deleted) == 1 and RIVAL_ID not in deleted[0][1]


def test_an_image_created_seconds_ago_is_adopted_without_waiting(fake_cloud, capsys):
    glance_clock(fake_cloud, calendar.timegm((2026, 12, 1, 10, 0, 7)))
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(created_at='2026-12-01T10:00:05Z'))
    rc, result = run({'name': 'cirros'}, capsys)
    assert rc == 0, result
    assert result['changed'] is False
    assert [r.method for r in fake_cloud.requests if '/auth/' not in r.path_url] == ['GET']


def old_shared_image():
    return active_image(id=RIVAL_ID, visibility='shared', size=1, checksum='0' * 32, os_hash_value='0' * 128)


def replace_setup(fake_cloud, old_delete_status):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, old_shared_image())
    fake_cloud.add('GET', IMAGES + '/' + RIVAL_ID + '/members',
                   json_body={'members': [{'member_id': 'm' * 32, 'status': 'accepted'}]})
    fake_cloud.add('POST', IMAGES, func=queued_echo())
    fake_cloud.add('PUT', FILE, status=204)
    fake_cloud.add('POST', re.compile(re.escape(IMAGES) + r'/[0-9a-f-]{36}/members$'),
                   json_body={'member_id': 'm' * 32, 'status': 'pending'})
    fake_cloud.add('GET', ONE_IMAGE, json_body=active_image())
    fake_cloud.add('PATCH', ONE_IMAGE, json_body=active_image())
    fake_cloud.add('DELETE', IMAGES + '/' + RIVAL_ID, status=old_delete_status)


def test_replace_shares_the_new_image_with_the_old_ones_members(fake_cloud, capsys, image_file):
    replace_setup(fake_cloud, 204)
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2',
                      'on_data_change': 'replace'}, capsys)
    assert rc == 0, result
    assert result['replaced_image_id'] == RIVAL_ID
    added = [json.loads(r.body) for r in fake_cloud.requests if r.method == 'POST' and r.path_url.endswith('/members')]
    assert added == [{'member': 'm' * 32}]


def test_replace_treats_an_old_image_already_gone_as_deleted(fake_cloud, capsys, image_file):
    replace_setup(fake_cloud, 404)
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2',
                      'on_data_change': 'replace'}, capsys)
    assert rc == 0, result
    assert result['replaced_image_id'] == RIVAL_ID


def test_replace_that_cannot_delete_the_old_image_reports_the_new_one(fake_cloud, capsys, image_file):
    replace_setup(fake_cloud, 403)
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2',
                      'on_data_change': 'replace'}, capsys)
    assert rc == 1
    assert result['image']['id'] == IMAGE_ID and result['replaced_image_id'] == RIVAL_ID
    assert IMAGE_ID in result['msg'] and 'delete it by hand' in result['msg']


def test_a_killed_image_is_never_reported_as_converged(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(status='killed'))
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2'}, capsys)
    assert rc == 1
    assert 'killed' in result['msg'] and 'on_data_change: replace' in result['msg']
    assert writes(fake_cloud) == []


def test_a_killed_image_is_replaced_when_asked(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    killed = active_image(id=RIVAL_ID, status='killed', visibility='private')
    lookup_returns(fake_cloud, killed)
    fake_cloud.add('POST', IMAGES, func=queued_echo())
    fake_cloud.add('PUT', FILE, status=204)
    fake_cloud.add('GET', ONE_IMAGE, json_body=active_image())
    fake_cloud.add('PATCH', ONE_IMAGE, json_body=active_image())
    fake_cloud.add('DELETE', IMAGES + '/' + RIVAL_ID, status=204)
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2',
                      'on_data_change': 'replace'}, capsys)
    assert rc == 0, result
    assert result['replaced_image_id'] == RIVAL_ID and result['image']['status'] == 'active'


def test_an_image_whose_delete_fails_is_protected_again(fake_cloud, capsys):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(protected=True))
    fake_cloud.add('PATCH', IMAGES + '/' + IMAGE_ID, json_body=active_image())
    fake_cloud.add('DELETE', IMAGES + '/' + IMAGE_ID, status=403)
    rc, result = run({'name': 'cirros', 'state': 'absent', 'protected': False}, capsys)
    assert rc == 1
    patches = [json.loads(r.body) for r in fake_cloud.requests if r.method == 'PATCH']
    assert patches == [[{'op': 'replace', 'path': '/protected', 'value': False}],
                       [{'op': 'replace', 'path': '/protected', 'value': True}]]
    assert 'protected again' in result['msg']


def test_tags_by_name_go_only_to_the_projects_own_image(fake_cloud, capsys):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)  # the project's own images: none
    lookup_returns(fake_cloud, others_image())  # every visible image: another project's
    rc, result = run_module(glance_image_tag.main, {'auth': AUTH, 'image': 'cirros', 'tags': ['x']}, capsys)
    assert rc == 1
    assert OTHER_ID in result['msg'] and 'left alone' in result['msg']
    assert writes(fake_cloud) == []


def test_a_member_accepts_a_pending_share_by_name(fake_cloud, capsys):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, others_image(visibility='shared'))
    fake_cloud.add('GET', IMAGES + '/' + OTHER_ID + '/members/' + PROJECT_ID,
                   json_body={'member_id': PROJECT_ID, 'status': 'pending'})
    fake_cloud.add('PUT', IMAGES + '/' + OTHER_ID + '/members/' + PROJECT_ID,
                   json_body={'member_id': PROJECT_ID, 'status': 'accepted'})
    rc, result = run_module(glance_image_member.main, {'auth': AUTH, 'image': 'cirros', 'status': 'accepted'}, capsys)
    assert rc == 0, result
    assert result['changed'] is True and result['member']['status'] == 'accepted'


def test_a_run_whose_upload_meets_another_runs_upload_waits_for_it_instead_of_deleting(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_cloud.add('POST', IMAGES, func=queued_echo())
    # Another run of the task found this queued image and is uploading into it: Glance refuses the second upload.
    fake_cloud.add('PUT', FILE, status=409, body='Image status transition from saving to saving is not allowed')
    fake_cloud.add('GET', ONE_IMAGE, json_body=active_image())
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2'}, capsys)
    assert rc == 0, result
    assert result['image']['status'] == 'active'
    assert not [w for w in writes(fake_cloud) if w[0] == 'DELETE']


def test_a_full_quota_fails_before_the_image_is_created(fake_cloud, capsys, tmp_path):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_cloud.add('GET', IMAGE_URL + '/v2/info/usage', json_body={'usage': {
        'image_size_total': {'usage': 9, 'limit': 10}, 'image_count_total': {'usage': 1, 'limit': 100},
        'image_stage_total': {'usage': 0, 'limit': -1}, 'image_count_uploading': {'usage': 0, 'limit': -1}}})
    big = tmp_path / 'big.raw'
    big.write_bytes(b'\0' * (3 * 1024 * 1024))
    rc, result = run({'name': 'cirros', 'filename': str(big), 'disk_format': 'raw'}, capsys)
    assert rc == 1
    assert 'quota' in result['msg'] and 'image_size_total' in result['msg']
    assert writes(fake_cloud) == []
