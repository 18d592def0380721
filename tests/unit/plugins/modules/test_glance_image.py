# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""glance_image's main() against the fake transport: the exact requests and patches it sends."""

import json
import re

import pytest

from ansible_collections.osimg.glance.tests.unit.fake_glance import (
    DATA,
    IMAGES,
    IMAGE_ID,
    ONE_IMAGE,
    PROJECT_ID,
    active_image,
    hashes,
    lookup_returns,
    run_image_module,
    sent_json,
    warning_texts,
    writes,
)

run = run_image_module


def test_noop_with_file_is_two_requests_and_no_write(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image())
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2'}, capsys)
    assert rc == 0, result
    assert result['changed'] is False
    assert result['patch'] == []
    assert len(fake_cloud.requests) == 2  # token, one name lookup (no hidden one: found visible)
    assert writes(fake_cloud) == []


def test_update_sends_one_exact_patch(fake_cloud, capsys):
    fake_cloud.add_token()
    current = active_image(hw_cpu_cores='2', hw_disk_bus='ide', tags=['b'])
    lookup_returns(fake_cloud, current)
    updated = active_image(hw_disk_bus='scsi', os_distro='cirros', min_ram=512, tags=['a'])
    fake_cloud.add('PATCH', IMAGES + '/' + IMAGE_ID, json_body=updated)
    rc, result = run({'name': 'cirros', 'min_ram': 512, 'tags': ['a'], 'purge_properties': True,
                      'properties': {'hw_disk_bus': 'scsi', 'os_distro': 'cirros'}}, capsys)
    assert rc == 0, result
    expected = [
        {'op': 'remove', 'path': '/hw_cpu_cores'},
        {'op': 'replace', 'path': '/hw_disk_bus', 'value': 'scsi'},
        {'op': 'replace', 'path': '/min_ram', 'value': 512},
        {'op': 'add', 'path': '/os_distro', 'value': 'cirros'},
        {'op': 'replace', 'path': '/tags', 'value': ['a']},
    ]
    assert result['changed'] is True
    assert result['patch'] == expected
    assert sent_json(fake_cloud, 'PATCH') == [expected]
    patch_request = [r for r in fake_cloud.requests if r.method == 'PATCH'][0]
    assert patch_request.headers['Content-Type'] == 'application/openstack-images-v2.1-json-patch'
    assert result['image'] == updated


def test_check_mode_predicts_and_sends_no_write(fake_cloud, capsys):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image())
    rc, result = run({'name': 'cirros', 'min_ram': 256, 'state': 'deactivated', '_ansible_diff': True}, capsys,
                     check_mode=True)
    assert rc == 0, result
    assert result['changed'] is True
    assert result['patch'] == [{'op': 'replace', 'path': '/min_ram', 'value': 256}]
    assert result['image']['min_ram'] == 256
    assert result['image']['status'] == 'deactivated'
    assert result['diff']['before']['min_ram'] == 0
    assert result['diff']['after']['min_ram'] == 256
    assert writes(fake_cloud) == []


def test_create_uploads_verifies_and_records_hashes(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    created = {}

    def on_create(request):
        from ansible_collections.osimg.glance.tests.unit.fake_glance import make_response
        created.update(json.loads(request.body))
        body = dict(created, status='queued', tags=created.get('tags', []), size=None, checksum=None,
                    os_hash_algo=None, os_hash_value=None, protected=False)
        return make_response(request, 201, json.dumps(body).encode(), {'Content-Type': 'application/json'})

    fake_cloud.add('POST', IMAGES, func=on_create)
    fake_cloud.add('PUT', re.compile(re.escape(IMAGES) + r'/[0-9a-f-]{36}/file$'), status=204)
    sdk_hashes = ('owner_specified.openstack.md5', 'owner_specified.openstack.sha256')
    uploaded = dict((k, v) for k, v in active_image().items() if k not in sdk_hashes)
    final = active_image(protected=True)
    fake_cloud.add('GET', ONE_IMAGE, json_body=uploaded)
    fake_cloud.add('GET', ONE_IMAGE, json_body=final)
    fake_cloud.add('PATCH', ONE_IMAGE, json_body=final)
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2', 'protected': True,
                      'properties': {'hw_cpu_cores': 2}, 'tags': ['x']}, capsys)
    assert rc == 0, result
    assert result['changed'] is True
    # The image is created with a client-chosen id (safe to retry), unprotected until its data is good.
    assert re.match(r'^[0-9a-f-]{36}$', created['id'])
    assert created['name'] == 'cirros' and created['disk_format'] == 'qcow2' and created['container_format'] == 'bare'
    assert created['hw_cpu_cores'] == '2' and created['tags'] == ['x'] and 'protected' not in created
    upload = [r for r in fake_cloud.requests if r.method == 'PUT'][0]
    assert fake_cloud.bodies[fake_cloud.requests.index(upload)] == DATA
    assert upload.headers['x-openstack-image-size'] == str(len(DATA))
    h = hashes(DATA)
    # openstacksdk's object name goes in with the create; one patch after the upload: the protection asked for
    # (openstacksdk's md5 and sha256 only with openstacksdk_hashes).
    assert created['owner_specified.openstack.object'] == 'images/cirros'
    assert sent_json(fake_cloud, 'PATCH') == [[{'op': 'replace', 'path': '/protected', 'value': True}]]
    assert result['verified'] == 'sha512:' + h['sha512']
    assert result['image'] == final


