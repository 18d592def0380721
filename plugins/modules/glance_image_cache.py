#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: glance_image_cache
short_description: Pre-cache images on OpenStack Glance API nodes, remove them, or clear the cache
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Manages Glance's image cache through its cache API (C(/v2/cache), Glance API v2.14 and newer), for example to
    have an image cached on the API node before many servers boot from it.
  - V(present) queues the images that are neither cached nor queued yet (C(PUT /v2/cache/{id})); Glance then
    fetches them into the cache in the background.
  - V(absent) removes the images that are cached or queued (C(DELETE /v2/cache/{id})).
  - V(empty) clears the whole cache, the queue, or both (C(DELETE /v2/cache)).
  - Reads the cache first (C(GET /v2/cache)) and sends only what changes something.
  - Glance allows the cache API to admins only by default (policy C(manage_image_cache)).
extends_documentation_fragment:
  - osimg.glance.auth
attributes:
  check_mode:
    support: full
    description: Nothing is sent but the reads; the result predicts what a real run would change.
  diff_mode:
    support: full
    description: Shows the cached and queued image ids before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change and sends no write request.
options:
  images:
    description:
      - The images, by id or name. A name must match exactly one image these credentials can see.
      - Required with O(state=present) and O(state=absent); not allowed with O(state=empty).
      - With O(state=present), every image must be C(active) (Glance caches nothing else).
      - With O(state=absent), an id is removed from the cache even if its image was deleted since; a name that
        matches no image has nothing to remove.
    type: list
    elements: str
  state:
    description:
      - V(present) makes sure the images are cached or queued for caching.
      - V(absent) makes sure they are neither cached nor queued.
      - V(empty) removes everything from the cache, the queue or both (see O(target)).
    type: str
    choices: [present, absent, empty]
    default: present
  target:
    description:
      - With O(state=empty), what to clear - V(all) (cached and queued images), V(cached) only, or
        V(queued) only. V(all) when not set.
      - Not allowed with the other states.
    type: str
    choices: [all, cached, queued]
notes:
  - Each Glance API node has its own cache. Behind a load balancer each request reaches one node, so the module
    acts on the node that answers; run it against each node's own endpoint (O(image_endpoint)) to reach them all.
  - A queued image is fetched into the cache by the API node shortly after; until then it is listed as queued.
    M(osimg.glance.glance_image_cache_info) tells when it is cached.
