# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._lookup import (
    NotResolved,
    find_one_image,
    is_project_id,
    pick_one_image,
    pick_one_project,
)


def test_pick_one_image_ignores_deleted():
    live = {'id': 'a', 'status': 'active'}
    assert pick_one_image('x', [{'id': 'b', 'status': 'deleted'}, live]) is live


def test_pick_one_image_none():
    with pytest.raises(NotResolved, match="image: no image 'x' is visible"):
        pick_one_image('x', [])


def test_pick_one_image_several_asks_for_the_id():
    with pytest.raises(NotResolved) as exc:
        pick_one_image('x', [{'id': 'b'}, {'id': 'a'}], option='kernel')
    assert str(exc.value) == "kernel: 2 images are named 'x' (a, b); give the id of the one to use."


def test_find_one_image_requires_a_ref():
    with pytest.raises(NotResolved, match='image is required'):
        find_one_image(None, '')


@pytest.mark.parametrize('ref, expected', [
    ('8ef3007b78824a6fb65cbceaa64fe8fa', True),
    ('5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d', True),
    ('alt', False),
    (None, False),
])
def test_is_project_id(ref, expected):
    assert is_project_id(ref) is expected


def test_pick_one_project():
    assert pick_one_project('alt', [{'id': 'p'}]) == {'id': 'p'}
    with pytest.raises(NotResolved, match="no project named 'alt'.*give the project id"):
        pick_one_project('alt', [])
    with pytest.raises(NotResolved, match="Keystone knows no project with id"):
        pick_one_project('8ef3007b78824a6fb65cbceaa64fe8fa', [])
    with pytest.raises(NotResolved, match=r"2 projects are named 'alt' \(p1, p2\)"):
        pick_one_project('alt', [{'id': 'p2'}, {'id': 'p1'}])


class FakeGlance(object):
    """find_images_by_name answered from a list; every call recorded."""

    def __init__(self, images, project_id='p' * 32):
        self.images = images
        self.calls = []
        self.http = type('Http', (), {'project_id': project_id})()

    def find_images_by_name(self, name, owner=None, member_status='all', hidden=None):
        self.calls.append(hidden)
        return [i for i in self.images if i['name'] == name and (owner is None or i.get('owner') == owner)
                and (hidden is None or bool(i.get('os_hidden')) == hidden)]


def test_a_write_lookup_that_finds_a_visible_image_asks_no_more():
    glance = FakeGlance([{'id': 'a', 'name': 'x', 'owner': 'p' * 32, 'status': 'active', 'os_hidden': False}])
    assert find_one_image(glance, 'x', purpose='write')['id'] == 'a'
    assert glance.calls == [False]


def test_a_write_lookup_finds_a_hidden_image_with_a_second_query():
    glance = FakeGlance([{'id': 'h', 'name': 'x', 'owner': 'p' * 32, 'status': 'active', 'os_hidden': True}])
    assert find_one_image(glance, 'x', purpose='write')['id'] == 'h'
    assert glance.calls == [False, True]
