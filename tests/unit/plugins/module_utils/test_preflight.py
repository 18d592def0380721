# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The checks before data moves: Glance 33's quota arithmetic, stores and import methods, against the fake transport."""

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._errors import GlanceModuleError, ServerError
from ansible_collections.osimg.glance.plugins.module_utils._glance import Glance
from ansible_collections.osimg.glance.plugins.module_utils._preflight import (
    MIB,
    ImportMethodNotOffered,
    QuotaExceeded,
    StoreNotOffered,
    check_upload,
    quota_claims,
    refused_claim,
)
from ansible_collections.osimg.glance.tests.unit.fake_glance import IMAGE_URL, PROJECT_ID, make_client

USAGE = IMAGE_URL + '/v2/info/usage'
STORES = IMAGE_URL + '/v2/info/stores'
IMPORT = IMAGE_URL + '/v2/info/import'
TWO_STORES = [{'id': 'local1', 'default': 'true'}, {'id': 'local2', 'description': 'Second'},
              {'id': 'web', 'read-only': 'true'}]
METHODS = {'import-methods': {'type': 'array', 'value': ['glance-direct', 'copy-image']}}


def usage(size=(0, -1), stage=(0, -1), count=(0, -1), uploading=(0, -1)):
    """A /v2/info/usage body; each resource as (usage, limit)."""
    return {'usage': dict((name, {'usage': used, 'limit': limit}) for name, (used, limit) in (
        ('image_size_total', size), ('image_stage_total', stage), ('image_count_total', count),
        ('image_count_uploading', uploading)))}


@pytest.fixture
def cloud():
    client, transport, dummy = make_client()
    transport.add_token()
    return Glance(client), transport


def glance_paths(transport):
    return [path for method, path in transport.paths() if not path.startswith('/v3/')]


# -- Glance's arithmetic ------------------------------------------------------------------------

@pytest.mark.parametrize('size, method, new_image, expected', [
    (None, None, False, [('image_size_total', 0), ('image_count_uploading', 1)]),
    (MIB - 1, None, False, [('image_size_total', 0), ('image_count_uploading', 1)]),  # whole MiB, rounded down
    (5 * MIB + 7, None, True, [('image_count_total', 1), ('image_size_total', 5), ('image_count_uploading', 1)]),
    (3 * MIB, 'glance-direct', False,
     [('image_stage_total', 3), ('image_count_uploading', 1), ('image_size_total', 3)]),
    (None, 'web-download', False, [('image_size_total', 0), ('image_stage_total', 0), ('image_count_uploading', 1)]),
    (2 * MIB, 'copy-image', False, [('image_size_total', 0), ('image_stage_total', 2), ('image_count_uploading', 1)]),
])
def test_quota_claims_follow_what_glance_checks(size, method, new_image, expected):
    assert quota_claims(size, method, new_image) == expected


@pytest.mark.parametrize('body, claims, expected', [
    (usage(size=(1, 1)), [('image_size_total', 1)], ('image_size_total', 1, 1, 1)),
    (usage(size=(1, 1)), [('image_size_total', 0)], None),       # full but not over: Glance lets delta 0 through
    (usage(size=(2, 1)), [('image_size_total', 0)], ('image_size_total', 2, 0, 1)),
    (usage(size=(10 ** 6, -1)), [('image_size_total', 10 ** 6)], None),  # -1 is unlimited
    (usage(uploading=(1, 1)), [('image_count_uploading', 1)], ('image_count_uploading', 1, 1, 1)),
    (usage(uploading=(0, 1)), [('image_count_uploading', 1)], None),
    (usage(count=(5, 5), size=(9, 1)), [('image_count_total', 1), ('image_size_total', 0)],
     ('image_count_total', 5, 1, 5)),                             # the first refusal, in Glance's order
    ({'usage': {}}, [('image_size_total', 10 ** 6)], None),       # no unified limits: nothing to check
    ({'usage': {'image_size_total': {'usage': None, 'limit': 1}}}, [('image_size_total', 5)], None),
])
def test_refused_claim(body, claims, expected):
    assert refused_claim(body['usage'], claims) == expected


# -- check_upload against the fake cloud ---------------------------------------------------------

def test_a_full_size_quota_is_refused_with_the_numbers_before_any_data(cloud):
    glance, transport = cloud
    transport.add('GET', USAGE, json_body=usage(size=(1, 1)))
    with pytest.raises(QuotaExceeded) as err:
        check_upload(glance, size=2 * MIB)
    assert (err.value.resource, err.value.usage, err.value.limit, err.value.delta) == ('image_size_total', 1, 1, 2)
    assert str(err.value) == (
        'quota: Glance would refuse this transfer: image_size_total of project %s is at 1 MiB of its limit of 1 MiB, '
        "and the transfer needs 2 MiB more (image_size_total: the total size of the project's image data, in MiB). "
        'No data was sent; delete images the project no longer needs, or ask the cloud operator to raise the limit.'
        % PROJECT_ID)
    assert glance_paths(transport) == ['/v2/info/usage']  # no PUT: nothing streamed


def test_an_upload_that_fits_passes_and_returns_the_usage(cloud):
    glance, transport = cloud
    body = usage(size=(1, 3), uploading=(0, 1))
    transport.add('GET', USAGE, json_body=body)
    assert check_upload(glance, size=2 * MIB) == body['usage']


