#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: glance_task_info
short_description: Read OpenStack Glance tasks
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Reads one Glance task by id, or lists tasks with filters.
  - Glance allows the tasks API to admins only by default (policy C(tasks_api_access)); admins see the tasks of
    every project.
  - Changes nothing.
extends_documentation_fragment:
  - osimg.glance.auth
  - osimg.glance.attributes
  - osimg.glance.attributes.info
options:
  id:
    description:
      - The id of one task. An unknown id gives RV(tasks=[]), not an error.
      - Mutually exclusive with O(filters), O(sort) and O(limit).
    type: str
  filters:
    description: Server-side filters.
    type: dict
    suboptions:
      type:
        description: Only tasks of this type, for example V(import).
        type: str
      status:
        description: Only tasks in this status.
        type: str
        choices: [pending, processing, success, failure]
  sort:
    description:
      - Sort order as C(key:direction), for example V(created_at:desc) (Glance's default) or V(updated_at:asc).
    type: str
  limit:
    description: The largest number of tasks to return. All pages are read when not set.
    type: int
  details:
    description:
      - Glance's task listing leaves out C(input), C(result) and C(message). With V(true), each listed task is read
        in full (one request per task). A task read by O(id) is always complete.
    type: bool
    default: false
seealso:
  - module: osimg.glance.glance_task
'''

EXAMPLES = r'''
- name: One task
  osimg.glance.glance_task_info:
    cloud: local-admin
    id: d41941f8-b16d-4d48-b92d-df87b06172f5
  register: result

- name: The ten newest failed imports, with their messages
  osimg.glance.glance_task_info:
    cloud: local-admin
    filters:
      type: import
      status: failure
    sort: created_at:desc
    limit: 10
    details: true
'''

RETURN = r'''
tasks:
  description: The tasks found, in the order Glance returned them.
  returned: success
  type: list
  elements: dict
  contains:
    id: {description: Task id., type: str, returned: success}
    type: {description: Task type., type: str, returned: success}
    status: {description: "C(pending), C(processing), C(success) or C(failure).", type: str, returned: success}
    owner: {description: Project that created the task., type: str, returned: success}
    created_at: {description: Creation time., type: str, returned: success}
    updated_at: {description: Last update time., type: str, returned: success}
    expires_at: {description: When Glance forgets the task (once it ended)., type: str, returned: when set}
    input: {description: The task input., type: dict, returned: with O(id) or O(details=true)}
    result: {description: "What the task produced; C(image_id) for an import.", type: dict, returned: with O(id) or O(details=true)}
    message: {description: Glance's message (the reason of a failure)., type: str, returned: with O(id) or O(details=true)}
'''

from ansible_collections.osimg.glance.plugins.module_utils._errors import Forbidden, NotFound
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule
from ansible_collections.osimg.glance.plugins.module_utils._options import check_positive
from ansible_collections.osimg.glance.plugins.module_utils._tasks import explain_forbidden, task_view

ARGUMENT_SPEC = dict(
    id=dict(type='str'),
    filters=dict(type='dict', options=dict(
        type=dict(type='str'),
        status=dict(type='str', choices=['pending', 'processing', 'success', 'failure']),
    )),
    sort=dict(type='str'),
    limit=dict(type='int'),
    details=dict(type='bool', default=False),
)


def read(module):
    params = module.params
    glance = module.glance
    if params['id']:
        try:
            return [glance.get_task(params['id'])]
        except NotFound:
            return []
    check_positive('limit', params['limit'], 'tasks')
    tasks = glance.list_tasks(filters=params['filters'], sort=params['sort'], limit=params['limit'])
    if params['details']:
        full = []
        for task in tasks:
            try:
                full.append(glance.get_task(task['id']))
            except NotFound:  # expired between the two calls
                pass
        tasks = full
    return tasks


def run(module):
    try:
        tasks = read(module)
    except Forbidden as e:
        raise explain_forbidden(e)
    return {'changed': False, 'tasks': [task_view(t) for t in tasks]}


def main():
    GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                 mutually_exclusive=[('id', 'filters'), ('id', 'sort'), ('id', 'limit')]).run(run)


if __name__ == '__main__':
    main()
