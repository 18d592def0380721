# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Glance tasks: matching an existing task, waiting, and the tasks policy, for internal collection use only."""

import json

from ansible_collections.osimg.glance.plugins.module_utils._errors import Forbidden, GlanceModuleError, NotFound
from ansible_collections.osimg.glance.plugins.module_utils._polling import poll
from ansible_collections.osimg.glance.plugins.module_utils._timestamps import parse_time, utcnow

TASK_STATUSES = ('pending', 'processing', 'success', 'failure')
# Statuses of a task that does (or did) what was asked: such a task is not created again.
REUSABLE_STATUSES = ('pending', 'processing', 'success')
FINAL_STATUSES = ('success', 'failure')
TASKS_POLICY_HINT = ('Glance allows the tasks API to admins only by default (policy tasks_api_access, with get_task, '
                     'get_tasks and add_task): run this with admin credentials, or ask the cloud operator to open '
                     'the tasks policy.')


class TaskError(GlanceModuleError):
    """A task ended in failure, or did not end in time."""

    def __init__(self, message, task=None):
        super(TaskError, self).__init__(message)
        self.task = task


def explain_forbidden(error):
    """Add the tasks policy hint to a 403 from the tasks API; returns the error, to be raised."""
    if isinstance(error, Forbidden) and not error.hint:
        error.hint = TASKS_POLICY_HINT
    return error


def task_view(task):
    """A task without the API's links and bookkeeping keys."""
    return dict((k, v) for k, v in (task or {}).items() if k not in ('schema', 'self', 'request_id'))


def canonical(value):
    """A JSON-comparable form of a task input: key order does not matter, values keep their JSON types."""
    return json.loads(json.dumps(value, sort_keys=True))


def inputs_match(a, b):
    return canonical(a or {}) == canonical(b or {})


def is_expired(task, now=None):
    expires = parse_time(task.get('expires_at'))
    return expires is not None and expires <= (now or utcnow())


def is_candidate(summary, task_type, owner, now=None):
    """Whether a task from a listing (no input there) may be the same task: same type and owner, alive, not expired."""
    return (summary.get('type') == task_type
            and summary.get('status') in REUSABLE_STATUSES
            and (owner is None or summary.get('owner') == owner)
            and not is_expired(summary, now))


def result_image_gone(glance, task):
    """True when a succeeded import created an image that no longer exists: importing again is then wanted."""
    image_id = (task.get('result') or {}).get('image_id')
    if task.get('status') != 'success' or not image_id:
        return False
    try:
        image = glance.get_image(image_id)
    except NotFound:
        return True
    return image.get('status') in ('deleted', 'pending_delete', 'killed')


def find_matching_task(glance, task_type, task_input, owner, now=None):
    """The newest live task of this type and owner whose input equals task_input, or None.

    A listing carries no input, so each candidate is read once; tasks expire (48 hours by default),
    which keeps the candidates few.
    """
    try:
        summaries = glance.list_tasks(filters={'type': task_type}, sort='created_at:desc')
    except Forbidden as e:
        raise explain_forbidden(e)
    for summary in summaries:
        if not is_candidate(summary, task_type, owner, now):
            continue
        try:
            task = glance.get_task(summary['id'])
        except NotFound:
            continue
        if inputs_match(task.get('input'), task_input) and not result_image_gone(glance, task):
            return task
    return None


def failure_message(task):
    message = (task.get('message') or '').strip() or 'Glance gave no reason'
    return 'Task %s (%s) failed: %s' % (task.get('id'), task.get('type'), message)


def wait_for_task(glance, task_id, timeout, sleep=None, clock=None):
    """Poll a task until it succeeds (returns it) or fails (TaskError with Glance's message). Transient errors are retried."""
    def read():
        try:
            task = glance.get_task(task_id)
        except Forbidden as e:
            raise explain_forbidden(e)
        if task.get('status') == 'failure':
            raise TaskError(failure_message(task), task)
        return task

    def timed_out(task):
        return TaskError('timeout: task %s is still %s after %s seconds. Raise timeout, or set wait: false to return '
                         'without waiting.' % (task_id, task.get('status'), timeout), task)

    return poll(read, lambda task: task.get('status') == 'success', timeout, timed_out,
                {'id': task_id, 'status': 'unknown'}, sleep=sleep, clock=clock)
