# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What glance_image hashes: only what verifies an upload, and an unchanged local file not at all on a no-op."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import re

import pytest

from ansible_collections.osimg.glance.plugins.module_utils import _digest_cache, _hashing
from ansible_collections.osimg.glance.plugins.module_utils._digest_cache import DigestCache, stat_identity
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
    warning_texts,
    writes,
)

run = run_image_module
FILE = re.compile(re.escape(IMAGES) + r'/[0-9a-f-]{36}/file$')


@pytest.fixture
def hashed(monkeypatch):
    """Every hash object the collection creates, by algorithm name, in order."""
    names = []
    real = _hashing._new_hash

    def spy(name):
        names.append(name)
        return real(name)

    monkeypatch.setattr(_hashing, '_new_hash', spy)
    return names


@pytest.fixture
def file_reads(monkeypatch):
    """The reads of the local file done to compare it with an image (not the upload's own read)."""
    seen = []
    real = _digest_cache.hash_file

    def counting(path, algorithms, *args):
        seen.append(sorted(algorithms))
        return real(path, algorithms, *args)

    monkeypatch.setattr(_digest_cache, 'hash_file', counting)
    return seen


@pytest.fixture
def settled(monkeypatch):
    """The test's files count as settled at once (they are written a moment before the run)."""
    monkeypatch.setattr(_digest_cache, 'RACY_SECONDS', 0)


def without_tracking(image):
    """The image as Glance returns it after an upload by this module: openstacksdk's object name (set at
    creation), no md5 or sha256 property."""
    return dict((k, v) for k, v in image.items() if k not in ('owner_specified.openstack.md5',
                                                              'owner_specified.openstack.sha256'))


def fake_create(transport, uploaded):
    """POST answers with the queued image asked for; the upload succeeds; the image then reads as uploaded."""
    def on_create(request):
        body = dict(json.loads(request.body), status='queued', size=None, checksum=None, os_hash_algo=None,
                    os_hash_value=None, protected=False)
        body.setdefault('tags', [])
        body.setdefault('os_hidden', False)  # Glance answers with every base key
        return make_response(request, 201, json.dumps(body).encode(), {'Content-Type': 'application/json'})

    transport.add('POST', IMAGES, func=on_create)
    transport.add('PUT', FILE, status=204)
    transport.add('GET', ONE_IMAGE, json_body=uploaded)
    transport.add('PATCH', ONE_IMAGE, json_body=uploaded)


def patches(transport):
    return [json.loads(r.body) for r in transport.requests if r.method == 'PATCH']


def created(transport):
    [post] = [json.loads(r.body) for r in transport.requests if r.method == 'POST' and '/v2/images' in r.url]
    return post


def upload_args(image_file, **extra):
    return dict({'name': 'cirros', 'filename': image_file, 'disk_format': 'qcow2'}, **extra)


# -- upload: hash only what verifies it --------------------------------------------------------

def test_an_upload_is_hashed_with_the_clouds_algorithm_only(fake_cloud, capsys, image_file, hashed):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_create(fake_cloud, without_tracking(active_image()))
    rc, result = run(upload_args(image_file), capsys)
    assert rc == 0, result
    assert set(hashed) == set(['sha512'])
    assert result['verified'] == 'sha512:' + hashes(DATA)['sha512']
    # openstacksdk's object name goes in with the create; no md5 or sha256 property, so no patch at all
    assert created(fake_cloud)['owner_specified.openstack.object'] == 'images/cirros'
    assert patches(fake_cloud) == []


def test_a_checksum_adds_its_algorithm(fake_cloud, capsys, image_file, hashed):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_create(fake_cloud, without_tracking(active_image()))
    rc, result = run(upload_args(image_file, checksum='sha256:' + hashes(DATA)['sha256']), capsys)
    assert rc == 0, result
    assert set(hashed) == set(['sha256', 'sha512'])


def test_openstacksdk_hashes_records_md5_and_sha256(fake_cloud, capsys, image_file, hashed):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_create(fake_cloud, without_tracking(active_image()))
    rc, result = run(upload_args(image_file, openstacksdk_hashes=True), capsys)
    assert rc == 0, result
    assert set(hashed) == set(['md5', 'sha256', 'sha512'])
    h = hashes(DATA)
    assert patches(fake_cloud) == [[
        {'op': 'add', 'path': '/owner_specified.openstack.md5', 'value': h['md5']},
        {'op': 'add', 'path': '/owner_specified.openstack.sha256', 'value': h['sha256']},
    ]]


def test_a_cloud_with_another_algorithm_verifies_by_reading_the_file_again(fake_cloud, capsys, image_file, hashed):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    sha256 = hashes(DATA)['sha256']
    fake_create(fake_cloud, without_tracking(active_image(os_hash_algo='sha256', os_hash_value=sha256)))
    rc, result = run(upload_args(image_file), capsys)
    assert rc == 0, result
    assert hashed[-1] == 'sha256' and set(hashed) == set(['sha512', 'sha256'])  # streamed, then the file again
    assert result['verified'] == 'sha256:' + sha256


