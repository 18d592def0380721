#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: glance_image_member
short_description: Share an OpenStack Glance image with another project, or accept or reject a shared image
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Glance shares an image in two steps, each run with different credentials.
  - The B(owner side), with the credentials of the project that owns the image, adds or removes a
    member project (O(member), O(state)). A new member is C(pending).
  - The B(consumer side), with the credentials of the member project itself, sets the member status
    (O(status)) to V(accepted), V(rejected) or back to V(pending). Glance lets only the member project
    (or an admin) set it, never the owner. An accepted image shows up in the member's default image list;
    C(pending) and C(rejected) images can still be used by id.
  - Only images with C(visibility=shared) have members.
extends_documentation_fragment:
  - osimg.glance.auth
  - osimg.glance.attributes
  - osimg.glance.attributes.changes
attributes:
  diff_mode:
    description: Shows the member (C(member_id), C(status)) before and after.
options:
  image:
    description:
      - The id or the name of the image.
      - On the owner side (O(member) without O(status)), a name finds only images of the project of the
        credentials.
      - On the consumer side (O(status)), an id always works; a name finds images other projects share with
        the caller, in any member status, so a C(pending) image is found too.
    type: str
    required: true
  member:
    description:
      - The member project, as a project id or a project name.
      - A name is resolved through Keystone; an unknown or ambiguous name fails. Keystone lets only admins look up
        other projects by name, so without admin credentials give the project id.
      - Required on the owner side. On the consumer side (O(status) set), defaults to the project of the
        credentials in use.
    type: str
  state:
    description:
      - On the owner side, V(present) adds O(member) to the image and V(absent) removes it.
      - With O(status), must be V(present) (only the owner can remove a member).
    type: str
    choices: [present, absent]
    default: present
  status:
    description:
      - Consumer side. The member status to set, with the member project's own credentials.
      - The owner must have added the member first.
    type: str
    choices: [accepted, rejected, pending]
