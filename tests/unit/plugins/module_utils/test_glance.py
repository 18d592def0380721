# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import re

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._errors import Conflict, NotFound
from ansible_collections.osimg.glance.plugins.module_utils._glance import (
    JSON_PATCH_TYPE,
    Glance,
    build_query,
    filter_value,
    is_uuid,
)
from ansible_collections.osimg.glance.tests.unit.fake_glance import AUTH_URL, IMAGE_URL, make_client

IMAGES = IMAGE_URL + '/v2/images'
UUID = '5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d'


@pytest.fixture
def cloud():
    client, transport, sleeps = make_client()
    transport.add_token()
    return Glance(client), transport, sleeps


@pytest.mark.parametrize('value, expected', [
    (UUID, True), (UUID.upper(), True), (UUID.replace('-', ''), True), ('cirros', False), ('', False),
    (None, False), (UUID + 'x', False),
])
def test_is_uuid(value, expected):
    assert is_uuid(value) is expected


@pytest.mark.parametrize('key, value, expected', [
    ('os_hidden', True, 'true'),
    ('protected', False, 'false'),
    ('tag', ['a', 'b'], ['a', 'b']),
    ('tag', 'a', 'a'),
    ('disk_format', ['qcow2', 'raw'], 'in:qcow2,raw'),
    ('name', ['a,b', 'c"d', 'e'], 'in:"a,b","c\\"d",e'),
    ('name', 'ubuntu:22.04', 'eq:ubuntu:22.04'),
    ('name', 'in:a,b', 'in:a,b'),
    ('name', 'eq:x', 'eq:x'),
    ('created_at', 'gte:2024-01-01T00:00:00Z', 'gte:2024-01-01T00:00:00Z'),
    ('size_min', 10, '10'),
    ('owner', 'abc:def', 'abc:def'),
])
def test_filter_value(key, value, expected):
    assert filter_value(key, value) == expected


def test_filter_value_list_for_single_valued_filter():
    with pytest.raises(ValueError, match='owner takes one value'):
        filter_value('owner', ['a', 'b'])


def test_build_query():
    assert build_query({'tag': ['a', 'b'], 'os_hidden': False, 'name': None, 'visibility': 'all'},
                       sort='name:asc,created_at:desc') == [
        ('tag', 'a'), ('tag', 'b'), ('os_hidden', 'false'), ('visibility', 'all'), ('sort', 'name:asc,created_at:desc')]
    assert build_query(None) == []


def test_get_image_by_uuid_is_one_get(cloud):
    glance, transport, dummy = cloud
    transport.add('GET', IMAGES + '/' + UUID, json_body={'id': UUID, 'name': 'x'})
    assert glance.find_image_by_id_or_name(UUID) == [{'id': UUID, 'name': 'x'}]
    assert transport.paths() == [('POST', '/v3/auth/tokens'), ('GET', '/v2/images/' + UUID)]


def test_find_by_name_includes_hidden_and_shared(cloud):
    glance, transport, dummy = cloud
    transport.add('GET', IMAGES, func=None, json_body={'images': [{'id': '1', 'name': 'n:1'}]})
    transport.add('GET', IMAGES, json_body={'images': [{'id': '2', 'name': 'n:1'}, {'id': '1', 'name': 'n:1'}]})
    found = glance.find_image_by_id_or_name('n:1')
    assert [i['id'] for i in found] == ['1', '2']
    queries = [r.url.split('?', 1)[1] for r in transport.requests[1:]]
    assert queries == [
        'name=eq%3An%3A1&visibility=all&member_status=all&os_hidden=false',
        'name=eq%3An%3A1&visibility=all&member_status=all&os_hidden=true',
    ]


def test_find_uuid_not_found_falls_back_to_name(cloud):
    glance, transport, dummy = cloud
    transport.add('GET', IMAGES + '/' + UUID, status=404)
    transport.add('GET', IMAGES, json_body={'images': []})
    assert glance.find_image_by_id_or_name(UUID) == []
    assert [p for m, p in transport.paths()][1:] == [
        '/v2/images/' + UUID,
        '/v2/images?name=eq%3A' + UUID + '&visibility=all&member_status=all&os_hidden=false',
        '/v2/images?name=eq%3A' + UUID + '&visibility=all&member_status=all&os_hidden=true',
    ]