def test_a_corrupt_upload_is_caught_on_a_cloud_with_another_algorithm(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_create(fake_cloud, without_tracking(active_image(os_hash_algo='sha256', os_hash_value='0' * 64)))
    fake_cloud.add('DELETE', ONE_IMAGE, status=204)
    rc, result = run(upload_args(image_file), capsys)
    assert rc == 1
    assert 'the upload was corrupted' in result['msg'] and 'was deleted' in result['msg']


def test_the_algorithm_of_an_image_seen_is_used_for_the_upload(fake_cloud, capsys, image_file, hashed):
    """Replacing an image of a sha256 cloud streams sha256: no second read of the file."""
    fake_cloud.add_token()
    old = active_image(data=b'old data', os_hash_algo='sha256', os_hash_value=hashlib.sha256(b'old data').hexdigest())
    lookup_returns(fake_cloud, old)
    sha256 = hashes(DATA)['sha256']
    fake_create(fake_cloud, without_tracking(active_image(id='1' * 8 + '-1111-1111-1111-' + '1' * 12,
                                                          os_hash_algo='sha256', os_hash_value=sha256)))
    fake_cloud.add('GET', IMAGES + '/' + IMAGE_ID + '/members', json_body={'members': []})
    fake_cloud.add('DELETE', IMAGES + '/' + IMAGE_ID, status=204)
    rc, result = run(upload_args(image_file, on_data_change='replace'), capsys)
    assert rc == 0, result
    assert result['replaced_image_id'] == IMAGE_ID
    assert set(hashed) == set(['sha256'])  # the comparison with the old image, then the upload
    assert result['verified'] == 'sha256:' + sha256


def test_a_url_upload_the_cloud_cannot_verify_warns(fake_cloud, capsys, hashed, monkeypatch):
    from ansible_collections.osimg.glance.plugins.module_utils import _image_transfer

    class Source(object):
        size = len(DATA)

        def __iter__(self):
            return iter([DATA])

        def close(self):
            pass

    monkeypatch.setattr(_image_transfer, 'open_url', lambda *args, **kwargs: Source())
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_create(fake_cloud, without_tracking(active_image(os_hash_algo='sha3_512', os_hash_value='0' * 128,
                                                          checksum=None)))
    rc, result = run({'name': 'cirros', 'url': 'https://images.example.org/c.qcow2', 'disk_format': 'qcow2'}, capsys)
    assert rc == 0, result
    assert 'verified' not in result
    assert any('only its size' in text for text in warning_texts(result))


def test_stale_tracking_hashes_are_removed_when_new_data_goes_in(fake_cloud, capsys, image_file):
    fake_cloud.add_token()
    queued = {'id': IMAGE_ID, 'name': 'cirros', 'status': 'queued', 'disk_format': 'qcow2', 'container_format': 'bare',
              'size': None, 'checksum': None, 'os_hash_algo': None, 'os_hash_value': None, 'tags': [],
              'visibility': 'shared', 'protected': False, 'os_hidden': False, 'min_disk': 0, 'min_ram': 0,
              'owner': PROJECT_ID, 'owner_specified.openstack.md5': 'a' * 32,
              'owner_specified.openstack.sha256': 'b' * 64}
    lookup_returns(fake_cloud, queued)
    fake_cloud.add('PUT', IMAGES + '/' + IMAGE_ID + '/file', status=204)
    fake_cloud.add('GET', IMAGES + '/' + IMAGE_ID,
                   json_body=dict(active_image(), **{'owner_specified.openstack.md5': 'a' * 32,
                                                     'owner_specified.openstack.sha256': 'b' * 64}))
    fake_cloud.add('PATCH', IMAGES + '/' + IMAGE_ID, json_body=active_image())
    rc, result = run(upload_args(image_file), capsys)
    assert rc == 0, result
    assert patches(fake_cloud) == [[
        {'op': 'remove', 'path': '/owner_specified.openstack.md5'},
        {'op': 'remove', 'path': '/owner_specified.openstack.sha256'},
    ]]


# -- no-op: an unchanged file is not read -------------------------------------------------------

def noop(fake_cloud, capsys, image_file, **extra):
    fake_cloud.routes = []
    lookup_returns(fake_cloud, active_image())
    fake_cloud.add_token()
    start = len(fake_cloud.requests)
    rc, result = run(upload_args(image_file, **extra), capsys)
    assert rc == 0, result
    assert result['changed'] is False
    return result, fake_cloud.requests[start:]


def test_a_noop_reads_the_file_once_then_never_while_it_is_unchanged(fake_cloud, capsys, image_file, file_reads,
                                                                     settled):
    noop(fake_cloud, capsys, image_file)
    assert file_reads == [['sha512']]  # the image's algorithm only
    for dummy in range(2):
        result, sent = noop(fake_cloud, capsys, image_file)
        assert len(sent) == 2  # the token and one lookup
        assert writes(fake_cloud) == []
    assert file_reads == [['sha512']]


def test_a_noop_after_the_file_changed_reads_it_and_sees_the_change(fake_cloud, capsys, image_file, file_reads,
                                                                    settled):
    noop(fake_cloud, capsys, image_file)
    with open(image_file, 'r+b') as f:
        f.write(b'X')  # same size, other content
    fake_cloud.routes = []
    fake_cloud.add_token()
    lookup_returns(fake_cloud, active_image())
    rc, result = run(upload_args(image_file), capsys)
    assert rc == 0 and result['changed'] is False
    assert any('data differs' in text for text in warning_texts(result))
    assert len(file_reads) == 2


def test_cached_hashes_that_disagree_with_the_image_are_checked_by_reading_the_file(
        fake_cloud, capsys, image_file, file_reads, settled):
    """A doubt (here an entry that lies) never makes a change: the file is hashed again, and the truth wins."""
    cache = DigestCache.open()
    identity = stat_identity(image_file)
    assert cache.store(identity, identity, identity['ctime_ns'] / 1e9 + 5, {'sha512': 'f' * 128})
    cache.close()
    result, sent = noop(fake_cloud, capsys, image_file)
    assert warning_texts(result) == []
    assert file_reads == [['sha512']]
    # the entry now holds the truth: the next run reads nothing
    noop(fake_cloud, capsys, image_file)
    assert file_reads == [['sha512']]


def test_cached_hashes_never_contradict_a_checksum_without_a_fresh_read(
        fake_cloud, capsys, image_file, file_reads, settled):
    cache = DigestCache.open()
    identity = stat_identity(image_file)
    cache.store(identity, identity, identity['ctime_ns'] / 1e9 + 5, {'sha512': hashes(DATA)['sha512'],
                                                                     'sha256': 'e' * 64})
    cache.close()
    noop(fake_cloud, capsys, image_file, checksum='sha256:' + hashes(DATA)['sha256'])
    assert file_reads == [['sha256', 'sha512']]


def test_an_upload_fills_the_cache_so_the_next_noop_reads_nothing(fake_cloud, capsys, image_file, file_reads, settled):
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_create(fake_cloud, without_tracking(active_image()))
    rc, result = run(upload_args(image_file), capsys)
    assert rc == 0 and result['changed'] is True
    noop(fake_cloud, capsys, image_file)
    assert file_reads == []


def test_file_digest_cache_false_reads_the_file_every_time(fake_cloud, capsys, image_file, file_reads, settled,
                                                           cache_home):
    for dummy in range(2):
        noop(fake_cloud, capsys, image_file, file_digest_cache=False)
    assert file_reads == [['sha512'], ['sha512']]
    assert not os.path.exists(os.path.join(str(cache_home), 'osimg.glance', 'digests'))


def test_an_unusable_cache_directory_means_hashing_every_time_not_failing(fake_cloud, capsys, image_file, file_reads,
                                                                          settled, tmp_path, monkeypatch):
    blocker = tmp_path / 'file-not-dir'
    blocker.write_text('x')
    monkeypatch.setenv('XDG_CACHE_HOME', str(blocker))
    for dummy in range(2):
        result, sent = noop(fake_cloud, capsys, image_file)
    assert file_reads == [['sha512'], ['sha512']]


def test_a_checksum_does_not_record_openstacksdk_properties(fake_cloud, capsys, image_file):
    """sha256 computed for a checksum is not written: openstacksdk trusts only md5 and sha256 together."""
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_create(fake_cloud, without_tracking(active_image()))
    rc, result = run(upload_args(image_file, checksum='sha256:' + hashes(DATA)['sha256']), capsys)
    assert rc == 0, result
    assert patches(fake_cloud) == []


def test_a_create_with_a_file_is_eight_requests(fake_cloud, capsys, image_file):
    """Lookup (visible, hidden), quota usage, create, a look for a concurrent twin, upload, wait, and the look
    again."""
    fake_cloud.add_token()
    lookup_returns(fake_cloud)
    fake_create(fake_cloud, without_tracking(active_image()))
    rc, result = run(upload_args(image_file), capsys)
    assert rc == 0, result
    sent = [(r.method, re.sub('[0-9a-f-]{36}', '<id>', r.path_url.split('?')[0]))
            for r in fake_cloud.requests if '/auth/' not in r.path_url]
    assert sent == [('GET', '/v2/images'), ('GET', '/v2/images'), ('GET', '/v2/info/usage'), ('POST', '/v2/images'),
                    ('GET', '/v2/images'), ('PUT', '/v2/images/<id>/file'), ('GET', '/v2/images/<id>'),
                    ('GET', '/v2/images')]
