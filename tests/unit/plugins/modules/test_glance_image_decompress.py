# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""glance_image's decompress and source_checksum options against the fake transport."""

import hashlib
import json
import lzma
import re

import pytest
from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.osimg.glance.plugins.module_utils import _image_data
from ansible_collections.osimg.glance.tests.unit.fake_glance import (
    DATA,
    IMAGES,
    IMAGE_ID,
    ONE_IMAGE,
    PROJECT_ID,
    active_image,
    hashes,
    lookup_returns,
    make_response,
    run_image_module,
    sent_json,
    warning_texts,
    writes,
)

COMPRESSED = lzma.compress(DATA)
SOURCE_SHA256 = hashlib.sha256(COMPRESSED).hexdigest()
SOURCE_KEY = 'owner_specified.osimg.source_checksum'
URL = 'http://images.example.org/cirros.qcow2.xz'

run = run_image_module


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    """Ansible keeps module warnings in a process-wide collection: start each test without earlier ones."""
    monkeypatch.setattr(ansible_warnings, '_global_warnings', type(ansible_warnings._global_warnings)())


@pytest.fixture
def xz_file(tmp_path):
    path = tmp_path / 'cirros.qcow2.xz'
    path.write_bytes(COMPRESSED)
    return str(path)


@pytest.fixture
def no_url_fetch(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError('the URL was fetched')
    monkeypatch.setattr(_image_data.requests, 'get', refuse)


@pytest.fixture
def no_decompression(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError('data was decompressed')
    monkeypatch.setattr(_image_data, 'Decompressor', refuse)


def expect_create(transport):
    created = {}

    def on_create(request):
        created.update(json.loads(request.body))
        body = dict(created, status='queued', tags=[], size=None, checksum=None, os_hash_algo=None,
                    os_hash_value=None, protected=False)
        return make_response(request, 201, json.dumps(body).encode(), {'Content-Type': 'application/json'})

    transport.add('POST', IMAGES, func=on_create)
    transport.add('PUT', re.compile(re.escape(IMAGES) + r'/[0-9a-f-]{36}/file$'), status=204)
    return created


def uploaded_image():
    return dict((k, v) for k, v in active_image().items() if not k.startswith('owner_specified.'))


def test_file_is_uploaded_decompressed_and_its_source_checksum_recorded(fake_cloud, capsys, xz_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    expect_create(fake_cloud)
    fake_cloud.add('GET', ONE_IMAGE, json_body=uploaded_image())
    fake_cloud.add('PATCH', ONE_IMAGE, json_body=active_image())
    rc, result = run({'name': 'cirros', 'filename': xz_file, 'disk_format': 'qcow2', 'decompress': 'auto',
                      'source_checksum': 'sha256:' + SOURCE_SHA256,
                      'checksum': 'sha256:' + hashes(DATA)['sha256']}, capsys)
    assert rc == 0, result
    assert result['changed'] is True
    assert result['decompressed'] == 'xz'
    assert result['verified'] == 'sha512:' + hashes(DATA)['sha512']
    upload = [r for r in fake_cloud.requests if r.method == 'PUT'][0]
    assert fake_cloud.bodies[fake_cloud.requests.index(upload)] == DATA
    # The compressed file's size is not the image's: no size header.
    assert 'x-openstack-image-size' not in upload.headers
    patch = sent_json(fake_cloud, 'PATCH')[0]
    assert {'op': 'add', 'path': '/' + SOURCE_KEY, 'value': 'sha256:' + SOURCE_SHA256} in patch
    # openstacksdk's md5 and sha256 tracking properties are written only with openstacksdk_hashes.
    assert not [op for op in patch if op['path'] == '/owner_specified.openstack.sha256']


def test_source_checksum_in_another_algorithm_is_the_one_recorded(fake_cloud, capsys, xz_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    expect_create(fake_cloud)
    fake_cloud.add('GET', ONE_IMAGE, json_body=active_image())
    fake_cloud.add('PATCH', ONE_IMAGE, json_body=active_image())
    sha512 = hashlib.sha512(COMPRESSED).hexdigest()
    rc, result = run({'name': 'cirros', 'filename': xz_file, 'disk_format': 'qcow2', 'decompress': 'xz',
                      'source_checksum': 'sha512:' + sha512}, capsys)
    assert rc == 0, result
    assert {'op': 'add', 'path': '/' + SOURCE_KEY, 'value': 'sha512:' + sha512} in sent_json(fake_cloud, 'PATCH')[0]


def test_wrong_source_checksum_stops_the_upload_and_deletes_the_new_image(fake_cloud, capsys, xz_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    expect_create(fake_cloud)
    fake_cloud.add('DELETE', ONE_IMAGE, status=204)
    rc, result = run({'name': 'cirros', 'filename': xz_file, 'disk_format': 'qcow2', 'decompress': 'xz',
                      'source_checksum': 'sha256:' + 'ab' * 32}, capsys)
    assert rc == 1
    assert result['msg'].startswith('source_checksum: %s has sha256 %s, not %s as expected; the upload was stopped.'
                                    % (xz_file, SOURCE_SHA256, 'ab' * 32))
    assert 'created by this run was deleted' in result['msg']
    # (The fake transport records the PUT only once its body is complete: this one never was.)
    assert [w[0] for w in writes(fake_cloud)] == ['POST', 'DELETE']


def test_data_that_is_not_in_the_format_named_fails_and_deletes_the_new_image(fake_cloud, capsys, tmp_path):
    plain = tmp_path / 'cirros.qcow2.gz'
    plain.write_bytes(DATA)
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    expect_create(fake_cloud)
    fake_cloud.add('DELETE', ONE_IMAGE, status=204)
    rc, result = run({'name': 'cirros', 'filename': str(plain), 'disk_format': 'qcow2', 'decompress': 'auto'}, capsys)
    assert rc == 1
    assert 'does not start with the gzip signature' in result['msg']
    assert 'created by this run was deleted' in result['msg']
    assert [w[0] for w in writes(fake_cloud)] == ['POST', 'DELETE']


def test_noop_with_a_file_hashes_it_without_decompressing(fake_cloud, capsys, xz_file, no_decompression):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(**{SOURCE_KEY: 'sha256:' + SOURCE_SHA256}))
    rc, result = run({'name': 'cirros', 'filename': xz_file, 'disk_format': 'qcow2', 'decompress': 'auto',
                      'source_checksum': 'sha256:' + SOURCE_SHA256}, capsys)
    assert rc == 0, result
    assert result['changed'] is False
    assert writes(fake_cloud) == []
    assert not warning_texts(result)


def test_noop_with_a_url_downloads_nothing(fake_cloud, capsys, no_url_fetch, no_decompression):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(**{SOURCE_KEY: 'sha256:' + SOURCE_SHA256}))
    rc, result = run({'name': 'cirros', 'url': URL, 'disk_format': 'qcow2', 'decompress': 'auto',
                      'source_checksum': 'sha256:' + SOURCE_SHA256}, capsys)
    assert rc == 0, result
    assert result['changed'] is False
    assert not warning_texts(result)
    assert len(fake_cloud.requests) == 2  # the token and one lookup


def test_noop_with_a_url_and_the_checksum_of_the_data(fake_cloud, capsys, no_url_fetch):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image())
    rc, result = run({'name': 'cirros', 'url': URL, 'disk_format': 'qcow2', 'decompress': 'xz',
                      'checksum': 'sha512:' + hashes(DATA)['sha512']}, capsys)
    assert rc == 0, result
    assert result['changed'] is False
    assert not warning_texts(result)


def test_a_different_source_checksum_is_changed_data(fake_cloud, capsys, no_url_fetch):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(**{SOURCE_KEY: 'sha256:' + SOURCE_SHA256}))
    rc, result = run({'name': 'cirros', 'url': URL, 'disk_format': 'qcow2', 'decompress': 'auto',
                      'source_checksum': 'sha256:' + 'cd' * 32}, capsys)
    assert rc == 0, result
    assert result['changed'] is False
    assert any('data differs' in text for text in warning_texts(result))
    assert writes(fake_cloud) == []


def test_a_file_that_does_not_match_source_checksum_fails_on_an_existing_image(fake_cloud, capsys, xz_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(**{SOURCE_KEY: 'sha256:' + SOURCE_SHA256}))
    rc, result = run({'name': 'cirros', 'filename': xz_file, 'disk_format': 'qcow2', 'decompress': 'auto',
                      'source_checksum': 'sha256:' + 'cd' * 32}, capsys)
    assert rc == 1
    assert result['msg'] == 'source_checksum: %s has sha256 %s, not %s as expected.' % (xz_file, SOURCE_SHA256, 'cd' * 32)
    assert writes(fake_cloud) == []


@pytest.mark.parametrize('data, changed_data', [(DATA, False), (b'QFI\xfb other data', True)])
def test_an_image_without_a_recorded_source_is_compared_by_decompressing_the_file(
        fake_cloud, capsys, xz_file, data, changed_data):
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(data=data))
    rc, result = run({'name': 'cirros', 'filename': xz_file, 'disk_format': 'qcow2', 'decompress': 'xz'}, capsys)
    assert rc == 0, result
    assert any("data differs" in text for text in warning_texts(result)) is changed_data, result
    assert writes(fake_cloud) == []


