#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: glance_image_info
short_description: Read OpenStack Glance images
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Read one image by id or name, or list images with the filters of the Glance v2 API.
  - Filtering happens on the server; only O(properties) is also checked locally.
  - Changes nothing.
extends_documentation_fragment:
  - osimg.glance.auth
  - osimg.glance.attributes
  - osimg.glance.attributes.info
options:
  image:
    description:
      - The id or the name of one image.
      - An id (a UUID) is read directly. If no image has that id, it is looked up as a name.
      - A name lookup finds hidden images too and returns every image with that name the caller may read,
        the project's own images first, then accepted shares, public and community images. A share the
        project has not accepted (C(pending) or C(rejected)) is not returned by name; give its id, or list it
        with O(filters) (C(member_status)).
      - Not found gives RV(images=[]), not an error.
      - Mutually exclusive with O(filters).
    type: str
    aliases: [name]
  filters:
    description:
      - Server-side Glance filters for listing images, sent as query parameters.
      - 'Supported keys: V(name), V(id), V(owner), V(status), V(visibility) (V(public), V(private), V(shared),
        V(community) or V(all)), V(member_status) (V(accepted), V(pending), V(rejected) or V(all)), V(tag)
        (a string or a list: images must carry every tag), V(os_hidden), V(protected), V(disk_format),
        V(container_format), V(size_min), V(size_max), V(created_at), V(updated_at).'
      - V(name), V(id), V(status), V(disk_format) and V(container_format) also take a list (sent as
        C(in:a,b)) or a string with an operator, such as V(in:qcow2,raw). A plain value that contains a
        colon is matched as it is.
      - V(created_at) and V(updated_at) take an operator and an ISO 8601 time, for example
        V(gte:2024-01-01T00:00:00Z); operators are C(gt), C(gte), C(eq), C(neq), C(lt), C(lte).
      - Glance's own defaults apply to what is left out; in particular hidden images are listed only with
        V(os_hidden=true), and images shared with you only once accepted unless V(member_status) says otherwise.
    type: dict
  properties:
    description:
      - Extra image properties the images must have, such as C(os_distro) or C(hw_disk_bus).
      - Values are compared as strings, so V(2) matches the property value C("2"); quote booleans as Glance
        stores them, for example V('true').
      - Sent to Glance as filters where the API allows it, and checked again locally.
    type: dict
  sort:
    description:
      - Sort order, as comma-separated C(key:direction) pairs, for example V(name:asc,created_at:desc).
      - Glance sorts by V(name), V(status), V(container_format), V(disk_format), V(size), V(id),
        V(created_at) and V(updated_at).
      - Sorts a listing (O(filters)); a lookup by O(image) returns the images of that name in Glance's
        default order.
    type: str
  limit:
    description:
      - The largest number of images to return. All pages are read when not set.
      - Pages stop being fetched once this many images are found. With O(sort) and filters Glance
        applies itself, V(1) gives the first image in that order in one request, for example the
        newest with V(created_at:desc).
    type: int
seealso:
  - module: osimg.glance.glance_image
'''

EXAMPLES = r'''
- name: Read one image by name (hidden and shared images included)
  osimg.glance.glance_image_info:
    cloud: local-demo
    image: cirros-0.6.2
  register: result

- name: Read one image by id
  osimg.glance.glance_image_info:
    cloud: local-demo
    image: 5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d

- name: Active qcow2 images with both tags, newest first, at most 10
  osimg.glance.glance_image_info:
    cloud: local-demo
    filters:
      status: active
      disk_format: qcow2
      tag: [base, ubuntu]
    sort: created_at:desc
    limit: 10

- name: The newest active image with a name, tags and a property, in one request (sorted and limited by Glance)
  osimg.glance.glance_image_info:
    cloud: local-demo
    filters:
      name: Ubuntu 24.04
      status: active
      tag: [base]
    properties:
      os_distro: ubuntu
    sort: created_at:desc
    limit: 1
  register: newest
  # newest.images[0].id when newest.images is not empty

- name: The version of an osimg.glance.image_catalog entry published last, whatever its name now
  osimg.glance.glance_image_info:
    cloud: local-demo
    filters:
      visibility: all
    properties:
      image_catalog_name: Ubuntu 24.04
    sort: created_at:desc
    limit: 1

