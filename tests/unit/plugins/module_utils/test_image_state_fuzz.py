# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Property-based tests (hypothesis) of the pure desired-state and JSON patch functions.

For random current images and random module options: the patch, applied to the current image the way
Glance applies it (RFC 6902, via jsonpatch), yields the desired projection; computing the patch again
against the result yields nothing; check mode's prediction (apply_patch) equals the real application; and
no operation is one Glance would refuse (read-only or os_glance* keys, replace/remove of a missing key).
"""

import copy

import pytest

jsonpatch = pytest.importorskip('jsonpatch')
hypothesis = pytest.importorskip('hypothesis')

from hypothesis import given, settings  # noqa: E402 pylint: disable=wrong-import-position
from hypothesis import strategies as st  # noqa: E402 pylint: disable=wrong-import-position

from ansible_collections.osimg.glance.plugins.module_utils._image_state import (  # noqa: E402 pylint: disable=wrong-import-position
    OPTION_TO_KEY,
    READ_ONLY_KEYS,
    apply_patch,
    build_patch,
    desired_state,
    is_reserved_key,
    managed_keys,
    project,
)

# Keys with JSON pointer specials ('/', '~'), dots, unicode and the owner_specified prefix.
KEY_ALPHABET = st.characters(codec='utf-8', exclude_categories=('Cs',))
property_keys = st.one_of(
    st.text(KEY_ALPHABET, min_size=1, max_size=12),
    st.sampled_from(['hw_disk_bus', 'a/b', '~0', '~1x', 'a~/b', 'os_distro', 'owner_specified.openstack.md5',
                     'owner_specified.x', 'k' * 255, u'clé', u'\u00e9t\u00e9']),
).filter(lambda k: not is_reserved_key(k))
strings = st.text(KEY_ALPHABET, max_size=20)
tags = st.lists(st.text(KEY_ALPHABET, min_size=1, max_size=10), max_size=6, unique=True)
any_value = st.one_of(strings, st.integers(-10 ** 6, 10 ** 6), st.booleans(), st.none(),
                      st.floats(allow_nan=False, allow_infinity=False),
                      st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))

SCALAR_VALUES = {
    'name': strings,
    'visibility': st.sampled_from(['public', 'private', 'shared', 'community']),
    'protected': st.booleans(),
    'os_hidden': st.booleans(),
    'owner': st.sampled_from(['p1', 'p2']),
    'min_disk': st.integers(0, 100),
    'min_ram': st.integers(0, 4096),
    'kernel_id': st.sampled_from([None, 'k1', 'k2']),
    'ramdisk_id': st.sampled_from([None, 'r1', 'r2']),
}


@st.composite
def current_images(draw):
    """An image as Glance returns it: base keys, read-only keys, os_glance* keys, string extra properties."""
    image = {
        'id': '5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d', 'status': draw(st.sampled_from(['queued', 'active'])),
        'size': 4096, 'checksum': 'abc', 'os_hash_algo': 'sha512', 'os_hash_value': 'def', 'created_at': 'x',
        'updated_at': 'y', 'self': '/v2/images/x', 'file': '/v2/images/x/file', 'schema': '/v2/schemas/image',
        'disk_format': 'qcow2', 'container_format': 'bare', 'os_glance_importing_to_stores': '',
        'tags': draw(st.permutations(draw(tags))),
    }
    for key, values in SCALAR_VALUES.items():
        if key in ('kernel_id', 'ramdisk_id'):
            value = draw(values)
            if value is not None:
                image[key] = value
        else:
            image[key] = draw(values)
    image.update(draw(st.dictionaries(property_keys, strings, max_size=6)))
    return image


@st.composite
def module_options(draw):
    """What a playbook may ask: scalar options (None = leave alone), properties, tags and the purge flags."""
    scalars = {}
    for dummy, key in OPTION_TO_KEY:
        scalars[key] = draw(st.one_of(st.none(), SCALAR_VALUES[key])) if key in SCALAR_VALUES else None
    return {
        'scalars': scalars,
        'properties': draw(st.one_of(st.none(), st.dictionaries(property_keys, any_value, max_size=6))),
        'tags': draw(st.one_of(st.none(), tags)),
        'purge_properties': draw(st.booleans()),
        'purge_tags': draw(st.booleans()),
    }


def plan(current, options):
    desired = desired_state(options['scalars'], properties=options['properties'], tags=options['tags'],
                            purge_properties=options['purge_properties'], purge_tags=options['purge_tags'],
                            current=current)
    keys = managed_keys(desired, current, options['purge_properties'], options['properties'] is not None)
    return desired, keys, build_patch(current, desired, keys)


@settings(max_examples=200, deadline=None, database=None)
@given(current=current_images(), options=module_options())
def test_patch_converges_in_one_step(current, options):
    original = copy.deepcopy(current)
    desired, keys, operations = plan(current, options)
    assert current == original  # pure: nothing mutated

    # What Glance does with the patch (RFC 6902), and what check mode predicts, agree.
    applied = jsonpatch.apply_patch(current, operations)
    assert apply_patch(current, operations) == applied

    # The result shows exactly the desired projection on the managed keys...
    assert project(applied, keys) == desired
    # ...and nothing outside them changed.
    assert dict((k, v) for k, v in applied.items() if k not in keys) == \
        dict((k, v) for k, v in current.items() if k not in keys)

    # A second run computes no patch.
    assert plan(applied, options)[2] == []


@settings(max_examples=200, deadline=None, database=None)
@given(current=current_images(), options=module_options())
def test_patch_is_one_glance_accepts(current, options):
    dummy, dummy2, operations = plan(current, options)
    keys = [op['path'][1:].replace('~1', '/').replace('~0', '~') for op in operations]
    assert keys == sorted(keys) and len(keys) == len(set(keys))  # deterministic, one operation per key
    for key, op in zip(keys, operations):
        assert key not in READ_ONLY_KEYS and not key.startswith('os_glance')
        assert key not in ('disk_format', 'container_format')
        if op['op'] == 'add':
            assert key not in current
        else:
            assert key in current  # replace/remove of a missing key is a 409
        if op['op'] != 'remove' and key not in ('tags',) and not is_reserved_key(key):
            assert isinstance(op['value'], str)  # extra properties are strings in Glance
        if key == 'tags' and op['op'] != 'remove':
            assert op['value'] == sorted(set(op['value']))


@settings(max_examples=100, deadline=None, database=None)
@given(current=current_images())
def test_leaving_everything_out_changes_nothing(current):
    options = {'scalars': dict((key, None) for dummy, key in OPTION_TO_KEY), 'properties': None, 'tags': None,
               'purge_properties': True, 'purge_tags': True}
    assert plan(current, options)[2] == []
