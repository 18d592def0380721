# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import datetime

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._errors import ConnectionFailed, Forbidden, NotFound
from ansible_collections.osimg.glance.plugins.module_utils._tasks import (
    TaskError,
    explain_forbidden,
    find_matching_task,
    inputs_match,
    is_candidate,
    is_expired,
    task_view,
    wait_for_task,
)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 26, 20, 0, 0, tzinfo=UTC)
INPUT = {'import_from': 'http://h/x.qcow2', 'import_from_format': 'qcow2',
         'image_properties': {'name': 'x', 'disk_format': 'qcow2', 'container_format': 'bare'}}


@pytest.mark.parametrize('a, b, same', [
    (INPUT, dict(reversed(list(INPUT.items()))), True),  # key order does not matter
    ({'a': {'b': 1, 'c': [1, 2]}}, {'a': {'c': [1, 2], 'b': 1}}, True),
    ({'a': [1, 2]}, {'a': [2, 1]}, False),  # list order does
    ({'a': 512}, {'a': '512'}, False),  # types do
    ({'a': 1}, {'a': 1, 'b': None}, False),
    (None, {}, True),
    ({'a': True}, {'a': 'true'}, False),
])
def test_inputs_match(a, b, same):
    assert inputs_match(a, b) is same


@pytest.mark.parametrize('summary, candidate', [
    ({'type': 'import', 'status': 'success', 'owner': 'p', 'expires_at': '2026-11-28T00:00:00Z'}, True),
    ({'type': 'import', 'status': 'pending', 'owner': 'p'}, True),
    ({'type': 'import', 'status': 'processing', 'owner': 'p', 'expires_at': None}, True),
    ({'type': 'import', 'status': 'failure', 'owner': 'p'}, False),
    ({'type': 'import', 'status': 'success', 'owner': 'p', 'expires_at': '2026-11-26T19:59:59Z'}, False),
    ({'type': 'import', 'status': 'success', 'owner': 'other'}, False),
    ({'type': 'other', 'status': 'success', 'owner': 'p'}, False),
])
def test_is_candidate(summary, candidate):
    assert is_candidate(summary, 'import', 'p', NOW) is candidate


def test_is_expired_without_expiry():
    assert is_expired({}, NOW) is False


class FakeGlance:
    def __init__(self, summaries=(), tasks=None, images=None, forbidden=False):
        self.summaries = list(summaries)
        self.tasks = dict(tasks or {})
        self.images = dict(images or {})
        self.forbidden = forbidden
        self.calls = []

    def list_tasks(self, filters=None, sort=None, limit=None):
        self.calls.append(('list_tasks', filters, sort))
        if self.forbidden:
            raise Forbidden(method='GET', url='http://g/v2/tasks',
                            explanation='You are not authorized to complete tasks_api_access action.')
        return self.summaries

    def get_task(self, task_id):
        self.calls.append(('get_task', task_id))
        value = self.tasks[task_id]
        if isinstance(value, list):
            value = value.pop(0) if len(value) > 1 else value[0]
        if isinstance(value, Exception):
            raise value
        return value

    def get_image(self, image_id):
        self.calls.append(('get_image', image_id))
        if image_id not in self.images:
            raise NotFound(method='GET', url='http://g/v2/images/' + image_id)
        return self.images[image_id]


def task(task_id, status='success', task_input=None, owner='p', image_id=None):
    return {'id': task_id, 'type': 'import', 'status': status, 'owner': owner, 'input': task_input or INPUT,
            'result': {'image_id': image_id} if image_id else None, 'expires_at': '2026-11-28T00:00:00Z'}


def summary(full):
    return dict((k, v) for k, v in full.items() if k not in ('input', 'result'))


def test_find_matching_task_reads_only_candidates_and_returns_the_first_match():
    t_fail, t_other, t_match, t_older = (task('f', 'failure'), task('o', task_input={'x': 1}), task('m', 'processing'),
                                         task('old'))
    glance = FakeGlance([summary(t) for t in (t_fail, t_other, t_match, t_older)],
                        tasks={'f': t_fail, 'o': t_other, 'm': t_match, 'old': t_older})
    assert find_matching_task(glance, 'import', INPUT, 'p', NOW)['id'] == 'm'
    assert glance.calls == [('list_tasks', {'type': 'import'}, 'created_at:desc'), ('get_task', 'o'), ('get_task', 'm')]


def test_succeeded_import_whose_image_is_gone_does_not_count():
    gone, deleted, alive = task('g', image_id='i1'), task('d', image_id='i2'), task('a', image_id='i3')
    glance = FakeGlance([summary(t) for t in (gone, deleted, alive)], tasks={'g': gone, 'd': deleted, 'a': alive},
                        images={'i2': {'id': 'i2', 'status': 'deleted'}, 'i3': {'id': 'i3', 'status': 'active'}})
    assert find_matching_task(glance, 'import', INPUT, 'p', NOW)['id'] == 'a'


def test_no_match():
    glance = FakeGlance([summary(task('x', owner='q'))], tasks={})
    assert find_matching_task(glance, 'import', INPUT, 'p', NOW) is None


def test_listing_forbidden_names_the_policy():
    with pytest.raises(Forbidden) as exc:
        find_matching_task(FakeGlance(forbidden=True), 'import', INPUT, 'p', NOW)
    assert 'tasks_api_access' in str(exc.value) and 'admin' in exc.value.hint


def test_explain_forbidden_keeps_an_existing_hint():
    error = Forbidden(hint='mine')
    assert explain_forbidden(error).hint == 'mine'


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_wait_for_task_polls_until_success_and_retries_transient_errors():
    clock = Clock()
    glance = FakeGlance(tasks={'t': [task('t', 'pending'), ConnectionFailed(explanation='reset'),
                                     task('t', 'processing'), task('t', 'success', image_id='i')]})
    done = wait_for_task(glance, 't', 60, sleep=clock.sleep, clock=clock)
    assert done['status'] == 'success' and done['result'] == {'image_id': 'i'}
    assert 0 < clock.now < 10


def test_wait_for_task_failure_carries_glance_message():
    failed = dict(task('t', 'failure'), message='URI for import does not pass filtering')
    with pytest.raises(TaskError) as exc:
        wait_for_task(FakeGlance(tasks={'t': failed}), 't', 60, sleep=lambda s: None, clock=lambda: 0)
    assert str(exc.value) == 'Task t (import) failed: URI for import does not pass filtering'
    assert exc.value.task is failed


def test_wait_for_task_times_out():
    clock = Clock()
    with pytest.raises(TaskError) as exc:
        wait_for_task(FakeGlance(tasks={'t': task('t', 'processing')}), 't', 10, sleep=clock.sleep, clock=clock)
    assert 'still processing after 10 seconds' in str(exc.value)


def test_task_view_drops_links():
    assert task_view({'id': 't', 'schema': '/s', 'self': '/v2/tasks/t', 'request_id': 'r'}) == {'id': 't'}