- name: Only the images my project owns (not public or shared ones), with the project id this module returns
  osimg.glance.glance_image_info:
    cloud: local-demo
    filters:
      owner: "{{ newest.project_id }}"
      visibility: all

- name: Every image shared with my project, accepted or not
  osimg.glance.glance_image_info:
    cloud: local-demo
    filters:
      visibility: shared
      member_status: all

- name: Hidden images updated since a date, with a property
  osimg.glance.glance_image_info:
    cloud: local-demo
    filters:
      os_hidden: true
      updated_at: gte:2024-01-01T00:00:00Z
    properties:
      os_distro: ubuntu

- name: Use explicit credentials instead of clouds.yaml
  osimg.glance.glance_image_info:
    auth:
      auth_url: http://127.0.0.1:5000/v3
      username: demo
      password: "{{ demo_password }}"
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    filters:
      name: in:cirros,ubuntu
'''

RETURN = r'''
project_id:
  description:
    - The id of the project the credentials act for. The images it owns have it as RV(images[].owner),
      which tells them from public images and images shared with the project.
  returned: when the credentials are scoped to a project (always with Keystone authentication)
  type: str
  sample: 0d1e8a7c3b5a4f2e9c6d8b7a6f5e4d3c
images:
  description:
    - The images found, as Glance returns them; extra properties appear as top-level keys.
    - Empty when nothing matches.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Image id.
      type: str
      sample: 5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d
    name:
      description: Image name.
      type: str
      sample: cirros-0.6.2
    status:
      description: Image status, such as C(queued), C(importing), C(active) or C(deactivated).
      type: str
      sample: active
    visibility:
      description: C(public), C(community), C(shared) or C(private).
      type: str
      sample: shared
    owner:
      description: The id of the project that owns the image.
      type: str
      sample: 0d1e8a7c3b5a4f2e9c6d8b7a6f5e4d3c
    disk_format:
      description: Disk format, such as C(qcow2) or C(raw).
      type: str
      sample: qcow2
    container_format:
      description: Container format, such as C(bare).
      type: str
      sample: bare
    size:
      description: Size of the image data in bytes; null before data is uploaded.
      type: int
      sample: 21430272
    checksum:
      description: MD5 of the image data (legacy; may be null).
      type: str
      sample: c8fc807773e5354afe61636071771906
    os_hash_algo:
      description: Algorithm of RV(images[].os_hash_value), chosen by the cloud operator.
      type: str
      sample: sha512
    os_hash_value:
      description: Hex digest of the image data with RV(images[].os_hash_algo).
      type: str
      sample: 1103b92ce8ad966e41235a4de260deb791ff571670c0342666c8582fbb9caefe6af07ebb11d34f44f8414b609b29c1bdf1d72ffa6faa39c88e8721d09847952b
    min_disk:
      description: Minimum disk size in GiB to boot the image.
      type: int
      sample: 1
    min_ram:
      description: Minimum RAM in MiB to boot the image.
      type: int
      sample: 128
    protected:
      description: Whether the image is protected from deletion.
      type: bool
      sample: false
    os_hidden:
      description: Whether the image is hidden from default listings.
      type: bool
      sample: false
    tags:
      description: Image tags.
      type: list
      elements: str
      sample: [base]
    created_at:
      description: Creation time (ISO 8601).
      type: str
      sample: '2024-05-01T10:00:00Z'
    updated_at:
      description: Last update time (ISO 8601).
      type: str
      sample: '2024-05-01T10:00:05Z'
    stores:
      description: Comma-separated ids of the stores holding the data (multi-store clouds).
      type: str
      sample: file