def test_an_unknown_size_is_refused_only_over_the_limit(cloud):
    glance, transport = cloud
    transport.add('GET', USAGE, json_body=usage(size=(1, 1)))
    transport.add('GET', USAGE, json_body=usage(size=(4, 1)))
    check_upload(glance, size=None)  # Glance claims 0 MiB for an upload without a size, and lets it through
    with pytest.raises(QuotaExceeded) as err:
        check_upload(glance, size=None)
    assert 'image_size_total of project %s is at 4 MiB, over its limit of 1 MiB' % PROJECT_ID in str(err.value)


def test_a_new_image_over_the_image_count_is_refused(cloud):
    glance, transport = cloud
    transport.add('GET', USAGE, json_body=usage(count=(5, 5)))
    with pytest.raises(QuotaExceeded) as err:
        check_upload(glance, size=MIB, new_image=True)
    assert err.value.resource == 'image_count_total'
    assert 'is at 5 of its limit of 5, and the transfer needs 1 more' in str(err.value)
    assert "the number of the project's images" in str(err.value)


def test_too_many_uploads_at_once_says_to_wait(cloud):
    glance, transport = cloud
    transport.add('GET', USAGE, json_body=usage(uploading=(2, 2)))
    with pytest.raises(QuotaExceeded) as err:
        check_upload(glance, size=MIB)
    assert err.value.resource == 'image_count_uploading'
    assert "wait for the project's other uploads and imports to finish" in str(err.value)


def test_glance_direct_checks_the_staging_area_first(cloud):
    glance, transport = cloud
    transport.add('GET', IMPORT, json_body=METHODS)
    transport.add('GET', USAGE, json_body=usage(stage=(1, 2), size=(0, 100)))
    with pytest.raises(QuotaExceeded) as err:
        check_upload(glance, size=2 * MIB, import_method='glance-direct')
    assert err.value.resource == 'image_stage_total'
    assert 'is at 1 MiB of its limit of 2 MiB, and the transfer needs 2 MiB more' in str(err.value)


@pytest.mark.parametrize('status', [403, 404])
def test_a_cloud_that_does_not_report_usage_is_not_checked(cloud, status):
    glance, transport = cloud
    transport.add('GET', USAGE, status=status, body='no')
    assert check_upload(glance, size=10 ** 12) == {}


def test_other_errors_of_the_usage_call_are_not_hidden(cloud):
    glance, transport = cloud
    transport.add('GET', USAGE, status=500, body='boom')
    with pytest.raises(ServerError):
        check_upload(glance, size=MIB)


def test_an_unknown_store_names_what_the_cloud_offers(cloud):
    glance, transport = cloud
    transport.add('GET', STORES, json_body={'stores': TWO_STORES})
    with pytest.raises(StoreNotOffered) as err:
        check_upload(glance, size=MIB, stores=['local1', 'fast', 'ssd'])
    assert str(err.value) == ("stores: this cloud has no store 'fast', 'ssd'; it offers local1 (default), local2, "
                              "web (read-only).")
    assert err.value.missing == ['fast', 'ssd']
    assert glance_paths(transport) == ['/v2/info/stores']  # refused before the usage is even read


def test_a_read_only_store_takes_no_data(cloud):
    glance, transport = cloud
    transport.add('GET', STORES, json_body={'stores': TWO_STORES})
    with pytest.raises(StoreNotOffered) as err:
        check_upload(glance, size=MIB, stores=['web'])
    assert "the store 'web' is read-only" in str(err.value)


def test_stores_on_a_single_store_cloud(cloud):
    glance, transport = cloud
    transport.add('GET', STORES, status=404, body='Multi backend is not supported at this site.')
    with pytest.raises(StoreNotOffered) as err:
        check_upload(glance, size=MIB, stores=['local1'])
    assert str(err.value) == ('stores: this cloud has no multiple stores (Multi backend is not supported at this '
                              'site.); leave stores unset so that Glance uses its only store.')


def test_an_import_method_the_cloud_does_not_offer(cloud):
    glance, transport = cloud
    transport.add('GET', IMPORT, json_body=METHODS)
    with pytest.raises(ImportMethodNotOffered) as err:
        check_upload(glance, import_method='web-download')
    assert str(err.value) == ("import_method: this cloud does not offer the import method 'web-download'; "
                              'it offers glance-direct, copy-image.')
    assert isinstance(err.value, GlanceModuleError)
    assert glance_paths(transport) == ['/v2/info/import']


def test_a_cloud_without_import_says_to_upload_directly(cloud):
    glance, transport = cloud
    transport.add('GET', IMPORT, status=404, body='Not Found')
    with pytest.raises(ImportMethodNotOffered) as err:
        check_upload(glance, import_method='glance-direct')
    assert 'it offers no import method: upload the data directly (leave import_method unset).' in str(err.value)


def test_each_question_costs_one_request_and_only_when_asked(cloud):
    glance, transport = cloud
    transport.add('GET', IMPORT, json_body=METHODS)
    transport.add('GET', STORES, json_body={'stores': TWO_STORES})
    transport.add('GET', USAGE, json_body=usage())
    check_upload(glance, size=MIB)
    assert glance_paths(transport) == ['/v2/info/usage']
    check_upload(glance, size=MIB, stores=['local2'], import_method='copy-image')
    assert glance_paths(transport) == ['/v2/info/usage', '/v2/info/import', '/v2/info/stores', '/v2/info/usage']
