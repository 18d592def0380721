# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The discovery, usage and image cache calls of the Glance client, against the fake transport."""

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._errors import Forbidden, NotFound
from ansible_collections.osimg.glance.plugins.module_utils._glance import Glance
from ansible_collections.osimg.glance.tests.unit.fake_glance import IMAGE_URL, make_client

UUID = '5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d'
GLANCE_403 = '<html><body><h1>403 Forbidden</h1>You are not authorized to complete cache_list action.</body></html>'
GLANCE_404 = '<html><body><h1>404 Not Found</h1>Caching via API is not supported at this site.</body></html>'


@pytest.fixture
def cloud():
    client, transport, dummy = make_client()
    transport.add_token()
    return Glance(client), transport


def test_versions_come_from_the_versions_document(cloud):
    glance, transport = cloud
    versions = [{'id': 'v2.17', 'status': 'SUPPORTED'}, {'id': 'v2.18', 'status': 'CURRENT'}]
    transport.add('GET', IMAGE_URL + '/versions', json_body={'versions': versions})
    assert glance.get_versions() == versions


def test_import_methods_are_the_value_list(cloud):
    glance, transport = cloud
    transport.add('GET', IMAGE_URL + '/v2/info/import', json_body={'import-methods': {
        'description': 'Import methods available.', 'type': 'array', 'value': ['glance-direct', 'copy-image']}})
    assert glance.get_import_methods() == ['glance-direct', 'copy-image']


def test_usage_is_the_usage_mapping_and_empty_without_unified_limits(cloud):
    glance, transport = cloud
    usage = {'image_size_total': {'usage': 1, 'limit': 1}}
    transport.add('GET', IMAGE_URL + '/v2/info/usage', json_body={'usage': usage})
    transport.add('GET', IMAGE_URL + '/v2/info/usage', json_body={'usage': {}})
    assert glance.get_usage() == usage
    assert glance.get_usage() == {}


def test_cache_state_lists_cached_entries_and_queued_ids(cloud):
    glance, transport = cloud
    transport.add('GET', IMAGE_URL + '/v2/cache', json_body={
        'cached_images': [{'image_id': UUID, 'size': 3, 'hits': 0}], 'queued_images': ['q1']})
    assert glance.get_cache() == {'cached_images': [{'image_id': UUID, 'size': 3, 'hits': 0}], 'queued_images': ['q1']}


@pytest.mark.parametrize('status, body, explanation, hint', [
    (403, GLANCE_403, 'You are not authorized to complete cache_list action.',
     'The image cache API is for admins by default (policy manage_image_cache).'),
    (404, GLANCE_404, 'Caching via API is not supported at this site.',
     'The image cache API needs Glance API v2.14 or newer, with an image_cache_dir set by the operator.'),
])
def test_cache_errors_say_what_to_do(cloud, status, body, explanation, hint):
    glance, transport = cloud
    transport.add('GET', IMAGE_URL + '/v2/cache', status=status, body=body, headers={'Content-Type': 'text/html'})
    with pytest.raises((Forbidden, NotFound)) as err:
        glance.get_cache()
    assert str(err.value) == '%d %s for GET %s/v2/cache: %s %s' % (
        status, 'Forbidden' if status == 403 else 'Not Found', IMAGE_URL, explanation, hint)


def test_queue_remove_and_clear_send_the_cache_calls(cloud):
    glance, transport = cloud
    transport.add('PUT', IMAGE_URL + '/v2/cache/' + UUID, status=202)
    transport.add('DELETE', IMAGE_URL + '/v2/cache/' + UUID, status=204)
    transport.add('DELETE', IMAGE_URL + '/v2/cache', status=204)
    glance.queue_image_for_caching(UUID)
    glance.remove_cached_image(UUID)
    glance.clear_cache()
    glance.clear_cache('queue')
    assert transport.paths()[1:] == [
        ('PUT', '/v2/cache/' + UUID),
        ('DELETE', '/v2/cache/' + UUID),
        ('DELETE', '/v2/cache'),
        ('DELETE', '/v2/cache'),
    ]
    clears = [r for r in transport.requests if r.path_url == '/v2/cache']
    assert 'x-image-cache-clear-target' not in clears[0].headers  # no header: cache and queue
    assert clears[1].headers['x-image-cache-clear-target'] == 'queue'
