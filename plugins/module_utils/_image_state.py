# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure desired-state logic for images: projection, desired state, JSON patch. For internal collection use only."""

import json
import traceback

try:
    import jsonpatch
    from jsonpointer import JsonPointer
    HAS_JSONPATCH = True
    JSONPATCH_IMPORT_ERROR = None
except ImportError:  # GlanceModule reports the missing library before any of this is used
    jsonpatch = JsonPointer = None
    HAS_JSONPATCH = False
    JSONPATCH_IMPORT_ERROR = traceback.format_exc()

# Keys Glance computes or owns; a PATCH touching them is refused, so they are never managed.
READ_ONLY_KEYS = frozenset((
    'id', 'status', 'created_at', 'updated_at', 'checksum', 'size', 'virtual_size', 'direct_url',
    'locations', 'self', 'file', 'schema', 'os_hash_algo', 'os_hash_value', 'stores', 'deleted',
    'deleted_at',
))


class ImageField:
    """One image field a module option manages: the option, the image key, its argspec entry.

    kind: 'metadata' (compared and patched), 'create_only' (fixed once the image has data) or
    'tags' (a list with purge rules of its own). ``carried`` fields are copied from an image to the
    one that replaces it.
    """

    def __init__(self, option, key, spec, kind='metadata', carried=True):
        self.option = option
        self.key = key
        self.spec = spec
        self.kind = kind
        self.carried = carried


# The one table of image fields: module options, base keys, patchable keys and what a replacement
# carries over are all derived from it. A new image field is added here (and documented).
IMAGE_FIELDS = (
    ImageField('name', 'name', dict(type='str')),
    ImageField('visibility', 'visibility', dict(type='str', choices=['public', 'private', 'shared', 'community'])),
    ImageField('protected', 'protected', dict(type='bool')),
    ImageField('hidden', 'os_hidden', dict(type='bool')),
    ImageField('owner', 'owner', dict(type='str'), carried=False),
    ImageField('min_disk', 'min_disk', dict(type='int')),
    ImageField('min_ram', 'min_ram', dict(type='int')),
    ImageField('kernel', 'kernel_id', dict(type='str')),
    ImageField('ramdisk', 'ramdisk_id', dict(type='str')),
    ImageField('disk_format', 'disk_format', dict(type='str'), kind='create_only'),
    ImageField('container_format', 'container_format', dict(type='str'), kind='create_only'),
    ImageField('tags', 'tags', dict(type='list', elements='str'), kind='tags'),
)

# Base (schema) keys managed through their own options, never through `properties`.
BASE_KEYS = frozenset(field.key for field in IMAGE_FIELDS)
# Module option -> image key, for the scalar metadata compared and patched.
OPTION_TO_KEY = tuple((field.option, field.key) for field in IMAGE_FIELDS if field.kind == 'metadata')
# Keys fixed once an image has data; changing them means a new image.
CREATE_ONLY_KEYS = tuple(field.key for field in IMAGE_FIELDS if field.kind == 'create_only')
# Keys copied from an image to the image that replaces it.
CARRIED_KEYS = tuple(field.key for field in IMAGE_FIELDS if field.carried)

# Written by this collection and by openstacksdk to remember what data was uploaded.
OWNER_SPECIFIED_PREFIX = 'owner_specified.'
MD5_KEY = 'owner_specified.openstack.md5'
SHA256_KEY = 'owner_specified.openstack.sha256'
OBJECT_KEY = 'owner_specified.openstack.object'


def image_field_argspec():
    """The argspec entries of every image field option, for modules that manage image fields."""
    return dict((field.option, dict(field.spec)) for field in IMAGE_FIELDS)


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


def desired_state(base_fields, properties=None, tags=None, purge_properties=False, purge_tags=True, current=None):
    """Build the desired projection of an image from what the user asked for.

    `base_fields` maps image keys (name, visibility, ...) to wanted values; None means "leave alone".
    Returns a flat dict holding only the keys the user manages; `current` is the existing image
    (or None) and is needed to keep unlisted tags when purge_tags is false.
    """
    desired = dict((key, value) for key, value in base_fields.items() if value is not None)
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


def key_pointer(key):
    """The JSON pointer of one top-level key ('/' and '~' escaped as RFC 6901 says)."""
    return JsonPointer.from_parts([key]).path


def build_patch(current, desired, keys):
    """Return the JSON patch operations turning `current` into `desired` on `keys`.

    `add` for keys the image lacks, `replace` for keys whose value differs, `remove` only for
    keys that exist and are no longer wanted. Read-only and os_glance* keys are never emitted.
    Operations are sorted by path so the output is deterministic.

    Built here rather than with jsonpatch.make_patch: Glance accepts only add/replace/remove of
    top-level keys, compares tags as a set, and refuses read-only keys, while make_patch may emit
    `move`/`copy` and descends into values.
    """
    operations = []
    for key in sorted(keys):
        if key in READ_ONLY_KEYS or key.startswith('os_glance'):
            continue
        path = key_pointer(key)
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
    """Return a copy of `image` with the operations applied (the check mode prediction)."""
    return jsonpatch.apply_patch(image, list(operations))


def create_only_conflicts(current, wanted):
    """Names of create-only fields whose wanted value differs from the existing image."""
    return [key for key in CREATE_ONLY_KEYS if wanted.get(key) is not None and current.get(key) != wanted[key]]


def diff_view(image, keys):
    """The before/after view for diff mode: managed keys only, tags sorted."""
    if image is None:
        return {}
    return project(image, keys)
