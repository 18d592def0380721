# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.osimg.glance.plugins.modules import glance_image_info
from ansible_collections.osimg.glance.tests.unit.fake_glance import AUTH, IMAGE_URL, run_module

IMAGES = IMAGE_URL + '/v2/images'
UUID = '5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d'


def image(i, **extra):
    body = {'id': 'id-%s' % i, 'name': 'img-%s' % i, 'status': 'active', 'visibility': 'shared', 'tags': []}
    body.update(extra)
    return body


def run(args, capsys):
    args = dict(args)
    args.setdefault('auth', AUTH)
    return run_module(glance_image_info.main, args, capsys)


def queries(transport):
    return [r.path_url for r in transport.requests[1:]]


def test_noop_by_id_is_two_requests(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES + '/' + UUID, json_body=image(1, id=UUID))
    rc, result = run({'image': UUID}, capsys)
    assert rc == 0 and result['changed'] is False
    assert result['images'] == [image(1, id=UUID)]
    assert fake_cloud.paths() == [('POST', '/v3/auth/tokens'), ('GET', '/v2/images/' + UUID)]
    assert len(fake_cloud.clients[0].requests_sent) == 2


def test_by_name_includes_hidden_and_shared(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES, json_body={'images': [image(1, name='img')]})
    fake_cloud.add('GET', IMAGES, json_body={'images': [image(2, name='img', os_hidden=True)]})
    rc, result = run({'image': 'img'}, capsys)
    assert [i['id'] for i in result['images']] == ['id-1', 'id-2']
    # Shares count once accepted: a pending share of another project is not an image the caller chose.
    assert queries(fake_cloud) == [
        '/v2/images?name=eq%3Aimg&visibility=all&member_status=accepted&os_hidden=false',
        '/v2/images?name=eq%3Aimg&visibility=all&member_status=accepted&os_hidden=true',
    ]


def test_not_found_is_empty_not_an_error(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES + '/' + UUID, status=404)
    fake_cloud.add('GET', IMAGES, json_body={'images': []})
    rc, result = run({'image': UUID}, capsys)
    assert rc == 0 and result['images'] == []


def test_filters_go_to_the_server(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES, json_body={'images': [image(1, os_distro='ubuntu')]})
    args = {'filters': {'name': 'in:a,b', 'owner': 'o', 'status': 'active', 'visibility': 'all',
                        'member_status': 'all', 'tag': ['t1', 't2'], 'os_hidden': 'yes', 'protected': False,
                        'disk_format': ['qcow2', 'raw'], 'container_format': 'bare', 'size_min': '10',
                        'size_max': 100, 'created_at': 'gte:2024-01-01T00:00:00Z',
                        'updated_at': 'lt:2030-01-01T00:00:00Z'},
            'properties': {'os_distro': 'ubuntu'}, 'sort': 'name:asc,created_at:desc'}
    rc, result = run(args, capsys)
    assert rc == 0 and len(result['images']) == 1
    assert queries(fake_cloud) == [
        '/v2/images?name=in%3Aa%2Cb&owner=o&status=active&visibility=all&member_status=all&tag=t1&tag=t2'
        '&os_hidden=true&protected=false&disk_format=in%3Aqcow2%2Craw&container_format=bare&size_min=10'
        '&size_max=100&created_at=gte%3A2024-01-01T00%3A00%3A00Z&updated_at=lt%3A2030-01-01T00%3A00%3A00Z'
        '&os_distro=ubuntu&sort=name%3Aasc%2Ccreated_at%3Adesc'
    ]


def test_properties_are_checked_locally_as_strings(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES, json_body={'images': [image(1, hw_cpu_cores='2'), image(2, hw_cpu_cores='3'),
                                                        image(3)]})
    rc, result = run({'properties': {'hw_cpu_cores': 2}}, capsys)
    assert [i['id'] for i in result['images']] == ['id-1']


def test_reserved_property_names_are_client_side_only(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES, json_body={'images': [image(1, marker='m'), image(2), image(3, marker='m')],
                                             'next': '/v2/images?limit=1&marker=id-3'})
    fake_cloud.add('GET', IMAGES, json_body={'images': [image(4, marker='m')]})
    rc, result = run({'properties': {'marker': 'm'}, 'limit': 1}, capsys)
    assert [i['id'] for i in result['images']] == ['id-1']
    assert queries(fake_cloud) == ['/v2/images?limit=1']  # stopped as soon as the cap was met


