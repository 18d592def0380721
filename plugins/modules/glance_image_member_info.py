#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: glance_image_member_info
short_description: List the member projects of an OpenStack Glance image
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Lists the members of a shared image, or reads one member.
  - The owner of the image sees every member; a member project sees only itself.
  - An image whose visibility is not C(shared) has no members; the result is then empty.
  - Changes nothing.
extends_documentation_fragment:
  - osimg.glance.auth
  - osimg.glance.attributes
  - osimg.glance.attributes.info
options:
  image:
    description:
      - The id or the name of the image.
      - A name finds the project's own image first, then accepted shares, public and community images;
        failing those, a share of another project in any member status (so a member can read a pending share).
    type: str
    required: true
  member:
    description:
      - Read only this member, given as a project id or name (a name is resolved through Keystone; see
        O(osimg.glance.glance_image_member#module:member)).
      - A project that is not a member gives RV(members=[]), not an error.
    type: str
seealso:
  - module: osimg.glance.glance_image_member
'''

EXAMPLES = r'''
- name: Who can use my image?
  osimg.glance.glance_image_member_info:
    cloud: local-demo
    image: cirros
  register: result

- name: My own member status for an image shared with my project
  osimg.glance.glance_image_member_info:
    cloud: local-alt
    image: 5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d
    member: 8ef3007b78824a6fb65cbceaa64fe8fa
'''

RETURN = r'''
members:
  description: The members, sorted by member id.
  returned: success
  type: list
  elements: dict
  contains:
    member_id: {description: The member project id., type: str, returned: success}
    image_id: {description: The image id., type: str, returned: success}
    status: {description: "C(pending), C(accepted) or C(rejected).", type: str, returned: success}
    created_at: {description: When the member was added., type: str, returned: success}
    updated_at: {description: When the member last changed., type: str, returned: success}
image_id:
  description: The id of the image.
  returned: success
  type: str
'''

from ansible_collections.osimg.glance.plugins.module_utils._errors import NotFound
from ansible_collections.osimg.glance.plugins.module_utils._lookup import ACCEPT, NotResolved, find_one_image, resolve_project_id
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule

ARGUMENT_SPEC = dict(
    image=dict(type='str', required=True),
    member=dict(type='str'),
)


def run(module):
    glance = module.glance
    params = module.params
    try:
        image = find_one_image(glance, params['image'])
    except NotResolved:
        # A member reads its membership of a share it has not accepted yet (pending or rejected).
        image = find_one_image(glance, params['image'], purpose=ACCEPT)
    members = []
    if image.get('visibility') == 'shared':
        if params['member']:
            member_id = resolve_project_id(glance, params['member'])
            try:
                members = [glance.get_member(image['id'], member_id)]
            except NotFound:
                pass
        else:
            members = sorted(glance.list_members(image['id']), key=lambda member: member.get('member_id') or '')
    return {'changed': False, 'image_id': image['id'],
            'members': [dict((k, v) for k, v in member.items() if k != 'schema') for member in members]}


def main():
    GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
