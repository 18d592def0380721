#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: glance_task
short_description: Run an OpenStack Glance task, such as a legacy image import, once
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Creates a Glance v2 task (C(POST /v2/tasks)) and waits for it to end.
  - Idempotent. A task of the same O(type) with an identical O(input), created by the same project, that is
    C(pending), C(processing) or C(success) and not expired counts as already done. No new task is created;
    the module returns that task (and waits for it when O(wait=true)).
  - For an C(import) task, a succeeded task whose image has been deleted since does not count; the import runs again.
  - A task that ends in C(failure) fails the module with Glance's message. A failed task is never reused,
    so running again retries.
  - Glance allows the tasks API to admins only by default (policy C(tasks_api_access)).
    For new code, prefer Glance's interoperable image import (O(osimg.glance.glance_image#module:import_method)).
extends_documentation_fragment:
  - osimg.glance.auth
  - osimg.glance.attributes
  - osimg.glance.attributes.changes
attributes:
  check_mode:
    description: No task is created; the result says whether one would be, and returns the matching task if any.
  diff_mode:
    support: none
    description: A task is not a desired state with a before and after.
  idempotent:
    description: A second run with the same input finds the task of the first run and creates nothing.
options:
  type:
    description:
      - The task type. Glance knows V(import) (and, where enabled, V(api_image_import) for internal use).
    type: str
    default: import
  input:
    description:
      - The task input, sent as it is.
      - 'For V(import): C(import_from) (a URL Glance can fetch; loopback and private hosts must be allowed by the
        operator), C(import_from_format) (for example V(qcow2)) and C(image_properties) (the new image: C(name),
        C(disk_format), C(container_format), ...).'
      - Compared with the input of existing tasks as JSON. Key order does not matter, value types do (V(512) is not V("512")).
    type: dict
    required: true
  wait:
    description:
      - Wait until the task succeeds or fails.
      - Without waiting, the task is returned as it is, usually C(pending).
    type: bool
    default: true
  timeout:
    description: Seconds to wait for O(wait).
    type: int
    default: 600
seealso:
  - module: osimg.glance.glance_task_info
  - module: osimg.glance.glance_image
    description: Interoperable image import (O(osimg.glance.glance_image#module:import_method)), which non-admins can use.
'''

EXAMPLES = r'''
- name: Import an image from a URL with a legacy import task (admin)
  osimg.glance.glance_task:
    cloud: local-admin
    input:
      import_from: http://files.example.org/cirros.qcow2
      import_from_format: qcow2
      image_properties:
        name: cirros
        disk_format: qcow2
        container_format: bare
  register: result

- name: The image the task created
  ansible.builtin.debug:
    msg: "{{ result.task.result.image_id }}"

- name: Start an import and return at once
  osimg.glance.glance_task:
    cloud: local-admin
    input:
      import_from: http://files.example.org/big.qcow2
      import_from_format: qcow2
      image_properties: {name: big, disk_format: qcow2, container_format: bare}
    wait: false
'''

RETURN = r'''
task:
  description:
    - The task, as Glance reports it after the run.
    - In check mode, when a task would be created, only C(type), C(input) and C(status=pending) are known.
  returned: success
  type: dict
  contains:
    id: {description: Task id., type: str, returned: unless a task would be created in check mode}
    type: {description: Task type., type: str, returned: success}
    status: {description: "C(pending), C(processing), C(success) or C(failure).", type: str, returned: success}
    input: {description: The task input., type: dict, returned: success}
    result:
      description: What the task produced; for an import, C(image_id) of the new image.
      type: dict
      returned: when the task succeeded
      sample: {image_id: a951fe1d-ed35-47f3-b0e7-8ceb366809ee}
    message: {description: Glance's message (the reason of a failure)., type: str, returned: success}
    owner: {description: Project that created the task., type: str, returned: success}
    created_at: {description: Creation time., type: str, returned: success}
    updated_at: {description: Last update time., type: str, returned: success}
    expires_at: {description: When Glance forgets the task (once it ended)., type: str, returned: when set}
created:
  description: Whether a new task was created (or would be, in check mode). False when an existing task was reused.
  returned: success
  type: bool
'''

from ansible_collections.osimg.glance.plugins.module_utils._errors import Forbidden, GlanceModuleError
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule
from ansible_collections.osimg.glance.plugins.module_utils._options import check_positive
from ansible_collections.osimg.glance.plugins.module_utils._tasks import (
    TaskError, explain_forbidden, find_matching_task, task_view, wait_for_task,
)

ARGUMENT_SPEC = dict(
    type=dict(type='str', default='import'),
    input=dict(type='dict', required=True),
    wait=dict(type='bool', default=True),
    timeout=dict(type='int', default=600),
)


def run(module):
    params = module.params
    check_positive('timeout', params['timeout'], 'seconds')
    if not params['type']:
        raise GlanceModuleError('type must not be empty (Glance knows import).')
    task = find_matching_task(module.glance, params['type'], params['input'], module.http.project_id)
    created = task is None
    if module.check_mode:
        return {'changed': created, 'created': created,
                'task': task_view(task) if task else {'type': params['type'], 'input': params['input'],
                                                      'status': 'pending'}}
    if created:
        try:
            task = module.glance.create_task(params['type'], params['input'])
        except Forbidden as e:
            raise explain_forbidden(e)
    if params['wait'] and task.get('status') != 'success':
        try:
            task = wait_for_task(module.glance, task['id'], params['timeout'])
        except TaskError as e:
            e.result.update(task=task_view(e.task or {}), created=created, changed=created)
            raise
    return {'changed': created, 'created': created, 'task': task_view(task)}


def main():
    GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