def test_find_with_owner(cloud):
    glance, transport, dummy = cloud
    transport.add('GET', IMAGES + '/' + UUID, json_body={'id': UUID, 'owner': 'other'})
    transport.add('GET', IMAGES, json_body={'images': []})
    assert glance.find_image_by_id_or_name(UUID, owner='mine') == []
    assert 'owner=mine' in transport.requests[-1].url


def test_get_image_not_found_propagates(cloud):
    glance, transport, dummy = cloud
    transport.add('GET', IMAGES + '/x', status=404)
    with pytest.raises(NotFound):
        glance.get_image('x')


def test_list_images_with_filters_sort_and_limit(cloud):
    glance, transport, dummy = cloud
    transport.add('GET', IMAGES, json_body={'images': [{'id': str(i)} for i in range(3)]})
    images = list(glance.iter_images({'tag': ['a', 'b'], 'protected': True}, sort='name:asc', limit=2))
    assert len(images) == 2
    assert transport.requests[-1].url == IMAGES + '?tag=a&tag=b&protected=true&sort=name%3Aasc&limit=2'


def test_create_image_is_not_retried_without_id(cloud):
    glance, transport, sleeps = cloud
    transport.add('POST', IMAGES, status=503)
    with pytest.raises(Exception):
        glance.create_image({'name': 'x'}, retry=True)
    assert sleeps == []


def test_create_image_with_id_retries_and_resolves_conflict(cloud):
    glance, transport, sleeps = cloud
    transport.add('POST', IMAGES, status=503).add('POST', IMAGES, status=409)
    transport.add('GET', IMAGES + '/' + UUID, json_body={'id': UUID, 'name': 'x'})
    assert glance.create_image({'id': UUID, 'name': 'x'}, retry=True) == {'id': UUID, 'name': 'x'}
    assert sleeps == [1.0]


def test_create_image_first_attempt_conflict_raises(cloud):
    glance, transport, dummy = cloud
    transport.add('POST', IMAGES, status=409)
    with pytest.raises(Conflict):
        glance.create_image({'id': UUID, 'name': 'x'}, retry=True)


def test_patch_image_content_type_and_body(cloud):
    glance, transport, dummy = cloud
    transport.add('PATCH', IMAGES + '/x', json_body={'id': 'x'})
    ops = [{'op': 'replace', 'path': '/name', 'value': 'y'}]
    glance.patch_image('x', ops)
    sent = transport.requests[-1]
    assert sent.headers['Content-Type'] == JSON_PATCH_TYPE
    assert json.loads(sent.body) == ops


@pytest.mark.parametrize('call, method, path, status', [
    (lambda g: g.delete_image('i'), 'DELETE', '/v2/images/i', 204),
    (lambda g: g.deactivate_image('i'), 'POST', '/v2/images/i/actions/deactivate', 204),
    (lambda g: g.reactivate_image('i'), 'POST', '/v2/images/i/actions/reactivate', 204),
    (lambda g: g.add_tag('i', 'a/b'), 'PUT', '/v2/images/i/tags/a%2Fb', 204),
    (lambda g: g.remove_tag('i', 't'), 'DELETE', '/v2/images/i/tags/t', 204),
    (lambda g: g.remove_member('i', 'm'), 'DELETE', '/v2/images/i/members/m', 204),
])
def test_simple_calls(cloud, call, method, path, status):
    glance, transport, dummy = cloud
    transport.add(method, IMAGE_URL + path, status=status)
    assert call(glance) is None
    assert transport.paths()[-1] == (method, path)


def test_members(cloud):
    glance, transport, dummy = cloud
    transport.add('GET', IMAGES + '/i/members', json_body={'members': [{'member_id': 'm'}]})
    transport.add('POST', IMAGES + '/i/members', json_body={'member_id': 'm', 'status': 'pending'})
    transport.add('PUT', IMAGES + '/i/members/m', json_body={'member_id': 'm', 'status': 'accepted'})
    transport.add('GET', IMAGES + '/i/members/m', json_body={'member_id': 'm'})
    assert glance.list_members('i') == [{'member_id': 'm'}]
    assert glance.add_member('i', 'm')['status'] == 'pending'
    assert json.loads(transport.requests[-1].body) == {'member': 'm'}
    assert glance.update_member('i', 'm', 'accepted')['status'] == 'accepted'
    assert json.loads(transport.requests[-1].body) == {'status': 'accepted'}
    assert glance.get_member('i', 'm') == {'member_id': 'm'}


