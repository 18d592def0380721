# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import json

from ansible_collections.osimg.glance.plugins.module_utils import _polling
from ansible_collections.osimg.glance.plugins.modules import glance_task, glance_task_info
from ansible_collections.osimg.glance.tests.unit.fake_glance import AUTH, IMAGE_URL, PROJECT_ID, run_module

TASKS = IMAGE_URL + '/v2/tasks'
INPUT = {'import_from': 'http://h/x.qcow2', 'import_from_format': 'qcow2',
         'image_properties': {'name': 'x', 'disk_format': 'qcow2', 'container_format': 'bare'}}
FORBIDDEN = '<html><body><h1>403 Forbidden</h1>You are not authorized to complete tasks_api_access action.</body></html>'


def task(task_id, status, **extra):
    body = {'id': task_id, 'type': 'import', 'status': status, 'owner': PROJECT_ID, 'input': INPUT, 'result': None,
            'message': '', 'schema': '/v2/schemas/task', 'self': '/v2/tasks/' + task_id,
            'expires_at': '2099-01-01T00:00:00Z'}
    body.update(extra)
    return body


def run(main, args, capsys):
    return run_module(main, dict(args, auth=AUTH), capsys)


def posts(transport):
    return [json.loads(transport.bodies[i]) for i, r in enumerate(transport.requests)
            if r.method == 'POST' and r.url == TASKS]


def test_creates_and_waits(fake_cloud, capsys, monkeypatch):
    monkeypatch.setattr(_polling.time, 'sleep', lambda s: None)
    fake_cloud.add_token()
    fake_cloud.add('GET', TASKS, json_body={'tasks': []})
    fake_cloud.add('POST', TASKS, status=201, json_body=task('t1', 'pending'))
    fake_cloud.add('GET', TASKS + '/t1', json_body=task('t1', 'processing'))
    fake_cloud.add('GET', TASKS + '/t1', json_body=task('t1', 'success', result={'image_id': 'i1'}))
    rc, result = run(glance_task.main, {'input': INPUT}, capsys)
    assert rc == 0 and result['changed'] is True and result['created'] is True
    assert result['task']['status'] == 'success' and result['task']['result'] == {'image_id': 'i1'}
    assert 'schema' not in result['task'] and 'self' not in result['task']
    assert posts(fake_cloud) == [{'type': 'import', 'input': INPUT}]
    assert fake_cloud.requests[1].path_url == '/v2/tasks?type=import&sort_key=created_at&sort_dir=desc'


def test_same_input_reuses_the_task(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', TASKS, json_body={'tasks': [task('t0', 'failure'), task('t1', 'success')]})
    fake_cloud.add('GET', TASKS + '/t1', json_body=task('t1', 'success'))
    rc, result = run(glance_task.main, {'input': dict(reversed(list(INPUT.items())))}, capsys)
    assert rc == 0 and result['changed'] is False and result['created'] is False
    assert result['task']['id'] == 't1'
    assert posts(fake_cloud) == []


def test_check_mode_creates_nothing(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', TASKS, json_body={'tasks': []})
    rc, result = run(glance_task.main, {'input': INPUT, '_ansible_check_mode': True}, capsys)
    assert rc == 0 and result['changed'] is True
    assert result['task'] == {'type': 'import', 'input': INPUT, 'status': 'pending'}
    assert posts(fake_cloud) == []


def test_failed_task_fails_the_module_with_glance_message(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', TASKS, json_body={'tasks': []})
    fake_cloud.add('POST', TASKS, status=201, json_body=task('t1', 'pending'))
    fake_cloud.add('GET', TASKS + '/t1', json_body=task('t1', 'failure', message='URI does not pass filtering'))
    rc, result = run(glance_task.main, {'input': INPUT}, capsys)
    assert rc == 1 and result['failed'] is True
    assert result['msg'] == 'Task t1 (import) failed: URI does not pass filtering'
    assert result['task']['status'] == 'failure' and result['changed'] is True


def test_no_wait_returns_at_once(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', TASKS, json_body={'tasks': []})
    fake_cloud.add('POST', TASKS, status=201, json_body=task('t1', 'pending'))
    rc, result = run(glance_task.main, {'input': INPUT, 'wait': False}, capsys)
    assert rc == 0 and result['task']['status'] == 'pending'


def test_forbidden_names_the_tasks_policy(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', TASKS, status=403, body=FORBIDDEN, headers={'Content-Type': 'text/html'})
    rc, result = run(glance_task.main, {'input': INPUT}, capsys)
    assert rc == 1 and result['status'] == 403
    assert 'tasks_api_access' in result['msg'] and 'admin credentials' in result['msg']


def test_info_by_id_and_unknown_id(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', TASKS + '/t1', json_body=task('t1', 'success'))
    fake_cloud.add('GET', TASKS + '/nope', status=404)
    rc, result = run(glance_task_info.main, {'id': 't1'}, capsys)
    assert rc == 0 and result['tasks'][0]['input'] == INPUT and 'schema' not in result['tasks'][0]
    rc, result = run(glance_task_info.main, {'id': 'nope'}, capsys)
    assert rc == 0 and result['tasks'] == []


def test_info_filters_sort_limit_and_details(fake_cloud, capsys):
    listed = dict((k, v) for k, v in task('t1', 'success').items() if k != 'input')
    fake_cloud.add_token()
    fake_cloud.add('GET', TASKS, json_body={'tasks': [listed]})
    fake_cloud.add('GET', TASKS + '/t1', json_body=task('t1', 'success'))
    args = {'filters': {'type': 'import', 'status': 'success'}, 'sort': 'updated_at:asc', 'limit': 3, 'details': True}
    rc, result = run(glance_task_info.main, args, capsys)
    assert rc == 0 and result['tasks'][0]['input'] == INPUT
    assert fake_cloud.requests[1].path_url == ('/v2/tasks?type=import&status=success&sort_key=updated_at&sort_dir=asc'
                                               '&limit=3')


def test_info_forbidden_names_the_policy(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', TASKS, status=403, body=FORBIDDEN, headers={'Content-Type': 'text/html'})
    rc, result = run(glance_task_info.main, {}, capsys)
    assert rc == 1 and 'tasks_api_access' in result['msg']