def test_corrupted_upload_deletes_the_new_image(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_cloud.add('POST', IMAGES, status=201, json_body={'id': IMAGE_ID, 'name': 'cirros', 'status': 'queued'})
    fake_cloud.add('PUT', IMAGES + '/' + IMAGE_ID + '/file', status=204)
    fake_cloud.add('GET', IMAGES + '/' + IMAGE_ID, json_body=active_image(data=b'something else'))
    fake_cloud.add('DELETE', IMAGES + '/' + IMAGE_ID, status=204)
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2'}, capsys)
    assert rc == 1
    assert 'created by this run was deleted' in result['msg']
    assert ('DELETE', '/v2/images/' + IMAGE_ID) in writes(fake_cloud)


def test_replace_of_protected_image_fails_before_upload(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(data=b'old data', protected=True))
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2',
                      'on_data_change': 'replace'}, capsys)
    assert rc == 1
    assert 'protected' in result['msg'] and 'Nothing was uploaded' in result['msg']
    assert writes(fake_cloud) == []


def test_changed_data_warns_by_default(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(data=b'old data'))
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2'}, capsys)
    assert rc == 0
    assert result['changed'] is False
    assert any('data differs' in text for text in warning_texts(result))
    assert writes(fake_cloud) == []


def test_several_images_with_one_name_fail_with_their_ids(fake_cloud, capsys):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(id='a' * 8 + '-0000-0000-0000-' + '0' * 12),
                   active_image(id='b' * 8 + '-0000-0000-0000-' + '0' * 12))
    rc, result = run({'name': 'cirros', 'min_ram': 1}, capsys)
    assert rc == 1
    assert 'aaaaaaaa-' in result['msg'] and 'bbbbbbbb-' in result['msg'] and 'give the id' in result['msg']


@pytest.mark.parametrize('args, message', [
    ({'id': 'not-a-uuid'}, 'not a UUID'),
    ({'name': 'x', 'properties': {'status': 'active', 'os_glance_x': '1'}}, 'properties: os_glance_x, status'),
    ({'name': 'x', 'import_method': 'web-download'}, 'needs url'),
    ({'name': 'x', 'import_method': 'copy-image'}, 'needs stores or all_stores'),
    ({'name': 'x', 'checksum': 'crc32:1234'}, 'checksum'),
    ({'name': 'x', 'filename': '/nonexistent/x.qcow2'}, 'does not exist'),
    ({'name': 'x', 'stores': ['a', 'b'], 'filename': '/'}, 'one store'),
])
def test_bad_input_fails_before_any_request(fake_cloud, capsys, args, message):
    rc, result = run(args, capsys)
    assert rc == 1
    assert message in result['msg']
    assert fake_cloud.requests == []


def test_queued_image_without_formats_takes_them_and_its_data(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    queued = {'id': IMAGE_ID, 'name': 'cirros', 'status': 'queued', 'disk_format': None, 'container_format': None,
              'size': None, 'checksum': None, 'os_hash_algo': None, 'os_hash_value': None, 'tags': [],
              'visibility': 'shared', 'protected': False, 'os_hidden': False, 'min_disk': 0, 'min_ram': 0,
              'owner': PROJECT_ID}
    lookup_returns(fake_cloud, queued)
    fake_cloud.add('PATCH', IMAGES + '/' + IMAGE_ID, json_body=dict(queued, disk_format='qcow2', container_format='bare'))
    fake_cloud.add('PUT', IMAGES + '/' + IMAGE_ID + '/file', status=204)
    fake_cloud.add('GET', IMAGES + '/' + IMAGE_ID, json_body=active_image())
    rc, result = run({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2', 'container_format': 'bare'},
                     capsys)
    assert rc == 0, result
    assert result['changed'] is True
    assert sent_json(fake_cloud, 'PATCH')[0] == [
        {'op': 'replace', 'path': '/container_format', 'value': 'bare'},
        {'op': 'replace', 'path': '/disk_format', 'value': 'qcow2'},
    ]
    assert ('PUT', '/v2/images/%s/file' % IMAGE_ID) in writes(fake_cloud)
    # A pre-existing image is never deleted, whatever happens.
    assert not [w for w in writes(fake_cloud) if w[0] == 'DELETE']