seealso:
  - module: osimg.glance.glance_image_cache_info
  - module: osimg.glance.glance_info
    description: RV(osimg.glance.glance_info#module:cache_available) tells whether the cache API can be used.
  - name: Glance image cache
    description: How operators set up the cache.
    link: https://docs.openstack.org/glance/latest/admin/cache.html
'''

EXAMPLES = r'''
- name: Cache the images many servers are about to boot from
  osimg.glance.glance_image_cache:
    cloud: local-admin
    images: [ubuntu-24.04, debian-12]

- name: Wait until they are cached
  osimg.glance.glance_image_cache_info:
    cloud: local-admin
  register: cache
  until: cache.queued_images | length == 0
  retries: 30
  delay: 10

- name: Drop one image from the cache
  osimg.glance.glance_image_cache:
    cloud: local-admin
    images: [debian-12]
    state: absent

- name: Forget what is queued, keep what is cached
  osimg.glance.glance_image_cache:
    cloud: local-admin
    state: empty
    target: queued
'''

RETURN = r'''
image_ids:
  description: The ids of O(images), in the order given (with O(state=absent), names that match no image are left out).
  returned: with O(state=present) or O(state=absent)
  type: list
  elements: str
  sample: [5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d]
queued:
  description: The image ids this run queued for caching (in check mode, would queue).
  returned: success
  type: list
  elements: str
removed:
  description:
    - The image ids this run removed from the cache or the queue (in check mode, would remove).
    - With O(state=empty), every image id that was cleared.
  returned: success
  type: list
  elements: str
cache:
  description:
    - The image ids cached and queued on the node that answered, after the run (in check mode, as predicted),
      sorted. After a real run they are read again, so an image queued by this run may already show as cached.
  returned: success
  type: dict
  contains:
    cached:
      description: Ids of the cached images.
      type: list
      elements: str
      returned: success
    queued:
      description: Ids of the images queued for caching.
      type: list
      elements: str
      returned: success
  sample: {cached: [5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d], queued: []}
diff:
  description: The cached and queued image ids before and after, as RV(cache) shows them.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: The cache before the run.
      type: dict
      returned: success
    after:
      description: The cache after the run.
      type: dict
      returned: success
'''

from ansible_collections.osimg.glance.plugins.module_utils._errors import GlanceModuleError
from ansible_collections.osimg.glance.plugins.module_utils._glance import is_uuid
from ansible_collections.osimg.glance.plugins.module_utils._lookup import GONE_STATUSES, find_one_image, pick_one_image
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule
from ansible_collections.osimg.glance.plugins.module_utils._options import unique

ARGUMENT_SPEC = dict(
    images=dict(type='list', elements='str'),
    state=dict(type='str', default='present', choices=['present', 'absent', 'empty']),
    target=dict(type='str', choices=['all', 'cached', 'queued']),
)
REQUIRED_IF = [('state', 'present', ['images']), ('state', 'absent', ['images'])]
# Glance's x-image-cache-clear-target header for each target (no header clears both).
CLEAR_HEADER = {'all': None, 'cached': 'cache', 'queued': 'queue'}


def cache_view(state):
    """{'cached': [ids], 'queued': [ids]}, sorted, from what Glance.get_cache() returns."""
    return {'cached': sorted(entry.get('image_id') for entry in state['cached_images']),
            'queued': sorted(state['queued_images'])}


def predict(view, state, image_ids=(), target='all'):
    """(to_queue, to_remove, after) for the wanted state; view is cache_view() of the current cache. Pure."""
    cached, queued = list(view['cached']), list(view['queued'])
    if state == 'present':
        to_queue = [i for i in unique(image_ids) if i not in cached and i not in queued]
        return to_queue, [], {'cached': cached, 'queued': sorted(queued + to_queue)}
    if state == 'absent':
        to_remove = [i for i in unique(image_ids) if i in cached or i in queued]
        return [], to_remove, {'cached': [i for i in cached if i not in to_remove],
                               'queued': [i for i in queued if i not in to_remove]}
    cleared_cached = cached if target in ('all', 'cached') else []
    cleared_queued = queued if target in ('all', 'queued') else []
    after = {'cached': [i for i in cached if i not in cleared_cached],
             'queued': [i for i in queued if i not in cleared_queued]}
    return [], sorted(set(cleared_cached + cleared_queued)), after


def validate(params):
    if params['state'] == 'empty' and params['images'] is not None:
        raise GlanceModuleError('images: state=empty clears the whole cache and takes no images; use state=absent '
                                'to remove some images only.')
    if params['state'] != 'empty' and params['target'] is not None:
        raise GlanceModuleError('target: only state=empty clears a target; leave target out with state=%s.'
                                % params['state'])
    if params['images'] is not None and any(not (ref or '').strip() for ref in params['images']):
        raise GlanceModuleError('images: an empty image reference was given; give ids or names.')


def image_to_cache(glance, ref):
    image = find_one_image(glance, ref, option='images')
    if image.get('status') != 'active':
        raise GlanceModuleError('images: image %r (%s) is %s; Glance caches active images only.'
                                % (ref, image['id'], image.get('status')))
    return image['id']


def image_to_uncache(glance, ref, view):
    """The id to remove for ref, or None when no image by that name exists (so none can be cached)."""
    if is_uuid(ref) and (ref in view['cached'] or ref in view['queued']):
        return ref  # maybe deleted since it was cached: no lookup
    live = [i for i in glance.find_image_by_id_or_name(ref) if i.get('status') not in GONE_STATUSES]
    return pick_one_image(ref, live, option='images')['id'] if live else None


def run(module):
    params = module.params
    validate(params)
    glance = module.glance
    before = cache_view(glance.get_cache())
    image_ids = None
    if params['state'] == 'present':
        image_ids = [image_to_cache(glance, ref) for ref in params['images']]
    elif params['state'] == 'absent':
        image_ids = [i for i in (image_to_uncache(glance, ref, before) for ref in params['images']) if i]
    to_queue, to_remove, after = predict(before, params['state'], image_ids or (), params['target'] or 'all')
    changed = bool(to_queue or to_remove)
    if changed and not module.check_mode:
        if params['state'] == 'empty':
            glance.clear_cache(CLEAR_HEADER[params['target'] or 'all'])
        for image_id in to_remove if params['state'] == 'absent' else ():
            glance.remove_cached_image(image_id)
        for image_id in to_queue:
            glance.queue_image_for_caching(image_id)
        after = cache_view(glance.get_cache())
    result = {
        'changed': changed,
        'queued': to_queue,
        'removed': to_remove,
        'cache': after,
        'diff': module.diff(before, after),
    }
    if image_ids is not None:
        result['image_ids'] = image_ids
    return result


def main():
    GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, required_if=REQUIRED_IF).run(run)


if __name__ == '__main__':
    main()
