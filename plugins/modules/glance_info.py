#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


DOCUMENTATION = r'''
module: glance_info
short_description: Ask an OpenStack Glance what it offers
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Reads what this Glance offers to these credentials, one request per part, before anything is published
    with it - the API versions, the enabled import methods, the stores and which one is the default,
    the quota usage of the project, and whether the image cache API can be used.
  - O(gather) chooses the parts. A playbook that only needs the import methods costs one request to Glance.
  - A part the cloud does not offer, or does not show to these credentials (Glance answers 404 or 403), is not
    an error - its return values are null (RV(cache_available) is V(false)), and RV(unavailable) says why.
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
options:
  gather:
    description:
      - The parts to read, one request each (V(stores) may take two, see O(store_details)).
      - V(versions) reads C(GET /versions) and sets RV(api_versions) and RV(current_api_version).
      - V(import_methods) reads C(GET /v2/info/import) and sets RV(import_methods).
      - V(stores) reads C(GET /v2/info/stores/detail) or C(GET /v2/info/stores) and sets RV(stores) and
        RV(default_store).
      - V(usage) reads C(GET /v2/info/usage) and sets RV(usage).
      - V(cache) reads C(GET /v2/cache) and sets RV(cache_available).
      - The return values of a part not listed are left out of the result.
    type: list
    elements: str
    choices: [versions, import_methods, stores, usage, cache]
    default: [versions, import_methods, stores, usage, cache]
  store_details:
    description:
      - With V(stores) in O(gather), ask for the store details (type, weight, properties) first. Glance shows
        them to admins only by default; when it refuses, the stores are read without details (a second request)
        and RV(unavailable) says why (key C(store_details)).
      - V(false) reads the stores without details, in one request.
    type: bool
    default: true
notes:
  - Glance reports quota usage only when it enforces Keystone unified limits (its option C(use_keystone_limits)).
    The sizes in RV(usage) (C(image_size_total), C(image_stage_total)) are in MiB, rounded down, as Glance counts them.
  - The image cache lives on each Glance API node; RV(cache_available) tells about the node that answered.
seealso:
  - module: osimg.glance.glance_image
    description: Creates and uploads images; O(osimg.glance.glance_image#module:import_method) takes one of
      RV(import_methods) and O(osimg.glance.glance_image#module:stores) the ids of RV(stores).
  - module: osimg.glance.glance_image_cache
  - name: Glance discovery API
    description: The import, stores and usage calls this module reads.
    link: https://docs.openstack.org/api-ref/image/v2/index.html#image-service-info-discovery
'''

EXAMPLES = r'''
- name: What does this cloud offer?
  osimg.glance.glance_info:
    cloud: local-demo
  register: glance

- name: Fetch by URL where the cloud can, else stream the file from here
  osimg.glance.glance_image:
    cloud: local-demo
    name: debian-12
    disk_format: qcow2
    url: https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2
    import_method: "{{ 'web-download' if 'web-download' in glance.import_methods else omit }}"

- name: Only the import methods (one request to Glance)
  osimg.glance.glance_info:
    cloud: local-demo
    gather: [import_methods]
  register: methods

- name: Stop early when the image quota is full
  osimg.glance.glance_info:
    cloud: local-demo
    gather: [usage]
  register: quota
  failed_when: >-
    quota.usage is not none and quota.usage.image_size_total.limit >= 0 and
    quota.usage.image_size_total.usage >= quota.usage.image_size_total.limit

- name: Pre-cache only where the cache API can be used
  osimg.glance.glance_image_cache:
    cloud: local-admin
    images: [cirros]
  when: glance.cache_available
'''