def test_limit_caps_pages(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES, json_body={'images': [image(1), image(2)], 'next': '/v2/images?limit=2&marker=id-2'})
    rc, result = run({'limit': 2, 'filters': {'status': 'active'}}, capsys)
    assert len(result['images']) == 2
    assert queries(fake_cloud) == ['/v2/images?status=active&limit=2']


def test_all_pages_without_limit(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES, json_body={'images': [image(1)], 'next': '/v2/images?marker=id-1'})
    fake_cloud.add('GET', IMAGES, json_body={'images': [image(2)]})
    rc, result = run({}, capsys)
    assert [i['id'] for i in result['images']] == ['id-1', 'id-2']
    assert queries(fake_cloud) == ['/v2/images', '/v2/images?marker=id-1']


@pytest.mark.parametrize('filters, message', [
    ({'nope': 1}, 'unsupported filters: nope'),
    ({'visibility': 'everyone'}, 'filters.visibility must be one of'),
    ({'member_status': 'maybe'}, 'filters.member_status must be one of'),
    ({'os_hidden': 'maybe'}, 'filters.os_hidden must be a boolean'),
    ({'size_min': 'big'}, 'filters.size_min must be a number'),
    ({'created_at': '2024-01-01'}, 'filters.created_at needs an operator'),
])
def test_bad_filters_fail_before_any_request(fake_cloud, capsys, filters, message):
    rc, result = run({'filters': filters}, capsys)
    assert rc == 1 and message in result['msg']
    assert fake_cloud.requests == []


def test_bad_limit(fake_cloud, capsys):
    rc, result = run({'limit': 0}, capsys)
    assert rc == 1 and 'limit must be a positive number' in result['msg']


def test_image_and_filters_are_exclusive(fake_cloud, capsys):
    rc, result = run({'image': 'x', 'filters': {'status': 'active'}}, capsys)
    assert rc == 1 and 'mutually exclusive' in result['msg']


def test_check_mode_reads_the_same(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES + '/' + UUID, json_body=image(1, id=UUID))
    rc, result = run({'image': UUID, '_ansible_check_mode': True}, capsys)
    assert rc == 0 and result['images'][0]['id'] == UUID and result['changed'] is False


def test_server_error_is_explained(fake_cloud, capsys):
    fake_cloud.add_token()
    body = '<html><body><h1>400 Bad Request</h1>Invalid visibility value: x<br /><br /></body></html>'
    fake_cloud.add('GET', IMAGES, status=400, body=body)
    rc, result = run({'filters': {'status': 'active'}}, capsys)
    assert rc == 1
    assert result['msg'] == ('400 Bad Request for GET http://glance.test:9292/v2/images?status=active: '
                             'Invalid visibility value: x')
    assert result['status'] == 400 and result['explanation'] == 'Invalid visibility value: x'


def test_newest_image_is_one_request_sorted_and_limited_by_glance(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES, json_body={'images': [image(2, os_distro='ubuntu')],
                                             'next': '/v2/images?limit=1&marker=id-2'})
    rc, result = run({'filters': {'name': 'Ubuntu 24.04', 'status': 'active', 'tag': ['base']},
                      'properties': {'os_distro': 'ubuntu'}, 'sort': 'created_at:desc', 'limit': 1}, capsys)
    assert rc == 0, result
    assert [i['id'] for i in result['images']] == ['id-2']
    assert queries(fake_cloud) == [
        '/v2/images?name=Ubuntu+24.04&status=active&tag=base&os_distro=ubuntu&sort=created_at%3Adesc&limit=1']


def test_the_project_of_the_credentials_is_returned(fake_cloud, capsys):
    from ansible_collections.osimg.glance.tests.unit.fake_glance import PROJECT_ID
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGES, json_body={'images': []})
    rc, result = run({'filters': {'status': 'active'}}, capsys)
    assert rc == 0, result
    assert result['project_id'] == PROJECT_ID
