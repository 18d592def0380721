# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.osimg.glance.plugins.modules import glance_info
from ansible_collections.osimg.glance.tests.unit.fake_glance import AUTH, IMAGE_URL, run_module

VERSIONS = {'versions': [{'id': 'v2.17', 'status': 'SUPPORTED', 'links': []},
                         {'id': 'v2.18', 'status': 'CURRENT', 'links': []}]}
IMPORT = {'import-methods': {'description': 'Import methods available.', 'type': 'array',
                             'value': ['glance-direct', 'web-download']}}
STORES = [{'id': 'local1', 'default': 'true'}, {'id': 'local2'}]
STORES_DETAIL = [dict(STORES[0], type='file', weight=0, properties={'chunk_size': 65536}),
                 dict(STORES[1], type='file', weight=0, properties={'chunk_size': 65536})]
USAGE = {'image_size_total': {'usage': 1, 'limit': 1}, 'image_count_total': {'usage': 1, 'limit': 5}}
CACHE = {'cached_images': [], 'queued_images': []}
FORBIDDEN = '<html><body><h1>403 Forbidden</h1>You are not authorized to complete %s action.</body></html>'


def run(args, capsys):
    return run_module(glance_info.main, dict(args, auth=AUTH), capsys)


def glance_paths(transport):
    return [path for method, path in transport.paths() if not path.startswith('/v3/')]


def add_everything(cloud, stores_detail=True, usage=None):
    cloud.add_token()
    cloud.add('GET', IMAGE_URL + '/versions', json_body=VERSIONS)
    cloud.add('GET', IMAGE_URL + '/v2/info/import', json_body=IMPORT)
    if stores_detail:
        cloud.add('GET', IMAGE_URL + '/v2/info/stores/detail', json_body={'stores': STORES_DETAIL})
    else:
        cloud.add('GET', IMAGE_URL + '/v2/info/stores/detail', status=403, body=FORBIDDEN % 'stores_info_detail')
    cloud.add('GET', IMAGE_URL + '/v2/info/stores', json_body={'stores': STORES})
    cloud.add('GET', IMAGE_URL + '/v2/info/usage', json_body={'usage': USAGE if usage is None else usage})
    cloud.add('GET', IMAGE_URL + '/v2/cache', json_body=CACHE)


def test_gathers_every_part_by_default(fake_cloud, capsys):
    add_everything(fake_cloud)
    rc, result = run({}, capsys)
    assert rc == 0 and result['changed'] is False
    assert result['api_versions'] == VERSIONS['versions']
    assert result['current_api_version'] == 'v2.18'
    assert result['import_methods'] == ['glance-direct', 'web-download']
    assert result['stores'] == STORES_DETAIL
    assert result['default_store'] == 'local1'
    assert result['usage'] == USAGE
    assert result['cache_available'] is True
    assert result['unavailable'] == {}
    assert glance_paths(fake_cloud) == ['/versions', '/v2/info/import', '/v2/info/stores/detail', '/v2/info/usage',
                                        '/v2/cache']


def test_only_the_import_methods_cost_one_request(fake_cloud, capsys):
    add_everything(fake_cloud)
    rc, result = run({'gather': ['import_methods']}, capsys)
    assert rc == 0
    assert result['import_methods'] == ['glance-direct', 'web-download']
    assert glance_paths(fake_cloud) == ['/v2/info/import']
    for absent in ('api_versions', 'current_api_version', 'stores', 'default_store', 'usage', 'cache_available'):
        assert absent not in result


def test_store_details_refused_falls_back_to_the_plain_listing(fake_cloud, capsys):
    add_everything(fake_cloud, stores_detail=False)
    rc, result = run({'gather': ['stores']}, capsys)
    assert rc == 0
    assert result['stores'] == STORES and result['default_store'] == 'local1'
    assert result['unavailable'] == {'store_details': '403 Forbidden for GET %s/v2/info/stores/detail: You are not '
                                                      'authorized to complete stores_info_detail action.' % IMAGE_URL}
    assert glance_paths(fake_cloud) == ['/v2/info/stores/detail', '/v2/info/stores']


def test_store_details_can_be_skipped(fake_cloud, capsys):
    add_everything(fake_cloud)
    rc, result = run({'gather': ['stores'], 'store_details': False}, capsys)
    assert result['stores'] == STORES
    assert glance_paths(fake_cloud) == ['/v2/info/stores']


def test_parts_the_cloud_does_not_offer_are_null_with_the_reason(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE_URL + '/v2/info/import', status=404, body='Not Found')
    fake_cloud.add('GET', IMAGE_URL + '/v2/info/stores/detail', status=404,
                   body='Multi backend is not supported at this site.')
    fake_cloud.add('GET', IMAGE_URL + '/v2/info/usage', json_body={'usage': {}})
    fake_cloud.add('GET', IMAGE_URL + '/v2/cache', status=403, body=FORBIDDEN % 'cache_list')
    rc, result = run({'gather': ['import_methods', 'stores', 'usage', 'cache']}, capsys)
    assert rc == 0
    assert result['import_methods'] is None
    assert result['stores'] is None and result['default_store'] is None
    assert result['usage'] is None
    assert result['cache_available'] is False
    assert sorted(result['unavailable']) == ['cache', 'import_methods', 'stores', 'usage']
    assert 'Multi backend is not supported at this site.' in result['unavailable']['stores']
    assert 'does not enforce Keystone unified limits' in result['unavailable']['usage']
    assert result['unavailable']['cache'].endswith('The image cache API is for admins by default '
                                                   '(policy manage_image_cache).')
    # a single-store cloud: the plain listing would answer the same 404, so it is not asked
    assert glance_paths(fake_cloud) == ['/v2/info/import', '/v2/info/stores/detail', '/v2/info/usage', '/v2/cache']


def test_no_current_version_gives_null(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE_URL + '/versions', json_body={'versions': [{'id': 'v2.9', 'status': 'SUPPORTED'}]})
    rc, result = run({'gather': ['versions']}, capsys)
    assert result['current_api_version'] is None


def test_a_server_error_is_an_error_not_an_absent_part(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE_URL + '/v2/info/usage', status=500, body='boom')
    rc, result = run({'gather': ['usage']}, capsys)
    assert rc == 1
    assert result['msg'].startswith('500 Internal Server Error for GET %s/v2/info/usage' % IMAGE_URL)


def test_unknown_part_is_refused_before_any_request(fake_cloud, capsys):
    rc, result = run({'gather': ['quota']}, capsys)
    assert rc == 1 and 'gather' in result['msg']
    assert fake_cloud.requests == []


@pytest.mark.parametrize('check_mode', [False, True])
def test_never_writes(fake_cloud, capsys, check_mode):
    add_everything(fake_cloud)
    rc, result = run({'_ansible_check_mode': check_mode}, capsys)
    assert rc == 0 and result['changed'] is False
    assert set(method for method, path in fake_cloud.paths() if not path.startswith('/v3/')) == {'GET'}