RETURN = r'''
api_versions:
  description:
    - The API versions the endpoint lists, as Glance lists them (the newest first, usually).
    - Null when the versions could not be read (see RV(unavailable)).
  returned: when O(gather) includes V(versions)
  type: list
  elements: dict
  contains:
    id: {description: "The version, for example C(v2.18).", type: str, returned: success}
    status: {description: "C(CURRENT), C(SUPPORTED) or C(DEPRECATED).", type: str, returned: success}
    links:
      description: Links to the version, each with C(rel) and C(href).
      type: list
      elements: dict
      returned: success
  sample: [{id: v2.18, status: CURRENT, links: [{rel: self, href: "http://127.0.0.1:9292/v2/"}]}]
current_api_version:
  description: The id of the version whose status is C(CURRENT), or null.
  returned: when O(gather) includes V(versions)
  type: str
  sample: v2.18
import_methods:
  description:
    - The import methods Glance enables (C(import-methods.value) of C(GET /v2/info/import)), such as
      V(glance-direct), V(web-download), V(copy-image), V(glance-download).
    - Null when the cloud offers no interoperable image import (see RV(unavailable)).
  returned: when O(gather) includes V(import_methods)
  type: list
  elements: str
  sample: [glance-direct, web-download, copy-image]
stores:
  description:
    - The stores, as C(GET /v2/info/stores) returns them, with the details of C(/v2/info/stores/detail) when the
      credentials may read them.
    - A store that takes no data (an http store) also carries the key C(read-only) with C("true") (use
      C(item['read-only']) in templates).
    - Null on a cloud without multiple stores (Glance answers 404; see RV(unavailable)).
  returned: when O(gather) includes V(stores)
  type: list
  elements: dict
  contains:
    id:
      description: The store id, what O(osimg.glance.glance_image#module:stores) takes.
      type: str
      returned: success
    description:
      description: The operator's description of the store.
      type: str
      returned: when the operator set one
    default:
      description: C("true") (a string, as Glance sends it) for the default store.
      type: str
      returned: for the default store
    type:
      description: "The store driver: C(file), C(rbd), C(swift), C(cinder), C(s3) or C(http)."
      type: str
      returned: with details
    weight:
      description: The store weight; Glance prefers stores with a higher weight for downloads.
      type: int
      returned: with details
    properties:
      description: Driver properties, for a file store C(data_dir), C(chunk_size) and C(thin_provisioning).
      type: dict
      returned: with details
  sample: [{id: local1, default: "true", type: file, weight: 0,
            properties: {data_dir: /var/lib/glance/images, chunk_size: 65536, thin_provisioning: false}}]
default_store:
  description: The id of the default store, or null (no stores listed, or none marked as default).
  returned: when O(gather) includes V(stores)
  type: str
  sample: local1
usage:
  description:
    - The quota usage and limits of the project the credentials are scoped to, from C(GET /v2/info/usage).
      A limit of V(-1) means unlimited.
    - Null when Glance reports no usage (it does not enforce Keystone unified limits, or is too old; see
      RV(unavailable)).
  returned: when O(gather) includes V(usage)
  type: dict
  contains:
    image_size_total:
      description: Total size of the project's image data, in MiB (C(usage), C(limit)).
      type: dict
      returned: success
    image_stage_total:
      description: Size of the project's data in the staging area (glance-direct, imports under way), in MiB.
      type: dict
      returned: success
    image_count_total:
      description: Number of the project's images.
      type: dict
      returned: success
    image_count_uploading:
      description: Number of the project's images being uploaded or imported at the same time.
      type: dict
      returned: success
  sample: {image_size_total: {usage: 1, limit: 1024}, image_stage_total: {usage: 0, limit: 1024},
           image_count_total: {usage: 3, limit: 100}, image_count_uploading: {usage: 0, limit: 4}}
cache_available:
  description:
    - Whether the image cache API (C(/v2/cache)) answers these credentials, so that
      M(osimg.glance.glance_image_cache) can be used. V(false) when the cloud has no cache
      (Glance answers 404) or the credentials may not use it (403; admin only by default).
  returned: when O(gather) includes V(cache)
  type: bool
  sample: true
unavailable:
  description:
    - For each gathered part that Glance did not give, why (its error). Keys are V(versions),
      V(import_methods), V(stores), V(store_details), V(usage) and V(cache). Empty when every part was read.
  returned: success
  type: dict
  sample: {cache: "403 Forbidden for GET http://127.0.0.1:9292/v2/cache: You are not authorized to complete
    cache_list action. The image cache API is for admins by default (policy manage_image_cache)."}
'''

from ansible_collections.osimg.glance.plugins.module_utils._errors import Forbidden, NotFound
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule
from ansible_collections.osimg.glance.plugins.module_utils._preflight import is_true

PARTS = ['versions', 'import_methods', 'stores', 'usage', 'cache']
# Glance's answers for "not offered here" and "not for these credentials": a part is then absent, not an error.
NOT_OFFERED = (NotFound, Forbidden)

ARGUMENT_SPEC = dict(
    gather=dict(type='list', elements='str', choices=PARTS, default=list(PARTS)),
    store_details=dict(type='bool', default=True),
)


def gather_versions(glance, params, result):
    try:
        versions = glance.get_versions()
    except NOT_OFFERED as err:
        result['unavailable']['versions'] = str(err)
        result.update(api_versions=None, current_api_version=None)
        return
    result['api_versions'] = versions
    result['current_api_version'] = next((v.get('id') for v in versions if v.get('status') == 'CURRENT'), None)


def gather_import_methods(glance, params, result):
    try:
        result['import_methods'] = glance.get_import_methods()
    except NOT_OFFERED as err:
        result['unavailable']['import_methods'] = str(err)
        result['import_methods'] = None


def gather_stores(glance, params, result):
    stores = None
    if params['store_details']:
        try:
            stores = glance.get_stores_detail()
        except Forbidden as err:
            result['unavailable']['store_details'] = str(err)
        except NotFound as err:  # no multiple stores: the plain listing would say the same
            result['unavailable']['stores'] = str(err)
            result.update(stores=None, default_store=None)
            return
    if stores is None:
        try:
            stores = glance.get_stores()
        except NOT_OFFERED as err:
            result['unavailable']['stores'] = str(err)
            result.update(stores=None, default_store=None)
            return
    result['stores'] = stores
    result['default_store'] = next((s.get('id') for s in stores if is_true(s.get('default'))), None)


def gather_usage(glance, params, result):
    try:
        usage = glance.get_usage()
    except NOT_OFFERED as err:
        result['unavailable']['usage'] = str(err)
        usage = None
    else:
        if not usage:
            result['unavailable']['usage'] = ('Glance reports no quota usage: it does not enforce Keystone unified '
                                              'limits (use_keystone_limits) on this cloud.')
    result['usage'] = usage or None


def gather_cache(glance, params, result):
    try:
        glance.get_cache()
    except NOT_OFFERED as err:
        result['unavailable']['cache'] = str(err)
        result['cache_available'] = False
    else:
        result['cache_available'] = True


GATHERERS = {
    'versions': gather_versions,
    'import_methods': gather_import_methods,
    'stores': gather_stores,
    'usage': gather_usage,
    'cache': gather_cache,
}


def run(module):
    result = {'changed': False, 'unavailable': {}}
    for part in PARTS:
        if part in module.params['gather']:
            GATHERERS[part](module.glance, module.params, result)
    return result


def main():
    GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