@pytest.mark.parametrize('args, message', [
    ({'decompress': 'xz'}, 'decompress needs filename or url'),
    ({'decompress': 'auto', 'url': URL, 'import_method': 'web-download'},
     'with import_method web-download Glance reads the data itself'),
    ({'url': URL, 'source_checksum': 'sha256:' + SOURCE_SHA256},
     'source_checksum is the checksum of a compressed source and needs decompress'),
    ({'url': URL, 'decompress': 'xz', 'source_checksum': 'sha256:abc'}, 'source_checksum: a sha256 digest has 64'),
])
def test_bad_input_fails_before_any_request(fake_cloud, capsys, args, message):
    rc, result = run(dict(args, name='cirros'), capsys)
    assert rc == 1
    assert message in result['msg']
    assert fake_cloud.requests == []


def test_existing_image_id_is_reused_for_an_upload_into_a_queued_image(fake_cloud, capsys, xz_file):
    """A queued image (no data yet) takes the decompressed data; it is never deleted on failure."""
    queued = {'id': IMAGE_ID, 'name': 'cirros', 'status': 'queued', 'disk_format': 'qcow2', 'container_format': 'bare',
              'size': None, 'checksum': None, 'os_hash_algo': None, 'os_hash_value': None, 'tags': [],
              'visibility': 'shared', 'protected': False, 'os_hidden': False, 'min_disk': 0, 'min_ram': 0,
              'owner': PROJECT_ID}
    fake_cloud.add_token()
    lookup_returns(fake_cloud, queued)
    fake_cloud.add('PUT', IMAGES + '/' + IMAGE_ID + '/file', status=204)
    fake_cloud.add('GET', IMAGES + '/' + IMAGE_ID, json_body=active_image())
    fake_cloud.add('PATCH', IMAGES + '/' + IMAGE_ID, json_body=active_image())
    rc, result = run({'name': 'cirros', 'filename': xz_file, 'disk_format': 'qcow2', 'decompress': 'xz'}, capsys)
    assert rc == 0, result
    upload = [r for r in fake_cloud.requests if r.method == 'PUT'][0]
    assert fake_cloud.bodies[fake_cloud.requests.index(upload)] == DATA
    assert {'op': 'add', 'path': '/' + SOURCE_KEY, 'value': 'sha256:' + SOURCE_SHA256} in sent_json(fake_cloud, 'PATCH')[0]


def test_the_same_data_compressed_differently_is_not_changed_data(fake_cloud, capsys, tmp_path):
    import bz2
    bz2_file = tmp_path / 'cirros.qcow2.bz2'
    bz2_file.write_bytes(bz2.compress(DATA))
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image(**{SOURCE_KEY: 'sha256:' + SOURCE_SHA256}))
    rc, result = run({'name': 'cirros', 'filename': str(bz2_file), 'disk_format': 'qcow2', 'decompress': 'auto',
                      'on_data_change': 'fail'}, capsys)
    assert rc == 0, result
    assert result['changed'] is False
    assert writes(fake_cloud) == []
