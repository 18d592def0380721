# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure desired-state logic for images: projection, desired state, JSON patch. For internal collection use only."""

import json

# Keys Glance computes or owns; a PATCH touching them is refused, so they are never managed.
READ_ONLY_KEYS = frozenset((
    'id', 'status', 'created_at', 'updated_at', 'checksum', 'size', 'virtual_size', 'direct_url',
    'locations', 'self', 'file', 'schema', 'os_hash_algo', 'os_hash_value', 'stores', 'deleted',
    'deleted_at',
))
# Base (schema) keys that are managed through their own options, not through `properties`.
BASE_KEYS = frozenset((
    'name', 'visibility', 'protected', 'os_hidden', 'owner', 'min_disk', 'min_ram', 'disk_format',
    'container_format', 'tags', 'kernel_id', 'ramdisk_id',
))
# Written by this collection and by openstacksdk to remember what data was uploaded.
OWNER_SPECIFIED_PREFIX = 'owner_specified.'
MD5_KEY = 'owner_specified.openstack.md5'
SHA256_KEY = 'owner_specified.openstack.sha256'
OBJECT_KEY = 'owner_specified.openstack.object'

# Keys fixed once an image exists; changing them means a new image.
CREATE_ONLY_KEYS = ('disk_format', 'container_format')

# Module option -> image key, for the scalar metadata the module manages.
OPTION_TO_KEY = (
    ('name', 'name'),
    ('visibility', 'visibility'),
    ('protected', 'protected'),
    ('hidden', 'os_hidden'),
    ('owner', 'owner'),
    ('min_disk', 'min_disk'),
    ('min_ram', 'min_ram'),
    ('kernel', 'kernel_id'),
    ('ramdisk', 'ramdisk_id'),
)

PATCH_MEDIA_TYPE = 'application/openstack-images-v2.1-json-patch'


def is_reserved_key(key):
    """True for keys that a user may not set as an extra property."""
    return key in READ_ONLY_KEYS or key in BASE_KEYS or key.startswith('os_glance')


def property_value(value):
    """Return the string Glance stores for an extra property value.

    Glance keeps extra properties as strings. Numbers and booleans are converted the way
    openstacksdk converts them (str()), so images stay interchangeable with its users;
    lists and dicts become JSON.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    if value is None:
        return ''
    return str(value)


def extra_properties(image):
    """The image's extra properties: everything outside the schema's base and read-only keys."""
    return dict((k, v) for k, v in image.items() if not is_reserved_key(k))


def user_properties(image):
    """Extra properties a user manages: without the data-tracking owner_specified.* keys."""
    return dict((k, v) for k, v in extra_properties(image).items() if not k.startswith(OWNER_SPECIFIED_PREFIX))


def desired_state(scalars, properties=None, tags=None, purge_properties=False, purge_tags=True, current=None):
    """Build the desired projection of an image from what the user asked for.

    `scalars` maps image keys (name, visibility, ...) to wanted values; None means "leave alone".
    Returns a flat dict holding only the keys the user manages; `current` is the existing image
    (or None) and is needed to keep unlisted tags when purge_tags is false.
    """
    desired = dict((key, value) for key, value in scalars.items() if value is not None)
    if properties is not None:
        for key, value in properties.items():
            desired[key] = property_value(value)
    if tags is not None:
        wanted = set(tags)
        if not purge_tags and current is not None:
            wanted.update(current.get('tags') or [])
        desired['tags'] = sorted(wanted)
    return desired


def managed_keys(desired, current, purge_properties=False, properties_given=False):
    """The set of keys the comparison looks at."""
    keys = set(desired)
    if purge_properties and properties_given and current is not None:
        keys.update(user_properties(current))
    return keys


def project(image, keys):
    """Project an existing image on the managed keys (absent keys stay absent)."""
    projection = {}
    for key in keys:
        if key in image:
            value = image[key]
            if key == 'tags':
                value = sorted(value or [])
            projection[key] = value
    return projection


def escape_pointer(key):
    """Escape one JSON pointer token (RFC 6901)."""
    return key.replace('~', '~0').replace('/', '~1')


def build_patch(current, desired, keys):
    """Return the JSON patch operations turning `current` into `desired` on `keys`.

    `add` for keys the image lacks, `replace` for keys whose value differs, `remove` only for
    keys that exist and are no longer wanted. Read-only and os_glance* keys are never emitted.
    Operations are sorted by path so the output is deterministic.
    """
    operations = []
    for key in sorted(keys):
        if key in READ_ONLY_KEYS or key.startswith('os_glance'):
            continue
        path = '/' + escape_pointer(key)
        present = key in current
        value = current.get(key)
        if key == 'tags' and present:
            value = sorted(value or [])
        if key in desired:
            if not present:
                operations.append({'op': 'add', 'path': path, 'value': desired[key]})
            elif value != desired[key]:
                operations.append({'op': 'replace', 'path': path, 'value': desired[key]})
        elif present:
            operations.append({'op': 'remove', 'path': path})
    return operations


def apply_patch(image, operations):
    """Return a copy of `image` with the operations applied (used for check mode predictions)."""
    result = dict(image)
    for operation in operations:
        key = operation['path'][1:].replace('~1', '/').replace('~0', '~')
        if operation['op'] == 'remove':
            result.pop(key, None)
        else:
            result[key] = operation['value']
    return result


def create_only_conflicts(current, wanted):
    """Names of create-only fields whose wanted value differs from the existing image."""
    return [key for key in CREATE_ONLY_KEYS if wanted.get(key) is not None and current.get(key) != wanted[key]]


def diff_view(image, keys):
    """The before/after view for diff mode: managed keys only, tags sorted."""
    if image is None:
        return {}
    return project(image, keys)