def test_data_calls(cloud):
    glance, transport, dummy = cloud
    transport.add('PUT', IMAGES + '/i/file', status=204)
    transport.add('PUT', IMAGES + '/i/stage', status=204)
    transport.add('POST', IMAGES + '/i/import', status=202)
    transport.add('GET', IMAGES + '/i/file', status=200, body=b'data')
    glance.upload_image_data('i', iter([b'da', b'ta']), size=4, store='local1')
    assert transport.requests[-1].headers['X-Image-Meta-Store'] == 'local1'
    assert transport.bodies[-1] == b'data'
    glance.stage_image_data('i', b'data')
    glance.import_image('i', {'name': 'glance-direct'}, stores=['a'], all_stores_must_succeed=False)
    assert json.loads(transport.requests[-1].body) == {'method': {'name': 'glance-direct'}, 'stores': ['a'],
                                                       'all_stores_must_succeed': False}
    resp, chunks = glance.download_image_data('i')
    assert b''.join(chunks) == b'data'


def test_tasks_and_info(cloud):
    glance, transport, dummy = cloud
    transport.add('POST', IMAGE_URL + '/v2/tasks', status=201, json_body={'id': 't'})
    transport.add('GET', IMAGE_URL + '/v2/tasks/t', json_body={'id': 't'})
    transport.add('GET', IMAGE_URL + '/v2/tasks', json_body={'tasks': [{'id': 't'}]})
    transport.add('GET', IMAGES + '/i/tasks', json_body={'tasks': [{'id': 't'}]})
    transport.add('GET', IMAGE_URL + '/v2/info/import', json_body={'import-methods': {'value': ['glance-direct']}})
    transport.add('GET', IMAGE_URL + '/v2/info/stores', json_body={'stores': [{'id': 'a', 'default': True}]})
    assert glance.create_task('import', {'import_from': 'http://x'}) == {'id': 't'}
    assert json.loads(transport.requests[-1].body) == {'type': 'import', 'input': {'import_from': 'http://x'}}
    assert glance.get_task('t') == {'id': 't'}
    assert glance.list_tasks({'status': 'success'}, sort='created_at:desc') == [{'id': 't'}]
    assert transport.requests[-1].url.endswith('/v2/tasks?status=success&sort_key=created_at&sort_dir=desc')
    assert glance.list_image_tasks('i') == [{'id': 't'}]
    assert glance.get_import_info()['import-methods']['value'] == ['glance-direct']
    assert glance.get_stores() == [{'id': 'a', 'default': True}]


PID = 'a' * 32


def test_get_project_by_id(cloud):
    glance, transport, dummy = cloud
    transport.add('GET', AUTH_URL + '/projects/' + PID, json_body={'project': {'id': PID, 'name': 'p'}})
    assert glance.get_project(PID) == [{'id': PID, 'name': 'p'}]


def test_get_project_id_forbidden_is_trusted(cloud):
    glance, transport, dummy = cloud
    transport.add('GET', AUTH_URL + '/projects/' + PID, status=403)
    assert glance.get_project(PID) == [{'id': PID}]


def test_get_project_by_name_falls_back_to_own_projects(cloud):
    glance, transport, dummy = cloud
    transport.add('GET', AUTH_URL + '/projects', status=403)
    own = {'projects': [{'id': '1', 'name': 'p'}, {'id': '2', 'name': 'q'}]}
    transport.add('GET', AUTH_URL + '/auth/projects', json_body=own)
    assert glance.get_project('p') == [{'id': '1', 'name': 'p'}]
    assert transport.requests[1].url == AUTH_URL + '/projects?name=p'


def test_get_project_by_name_admin(cloud):
    glance, transport, dummy = cloud
    transport.add('GET', re.compile(re.escape(AUTH_URL) + '/projects/.*'), status=404)
    transport.add('GET', AUTH_URL + '/projects', json_body={'projects': [{'id': PID, 'name': PID}]})
    assert glance.get_project(PID) == [{'id': PID, 'name': PID}]
