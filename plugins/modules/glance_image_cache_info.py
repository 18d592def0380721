#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: glance_image_cache_info
short_description: List the images cached and queued on an OpenStack Glance API node
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Lists what Glance's image cache holds and what is queued for caching, with one request (C(GET /v2/cache),
    Glance API v2.14 and newer).
  - Glance allows the cache API to admins only by default (policy C(manage_image_cache)).
  - Changes nothing.
extends_documentation_fragment:
  - osimg.glance.auth
attributes:
  check_mode:
    support: full
    description: The module changes nothing, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
  idempotent:
    support: full
    description: Running the module again with the same options gives the same result and changes nothing.
options: {}
notes:
  - Each Glance API node has its own cache; the result is the cache of the node that answered.
seealso:
  - module: osimg.glance.glance_image_cache
  - module: osimg.glance.glance_info
'''

EXAMPLES = r'''
- name: What is cached?
  osimg.glance.glance_image_cache_info:
    cloud: local-admin
  register: cache

- name: Is this image cached yet?
  ansible.builtin.debug:
    msg: "{{ image_id in cache.cached_images | map(attribute='image_id') }}"
'''

RETURN = r'''
cached_images:
  description: The cached images, as Glance lists them, sorted by image id.
  returned: success
  type: list
  elements: dict
  contains:
    image_id: {description: The image id., type: str, returned: success}
    size: {description: Size of the cached data in bytes., type: int, returned: success}
    hits: {description: How many downloads the cache served., type: int, returned: success}
    last_accessed: {description: When the cached data was last read (seconds since the epoch)., type: float,
                    returned: success}
    last_modified: {description: When the data was cached (seconds since the epoch)., type: float, returned: success}
    checksum:
      description: The checksum Glance recorded for the cached data, or null.
      type: str
      returned: success
  sample: [{image_id: 5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d, size: 1048576, hits: 0,
            last_accessed: 1796136853.01, last_modified: 1796136853.01, checksum: null}]
queued_images:
  description: The ids of the images queued for caching, in the order Glance queued them.
  returned: success
  type: list
  elements: str
  sample: [9b3d4a92-7bd1-4a0d-9a43-6b4d1c2f0e11]
'''

from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule

ARGUMENT_SPEC = dict()


def run(module):
    state = module.glance.get_cache()
    return {
        'changed': False,
        'cached_images': sorted(state['cached_images'], key=lambda entry: entry.get('image_id') or ''),
        'queued_images': state['queued_images'],
    }


def main():
    GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