'''

from ansible_collections.osimg.glance.plugins.module_utils._errors import GlanceModuleError, NotFound
from ansible_collections.osimg.glance.plugins.module_utils._glance import RESERVED_QUERY_KEYS, is_uuid
from ansible_collections.osimg.glance.plugins.module_utils._lookup import READABLE_VISIBILITIES
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule
from ansible_collections.osimg.glance.plugins.module_utils._options import as_bool, check_positive

ARGUMENT_SPEC = dict(
    image=dict(type='str', aliases=['name']),
    filters=dict(type='dict'),
    properties=dict(type='dict'),
    sort=dict(type='str'),
    limit=dict(type='int'),
)

FILTER_KEYS = ('name', 'id', 'owner', 'status', 'visibility', 'member_status', 'tag', 'os_hidden', 'protected',
               'disk_format', 'container_format', 'size_min', 'size_max', 'created_at', 'updated_at')
BOOL_FILTERS = ('os_hidden', 'protected')
INT_FILTERS = ('size_min', 'size_max')
CHOICES = {
    'visibility': ('public', 'private', 'shared', 'community', 'all'),
    'member_status': ('accepted', 'pending', 'rejected', 'all'),
}
TIME_OPERATORS = ('gt', 'gte', 'eq', 'neq', 'lt', 'lte')


def normalize_filters(filters):
    """Validate the filters option; returns a new dict ready for the query. Raises GlanceModuleError."""
    result = {}
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise GlanceModuleError('unsupported filters: %s. Supported: %s. Use the properties option for extra '
                                'properties.' % (', '.join(unknown), ', '.join(FILTER_KEYS)))
    for key in FILTER_KEYS:
        value = filters.get(key)
        if value is None:
            continue
        if key in BOOL_FILTERS:
            value = as_bool(value, 'filters.%s' % key)
        elif key in INT_FILTERS:
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise GlanceModuleError('filters.%s must be a number of bytes, got %r' % (key, value))
        elif key in CHOICES:
            if value not in CHOICES[key]:
                raise GlanceModuleError('filters.%s must be one of %s, got %r' % (key, ', '.join(CHOICES[key]), value))
        elif key in ('created_at', 'updated_at'):
            op = str(value).partition(':')[0]
            if op not in TIME_OPERATORS:
                raise GlanceModuleError('filters.%s needs an operator (%s) before the time, like '
                                        'gte:2024-01-01T00:00:00Z; got %r' % (key, ', '.join(TIME_OPERATORS), value))
        elif key == 'tag':
            if not isinstance(value, list):
                value = [value]
            value = [str(v) for v in value]
        result[key] = value
    return result


def properties_match(image, properties):
    for key, value in properties.items():
        if key not in image or image[key] is None or str(image[key]) != str(value):
            return False
    return True


def readable_images(glance, ref):
    """Images with id or name ref that the caller may read: its own first, then accepted shares, public and
    community images (never a share it has not accepted, unless given by id)."""
    if is_uuid(ref):
        try:
            return [glance.get_image(ref)]
        except NotFound:
            pass
    project_id = glance.http.project_id
    images = [i for i in glance.find_images_by_name(ref, member_status='accepted')
              if i.get('owner') == project_id or i.get('visibility') in READABLE_VISIBILITIES]
    return sorted(images, key=lambda image: image.get('owner') != project_id)


def find_images(module):
    params = module.params
    properties = dict((k, str(v)) for k, v in (params['properties'] or {}).items())
    limit = params['limit']
    if params['image']:
        images = [i for i in readable_images(module.glance, params['image']) if properties_match(i, properties)]
        return images[:limit] if limit is not None else images
    filters = normalize_filters(params['filters'] or {})
    # Push property filters to Glance where the name is not one of its own query keys.
    server_side = dict((k, v) for k, v in properties.items()
                       if k not in RESERVED_QUERY_KEYS and not k.endswith(('_min', '_max')))
    query = dict(filters)
    query.update(server_side)
    client_side_only = set(properties) - set(server_side)
    images = []
    pages = module.glance.iter_images(filters=query, sort=params['sort'],
                                      limit=None if client_side_only else limit,
                                      page_size=min(limit, 1000) if limit else None)
    for image in pages:
        if properties_match(image, properties):
            images.append(image)
            if limit is not None and len(images) >= limit:
                break
    return images


def run(module):
    check_positive('limit', module.params['limit'], 'images')
    result = {'changed': False, 'images': find_images(module)}
    if module.http.project_id:
        result['project_id'] = module.http.project_id
    return result


def main():
    GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                 mutually_exclusive=[('image', 'filters')]).run(run)


if __name__ == '__main__':
    main()
