# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import jsonpatch
import pytest

from ansible_collections.osimg.glance.plugins.module_utils._image_state import (
    apply_patch,
    build_patch,
    create_only_conflicts,
    desired_state,
    key_pointer,
    extra_properties,
    is_reserved_key,
    managed_keys,
    project,
    property_value,
    user_properties,
)

IMAGE = {
    'id': 'b0b7c9a4-8a1e-4a53-9b33-3c1f0c5fbb11',
    'name': 'cirros',
    'status': 'active',
    'visibility': 'shared',
    'protected': False,
    'os_hidden': False,
    'min_disk': 0,
    'min_ram': 0,
    'owner': 'p1',
    'disk_format': 'qcow2',
    'container_format': 'bare',
    'size': 16,
    'checksum': 'abc',
    'os_hash_algo': 'sha512',
    'os_hash_value': 'def',
    'tags': ['b', 'a'],
    'stores': 'local1',
    'os_glance_importing_to_stores': '',
    'hw_disk_bus': 'scsi',
    'hw_cpu_cores': '2',
    'owner_specified.openstack.md5': 'abc',
}


@pytest.mark.parametrize('value, expected', [
    ('scsi', 'scsi'),
    (2, '2'),
    (1.5, '1.5'),
    (True, 'True'),
    (False, 'False'),
    (None, ''),
    (['a', 'b'], '["a", "b"]'),
    ({'b': 1, 'a': 2}, '{"a": 2, "b": 1}'),
    (u'caf\u00e9', u'caf\u00e9'),
])
def test_property_value_is_what_glance_stores(value, expected):
    assert property_value(value) == expected


@pytest.mark.parametrize('key, reserved', [
    ('status', True), ('size', True), ('os_glance_failed_import', True), ('os_hash_value', True),
    ('stores', True), ('name', True), ('tags', True), ('hw_disk_bus', False), ('os_distro', False),
    ('owner_specified.openstack.md5', False),
])
def test_reserved_keys(key, reserved):
    assert is_reserved_key(key) is reserved


def test_extra_and_user_properties():
    assert extra_properties(IMAGE) == {'hw_disk_bus': 'scsi', 'hw_cpu_cores': '2', 'owner_specified.openstack.md5': 'abc'}
    assert user_properties(IMAGE) == {'hw_disk_bus': 'scsi', 'hw_cpu_cores': '2'}


def test_integer_property_is_stable_on_second_run():
    desired = desired_state({}, properties={'hw_cpu_cores': 2})
    assert build_patch(IMAGE, desired, managed_keys(desired, IMAGE)) == []


@pytest.mark.parametrize('scalars, properties, tags, purge_props, purge_tags, expected', [
    # nothing asked, nothing sent
    ({'name': None}, None, None, False, True, []),
    # rename
    ({'name': 'new'}, None, None, False, True, [{'op': 'replace', 'path': '/name', 'value': 'new'}]),
    # booleans and integers keep their types
    ({'protected': True, 'min_ram': 512}, None, None, False, True,
     [{'op': 'replace', 'path': '/min_ram', 'value': 512}, {'op': 'replace', 'path': '/protected', 'value': True}]),
    # new property is added, changed one replaced
    ({}, {'os_distro': 'cirros', 'hw_disk_bus': 'virtio'}, None, False, True,
     [{'op': 'replace', 'path': '/hw_disk_bus', 'value': 'virtio'}, {'op': 'add', 'path': '/os_distro', 'value': 'cirros'}]),
    # purge removes unlisted user properties but keeps owner_specified.* and base keys
    ({}, {'hw_disk_bus': 'scsi'}, None, True, True, [{'op': 'remove', 'path': '/hw_cpu_cores'}]),
    # empty properties with purge clears every user property
    ({}, {}, None, True, True, [{'op': 'remove', 'path': '/hw_cpu_cores'}, {'op': 'remove', 'path': '/hw_disk_bus'}]),
    # tags: same set in another order is no change
    ({}, None, ['a', 'b'], False, True, []),
    # tags: clear
    ({}, None, [], False, True, [{'op': 'replace', 'path': '/tags', 'value': []}]),
    # tags without purge only add
    ({}, None, ['c'], False, False, [{'op': 'replace', 'path': '/tags', 'value': ['a', 'b', 'c']}]),
    ({}, None, ['a'], False, False, []),
    # a property with a slash in its key is escaped
    ({}, {'a/b~c': 'x'}, None, False, True, [{'op': 'add', 'path': '/a~1b~0c', 'value': 'x'}]),
    # kernel_id absent on the image is added
    ({'kernel_id': 'k1'}, None, None, False, True, [{'op': 'add', 'path': '/kernel_id', 'value': 'k1'}]),
])
def test_build_patch(scalars, properties, tags, purge_props, purge_tags, expected):
    desired = desired_state(scalars, properties=properties, tags=tags, purge_properties=purge_props,
                            purge_tags=purge_tags, current=IMAGE)
    keys = managed_keys(desired, IMAGE, purge_props, properties is not None)
    operations = build_patch(IMAGE, desired, keys)
    assert operations == expected
    # The same patch applied by a standard JSON patch implementation yields the desired projection.
    patched = jsonpatch.apply_patch(project(IMAGE, keys), operations)
    assert patched == desired
    assert apply_patch(project(IMAGE, keys), operations) == desired
    # and a second computation on the result finds nothing to do
    assert build_patch(apply_patch(IMAGE, operations), desired, keys) == []


def test_read_only_keys_are_never_emitted():
    desired = {'status': 'killed', 'os_glance_x': '1', 'size': 3, 'name': 'cirros'}
    assert build_patch(IMAGE, desired, set(desired)) == []


@pytest.mark.parametrize('wanted, conflicts', [
    ({'disk_format': 'qcow2', 'container_format': 'bare'}, []),
    ({'disk_format': None, 'container_format': None}, []),
    ({'disk_format': 'raw', 'container_format': 'bare'}, ['disk_format']),
    ({'disk_format': 'raw', 'container_format': 'ovf'}, ['disk_format', 'container_format']),
])
def test_create_only_conflicts(wanted, conflicts):
    assert create_only_conflicts(IMAGE, wanted) == conflicts


def test_key_pointer_escapes_like_rfc_6901():
    assert key_pointer('~/') == '/~0~1'
