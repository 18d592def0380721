#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: glance_image_tag
short_description: Add and remove tags of an OpenStack Glance image
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Makes sure an image carries (or does not carry) the tags given, through Glance's tag endpoints
    (C(PUT) and C(DELETE /v2/images/{id}/tags/{tag})), one request per tag that differs.
  - Nothing is sent when the image already has the wanted tags.
  - Unlike O(osimg.glance.glance_image#module:tags), which sets the whole tag list with a JSON patch, this module
    touches only the tags listed, unless O(purge=true).
extends_documentation_fragment:
  - osimg.glance.auth
  - osimg.glance.attributes
  - osimg.glance.attributes.changes
attributes:
  diff_mode:
    description: Shows the sorted tags before and after.
options:
  image:
    description:
      - The id or the name of the image.
      - A name finds only images of the project of the credentials (images of other projects, shared or
        public, are never changed by name; give their id); several images of the project with that name fail
        with their ids.
    type: str
    required: true
  tags:
    description:
      - The tags to add (O(state=present)) or remove (O(state=absent)).
      - Tags are case-sensitive strings. Duplicates are ignored.
      - With O(state=present) and O(purge=true), V([]) removes every tag.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) adds the tags the image lacks; V(absent) removes the tags it has.
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - With O(state=present), also remove the tags of the image that O(tags) does not list.
      - Ignored with O(state=absent).
    type: bool
    default: false
seealso:
  - module: osimg.glance.glance_image
    description: Sets the whole tag list together with the other metadata of an image.
  - module: osimg.glance.glance_image_info
'''

EXAMPLES = r'''
- name: Tag an image
  osimg.glance.glance_image_tag:
    cloud: local-demo
    image: cirros
    tags: [base, tested]

- name: Remove one tag
  osimg.glance.glance_image_tag:
    cloud: local-demo
    image: cirros
    tags: [tested]
    state: absent

- name: Make the tags exactly these
  osimg.glance.glance_image_tag:
    cloud: local-demo
    image: 9b3d4a92-7bd1-4a0d-9a43-6b4d1c2f0e11
    tags: [golden]
    purge: true
'''

RETURN = r'''
tags:
  description: The tags of the image after the run (in check mode, the predicted tags), sorted.
  returned: success
  type: list
  elements: str
  sample: [base, golden]
image_id:
  description: The id of the image.
  returned: success
  type: str
added:
  description: The tags that were added (or would be, in check mode).
  returned: success
  type: list
  elements: str
removed:
  description: The tags that were removed (or would be, in check mode).
  returned: success
  type: list
  elements: str
diff:
  description: The sorted tags before and after, as C(before.tags) and C(after.tags).
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The tags before the run.
      type: dict
      returned: success
    after:
      description: The tags after the run.
      type: dict
      returned: success
'''

from ansible_collections.osimg.glance.plugins.module_utils._errors import GlanceModuleError
from ansible_collections.osimg.glance.plugins.module_utils._lookup import WRITE, find_one_image
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule
from ansible_collections.osimg.glance.plugins.module_utils._options import unique

ARGUMENT_SPEC = dict(
    image=dict(type='str', required=True),
    tags=dict(type='list', elements='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    purge=dict(type='bool', default=False),
)


def tag_changes(current, tags, state='present', purge=False):
    """(to_add, to_remove) to bring the tag list `current` to what state/purge ask for. Pure."""
    current = unique(current or [])
    tags = unique(tags or [])
    if state == 'absent':
        return [], [t for t in tags if t in current]
    to_add = [t for t in tags if t not in current]
    to_remove = [t for t in current if t not in tags] if purge else []
    return to_add, to_remove


def validate_tags(tags):
    if any(not tag or not tag.strip() for tag in tags):
        raise GlanceModuleError('tags: an empty tag cannot be set; remove it from the list.')


def run(module):
    params = module.params
    validate_tags(params['tags'])
    image = find_one_image(module.glance, params['image'], purpose=WRITE)
    before = list(image.get('tags') or [])
    to_add, to_remove = tag_changes(before, params['tags'], params['state'], params['purge'])
    after = [t for t in before if t not in to_remove] + to_add
    changed = bool(to_add or to_remove)
    if changed and not module.check_mode:
        for tag in to_remove:
            module.glance.remove_tag(image['id'], tag)
        for tag in to_add:
            module.glance.add_tag(image['id'], tag)
        after = module.glance.get_image(image['id']).get('tags') or []
    return {
        'changed': changed,
        'image_id': image['id'],
        'tags': sorted(after),
        'added': to_add,
        'removed': to_remove,
        'diff': module.diff({'tags': sorted(before)}, {'tags': sorted(after)}),
    }


def main():
    GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
