# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tags that Glance's tag endpoint cannot carry (non-ASCII, '/', '.', '..') go in a JSON patch of the tag list."""

import json

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._errors import NotFound
from ansible_collections.osimg.glance.plugins.module_utils._glance import Glance, tag_fits_url_path
from ansible_collections.osimg.glance.tests.unit.fake_glance import IMAGE_URL, make_client

IMAGE = IMAGE_URL + '/v2/images/x'


def glance_with(transport_setup):
    client, transport, dummy = make_client()
    transport.add_token()
    transport_setup(transport)
    return Glance(client), transport


def patches(transport):
    return [json.loads(r.body) for r in transport.requests if r.method == 'PATCH']


@pytest.mark.parametrize('tag, fits', [
    ('plain', True), ('a b?c#d%2F', True), ('a/b', True), (u'\u00e9t\u00e9', False), (u'\u5b9a', False),
    ('.', False), ('..', False), ('...', True),
])
def test_which_tags_fit_the_url_path(tag, fits):
    assert tag_fits_url_path(tag) is fits


def test_ascii_tag_uses_the_tag_endpoint():
    glance, transport = glance_with(lambda t: t.add('PUT', IMAGE + '/tags/a%20b', status=204))
    glance.add_tag('x', 'a b')
    assert transport.paths()[1:] == [('PUT', '/v2/images/x/tags/a%20b')]


def test_non_ascii_tag_is_added_and_removed_with_a_patch():
    tag = u'\u00e9t\u00e9'

    def setup(t):
        t.add('GET', IMAGE, json_body={'id': 'x', 'tags': ['b']})
        t.add('GET', IMAGE, json_body={'id': 'x', 'tags': ['b', tag]})
        t.add('PATCH', IMAGE, json_body={'id': 'x'})
    glance, transport = glance_with(setup)
    glance.add_tag('x', tag)
    glance.remove_tag('x', tag)
    assert [m for m, dummy in transport.paths()] == ['POST', 'GET', 'PATCH', 'GET', 'PATCH']
    assert patches(transport) == [[{'op': 'replace', 'path': '/tags', 'value': ['b', tag]}],
                                  [{'op': 'replace', 'path': '/tags', 'value': ['b']}]]


def test_slash_tag_falls_back_to_a_patch_when_the_route_is_not_found():
    def setup(t):
        t.add('PUT', IMAGE + '/tags/a%2Fb', status=404)
        t.add('GET', IMAGE, json_body={'id': 'x', 'tags': []})
        t.add('PATCH', IMAGE, json_body={'id': 'x'})
    glance, transport = glance_with(setup)
    glance.add_tag('x', 'a/b')
    assert patches(transport) == [[{'op': 'replace', 'path': '/tags', 'value': ['a/b']}]]


def test_a_missing_image_is_still_not_found():
    glance, transport = glance_with(lambda t: t.add('PUT', IMAGE + '/tags/plain', status=404))
    with pytest.raises(NotFound):
        glance.add_tag('x', 'plain')


def test_patch_is_skipped_when_the_tag_list_is_already_right():
    glance, transport = glance_with(lambda t: t.add('GET', IMAGE, json_body={'id': 'x', 'tags': ['..']}))
    glance.add_tag('x', '..')
    assert patches(transport) == []