seealso:
  - module: osimg.glance.glance_image_member_info
  - module: osimg.glance.glance_image
    description: Set O(osimg.glance.glance_image#module:visibility=shared) to allow members.
notes:
  - Glance does not check that a member project exists. This module does, through Keystone, when the credentials
    allow it (admins); a non-admin's project id is used as given.
'''

EXAMPLES = r'''
- name: Make the image shareable
  osimg.glance.glance_image:
    cloud: local-demo
    name: cirros
    visibility: shared

- name: The owner shares the image with project alt
  osimg.glance.glance_image_member:
    cloud: local-demo
    image: cirros
    member: 8ef3007b78824a6fb65cbceaa64fe8fa

- name: The member project accepts it (its own credentials, member defaults to its project)
  osimg.glance.glance_image_member:
    cloud: local-alt
    image: 5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d
    status: accepted

- name: The owner stops sharing
  osimg.glance.glance_image_member:
    cloud: local-demo
    image: cirros
    member: 8ef3007b78824a6fb65cbceaa64fe8fa
    state: absent
'''

RETURN = r'''
member:
  description: The membership after the run (in check mode, the predicted one). Empty when there is none.
  returned: success
  type: dict
  contains:
    member_id: {description: The member project id., type: str, returned: success}
    image_id: {description: The image id., type: str, returned: success}
    status: {description: "C(pending), C(accepted) or C(rejected).", type: str, returned: success}
    created_at: {description: When the member was added., type: str, returned: when the member exists}
    updated_at: {description: When the member last changed., type: str, returned: when the member exists}
diff:
  description: The member (C(member_id), C(status)) before and after; empty when there is none.
  returned: when diff mode is on
  type: dict
  contains:
    before: {description: The member before the run., type: dict, returned: success}
    after: {description: The member after the run., type: dict, returned: success}
'''

from ansible_collections.osimg.glance.plugins.module_utils._errors import Conflict, Forbidden, GlanceModuleError, NotFound
from ansible_collections.osimg.glance.plugins.module_utils._lookup import (
    ACCEPT,
    WRITE,
    find_one_image,
    is_project_id,
    resolve_project_id,
)
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule

ARGUMENT_SPEC = dict(
    image=dict(type='str', required=True),
    member=dict(type='str'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    status=dict(type='str', choices=['accepted', 'rejected', 'pending']),
)


def not_shared_error(image):
    return GlanceModuleError(
        'Image %s (%s) has visibility %s; only images with visibility shared have members. Set visibility: shared '
        '(osimg.glance.glance_image) first.' % (image['id'], image.get('name'), image.get('visibility')))


def member_view(member):
    return dict((k, member[k]) for k in ('member_id', 'status') if member and k in member)


def validate(params):
    if params['status'] and params['state'] == 'absent':
        raise GlanceModuleError('status cannot be combined with state: absent: a member project sets its status, '
                                'only the image owner removes the member (state: absent, without status).')
    if not params['status'] and not params['member']:
        raise GlanceModuleError('member is required to add or remove a member (owner side); give status to '
                                'accept or reject an image shared with your project (consumer side).')


def read_member(glance, image, member_id):
    try:
        return glance.get_member(image['id'], member_id)
    except NotFound:
        return None
    except Forbidden:
        if image.get('visibility') != 'shared':
            raise not_shared_error(image)
        raise


def member_result(module, changed, before, after):
    after = dict((k, v) for k, v in (after or {}).items() if k != 'schema')
    return {'changed': changed, 'member': after, 'diff': module.diff(member_view(before), member_view(after))}


def ensure_member(module, image):
    """Owner side: add or remove the member project."""
    glance = module.glance
    ref = module.params['member']
    # A project id that is a member already needs no Keystone lookup: a no-op asks Glance only.
    current = read_member(glance, image, ref) if is_project_id(ref) else None
    member_id = ref if current is not None else resolve_project_id(glance, ref)
    if current is None and member_id != ref:
        current = read_member(glance, image, member_id)
    if module.params['state'] == 'absent':
        if current is None:
            return member_result(module, False, None, None)
        if not module.check_mode:
            try:
                glance.remove_member(image['id'], member_id)
            except NotFound:
                pass
            except Forbidden as e:
                e.hint = 'Only the owner of the image (or an admin) can remove members.'
                raise
        return member_result(module, True, current, None)
    if current is not None:
        return member_result(module, False, current, current)
    after = {'member_id': member_id, 'image_id': image['id'], 'status': 'pending'}
    if not module.check_mode:
        try:
            after = glance.add_member(image['id'], member_id)
        except Conflict:  # added meanwhile
            after = glance.get_member(image['id'], member_id)
        except Forbidden as e:
            e.hint = 'Only the owner of the image (or an admin) can add members.'
            raise
    return member_result(module, True, None, after)


def ensure_status(module, image):
    """Member side: accept or reject an image shared with the project."""
    glance = module.glance
    params = module.params
    own = module.http.project_id
    member_id = resolve_project_id(glance, params['member']) if params['member'] else own
    if image.get('owner') == own:
        raise GlanceModuleError(
            'status: these credentials are those of the owner of image %s, and Glance lets only the member project '
            '(or an admin) set the member status. Run this task with the credentials of the member project%s.'
            % (image['id'], ' ' + member_id if member_id != own else ''))
    current = read_member(glance, image, member_id)
    if current is None:
        raise GlanceModuleError(
            'Image %s (%s) is not shared with project %s: its owner must add the member first '
            '(osimg.glance.glance_image_member with member: %s, run with the owner\'s credentials).'
            % (image['id'], image.get('name'), member_id, member_id))
    if current.get('status') == params['status']:
        return member_result(module, False, current, current)
    after = dict(current, status=params['status'])
    if not module.check_mode:
        try:
            after = glance.update_member(image['id'], member_id, params['status'])
        except Forbidden as e:
            e.hint = ('Glance lets only the member project (or an admin) set the member status: run this task with '
                      'the credentials of project %s.' % member_id)
            raise
    return member_result(module, True, current, after)


def run(module):
    validate(module.params)
    # The owner side changes its own image; the member side answers a share of another project.
    purpose = ACCEPT if module.params['status'] else WRITE
    image = find_one_image(module.glance, module.params['image'], purpose=purpose)
    if image.get('visibility') != 'shared':
        raise not_shared_error(image)
    if module.params['status']:
        return ensure_status(module, image)
    return ensure_member(module, image)


def main():
    GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
