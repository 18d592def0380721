# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import errno
import hashlib
import io
import os

import pytest
import requests

from ansible_collections.osimg.glance.plugins.module_utils import _download
from ansible_collections.osimg.glance.plugins.module_utils._download import (
    BackgroundHasher,
    DownloadError,
    PartFile,
    check_destination,
    check_has_data,
    choose_hash,
    content_range_start,
    default_filename,
    fetch_to_part,
    part_path,
    resolve_dest,
    resume_decision,
)
from ansible_collections.osimg.glance.plugins.module_utils._errors import ConnectionFailed, Forbidden
from ansible_collections.osimg.glance.plugins.module_utils._glance import Glance
from ansible_collections.osimg.glance.plugins.module_utils._hashing import MultiHasher
from ansible_collections.osimg.glance.tests.unit.fake_glance import IMAGE_URL, make_client, make_response

ID = '5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d'
FILE = IMAGE_URL + '/v2/images/' + ID + '/file'
DATA = os.urandom(3 * 1024 * 1024 + 12345)
IMAGE = {'id': ID, 'name': 'cirros', 'status': 'active', 'disk_format': 'qcow2', 'size': len(DATA),
         'os_hash_algo': 'sha512', 'os_hash_value': hashlib.sha512(DATA).hexdigest(),
         'checksum': hashlib.md5(DATA).hexdigest()}


# ---- destination ----
@pytest.mark.parametrize('image, expected', [
    ({'id': ID, 'name': 'cirros', 'disk_format': 'qcow2'}, 'cirros.qcow2'),
    ({'id': ID, 'name': 'a/b', 'disk_format': 'raw'}, 'a_b.raw'),
    ({'id': ID, 'name': '..', 'disk_format': 'raw'}, ID + '.raw'),
    ({'id': ID, 'name': None, 'disk_format': 'iso'}, ID + '.iso'),
    ({'id': ID, 'name': 'noformat', 'disk_format': None}, 'noformat'),
    ({'id': ID, 'name': u'caf\u00e9', 'disk_format': 'raw'}, u'caf\u00e9.raw'),
])
def test_default_filename(image, expected):
    assert default_filename(image) == expected


def test_default_filename_fits_name_max():
    name = default_filename({'id': ID, 'name': u'\u00e9' * 200, 'disk_format': 'qcow2'})
    assert len(name.encode('utf-8')) <= 255 and name.endswith('.qcow2')


@pytest.mark.parametrize('dest, isdir, expected', [
    ('/srv/images', True, '/srv/images/cirros.qcow2'),
    ('/srv/images/', False, '/srv/images/cirros.qcow2'),
    ('/srv/images/x.img', False, '/srv/images/x.img'),
    ('x.img', False, 'x.img'),
])
def test_resolve_dest(dest, isdir, expected):
    assert resolve_dest(dest, IMAGE, isdir=lambda path: isdir) == expected


def test_part_path_is_predictable_hidden_and_short_enough():
    assert part_path('/srv/images/x.img', ID) == '/srv/images/.x.img.%s.part' % ID
    assert part_path('x.img', ID) == '.x.img.%s.part' % ID
    long_part = os.path.basename(part_path('/d/' + 'n' * 255, ID))
    assert len(long_part) <= 255 and long_part.endswith('.%s.part' % ID)


def test_check_destination(tmp_path):
    check_destination(str(tmp_path / 'x.img'))
    with pytest.raises(DownloadError, match='does not exist'):
        check_destination(str(tmp_path / 'missing' / 'x.img'))
    (tmp_path / 'file').write_bytes(b'')
    with pytest.raises(DownloadError, match='is not a directory'):
        check_destination(str(tmp_path / 'file' / 'x.img'))
    (tmp_path / 'sub').mkdir()
    with pytest.raises(DownloadError, match='is a directory'):
        check_destination(str(tmp_path / 'sub'))


def test_check_destination_not_writable(tmp_path, monkeypatch):
    monkeypatch.setattr(_download.os, 'access', lambda path, mode: False)
    with pytest.raises(DownloadError, match='not writable'):
        check_destination(str(tmp_path / 'x.img'))


@pytest.mark.parametrize('image', [
    {'id': ID, 'status': 'queued', 'size': None},
    {'id': ID, 'status': 'active', 'size': 0},
    {'id': ID, 'status': 'killed', 'size': 10},
])
def test_check_has_data(image):
    with pytest.raises(DownloadError, match='has no data'):
        check_has_data(image)


@pytest.mark.parametrize('image, expected, warning', [
    (IMAGE, ('sha512', IMAGE['os_hash_value']), None),
    ({'id': ID, 'os_hash_algo': 'SHA256', 'os_hash_value': 'ABC', 'checksum': 'x'}, ('sha256', 'abc'), None),
    ({'id': ID, 'os_hash_algo': None, 'os_hash_value': None, 'checksum': 'ABC'}, ('md5', 'abc'), None),
    ({'id': ID, 'os_hash_algo': 'nohash', 'os_hash_value': 'ab', 'checksum': 'CD'}, ('md5', 'cd'), None),
    ({'id': ID, 'os_hash_algo': 'nohash', 'os_hash_value': 'ab'}, ('sha256', None), 'cannot compute'),
    ({'id': ID}, ('sha256', None), 'has no hash in Glance'),
])
def test_choose_hash_prefers_multihash(image, expected, warning):
    warnings = []
    assert choose_hash(image, True, warnings.append) == expected
    assert [w for w in warnings if warning and warning in w] == warnings
    assert bool(warnings) is bool(warning)


# ---- resume decision ----
@pytest.mark.parametrize('part_size, image_size, decision', [
    (None, 100, 'fresh'),
    (0, 100, 'fresh'),
    (50, 100, 'resume'),
    (100, 100, 'complete'),
    (101, 100, 'restart'),
    (5, None, 'restart'),
])
def test_resume_decision(part_size, image_size, decision):
    assert resume_decision(part_size, image_size) == decision


@pytest.mark.parametrize('header, start', [
    ('bytes 100-199/200', 100),
    ('bytes 0-9/*', 0),
    ('', None),
    ('items 1-2/3', None),
])
def test_content_range_start(header, start):
    resp = requests.Response()
    resp.headers['Content-Range'] = header
    assert content_range_start(resp) == start


def test_background_hasher_hashes_what_is_on_disk(tmp_path):
    part = PartFile(str(tmp_path / 'p'))
    background = BackgroundHasher(MultiHasher(['sha512']), part.fd, depth=2)
    for i in range(0, len(DATA), 65536):
        part.write_at(i, DATA[i:i + 65536])
        # what is handed over is not what counts: the hash is of the bytes read back from the file
        background.update(i, b'\0' * len(DATA[i:i + 65536]))
    assert background.finish().hexdigest('sha512') == IMAGE['os_hash_value']
    part.close()


# ---- fetch_to_part against the fake transport ----
@pytest.fixture
def cloud():
    client, transport, dummy = make_client()
    transport.add_token()
    return Glance(client), transport


def fetch(glance, image, path, algorithms=('sha512',)):
    part = PartFile(path)
    try:
        return fetch_to_part(glance, image, part, list(algorithms))
    finally:
        part.close()


def ranged(request, data=DATA, status=206, start=None):
    offset = int(request.headers['Range'][len('bytes='):-1]) if 'Range' in request.headers else 0
    start = offset if start is None else start
    if status == 206:
        return make_response(request, 206, data[start:],
                             {'Content-Range': 'bytes %d-%d/%d' % (start, len(data) - 1, len(data))})
    return make_response(request, status, data)


def test_fresh_download(cloud, tmp_path):
    glance, transport = cloud
    transport.add('GET', FILE, body=DATA)
    part = str(tmp_path / 'p')
    hasher, resumed = fetch(glance, IMAGE, part)
    assert resumed is None and hasher.hexdigest('sha512') == IMAGE['os_hash_value']
    assert open(part, 'rb').read() == DATA
    assert 'Range' not in transport.requests[-1].headers


def test_resume_asks_for_the_rest(cloud, tmp_path):
    glance, transport = cloud
    transport.add('GET', FILE, func=ranged)
    part = tmp_path / 'p'
    part.write_bytes(DATA[:1000000])
    hasher, resumed = fetch(glance, IMAGE, str(part))
    assert resumed == 1000000
    assert transport.requests[-1].headers['Range'] == 'bytes=1000000-'
    assert hasher.size == len(DATA) and hasher.hexdigest('sha512') == IMAGE['os_hash_value']
    assert part.read_bytes() == DATA


def test_a_200_to_a_range_request_restarts_from_zero(cloud, tmp_path):
    glance, transport = cloud
    transport.add('GET', FILE, func=lambda request: ranged(request, status=200))
    part = tmp_path / 'p'
    part.write_bytes(b'x' * 1000)
    hasher, resumed = fetch(glance, IMAGE, str(part))
    assert resumed is None and hasher.hexdigest('sha512') == IMAGE['os_hash_value']
    assert part.read_bytes() == DATA


def test_a_206_at_another_offset_restarts_from_zero(cloud, tmp_path):
    glance, transport = cloud
    transport.add('GET', FILE, func=lambda request: ranged(request, start=10))
    transport.add('GET', FILE, func=ranged)
    part = tmp_path / 'p'
    part.write_bytes(DATA[:1000])
    hasher, resumed = fetch(glance, IMAGE, str(part))
    assert resumed is None and hasher.hexdigest('sha512') == IMAGE['os_hash_value']
    assert part.read_bytes() == DATA
    assert [r.headers.get('Range') for r in transport.requests[1:]] == ['bytes=1000-', None]


def test_416_restarts_from_zero(cloud, tmp_path):
    glance, transport = cloud
    transport.add('GET', FILE, status=416)
    transport.add('GET', FILE, body=DATA)
    part = tmp_path / 'p'
    part.write_bytes(DATA[:10])
    hasher, resumed = fetch(glance, IMAGE, str(part))
    assert resumed is None and part.read_bytes() == DATA
    assert 'Range' not in transport.requests[-1].headers


def test_complete_part_needs_no_request(cloud, tmp_path):
    glance, transport = cloud
    part = tmp_path / 'p'
    part.write_bytes(DATA)
    hasher, resumed = fetch(glance, IMAGE, str(part))
    assert resumed == len(DATA) and hasher.hexdigest('sha512') == IMAGE['os_hash_value']
    assert len(transport.requests) == 0


def test_oversized_part_is_discarded(cloud, tmp_path):
    glance, transport = cloud
    transport.add('GET', FILE, body=DATA)
    part = tmp_path / 'p'
    part.write_bytes(DATA + b'extra')
    hasher, resumed = fetch(glance, IMAGE, str(part))
    assert resumed is None and part.read_bytes() == DATA


def test_204_means_no_data(cloud, tmp_path):
    glance, transport = cloud
    transport.add('GET', FILE, status=204)
    with pytest.raises(DownloadError, match='has no data'):
        fetch(glance, IMAGE, str(tmp_path / 'p'))
    assert not (tmp_path / 'p').exists()


def test_deactivated_403_is_explained(cloud, tmp_path):
    glance, transport = cloud
    transport.add('GET', FILE, status=403, body='<html><body><h1>403 Forbidden</h1>The requested image has been '
                                                'deactivated. Image data download is forbidden.</body></html>')
    with pytest.raises(Forbidden) as exc:
        fetch(glance, dict(IMAGE, status='deactivated'), str(tmp_path / 'p'))
    assert 'Reactivate it first' in str(exc.value) and exc.value.status == 403


class Interrupted(io.BytesIO):
    """A body that breaks after `limit` bytes, like a dropped connection."""

    def __init__(self, data, limit):
        super(Interrupted, self).__init__(data)
        self.limit = limit

    def read(self, size=-1):
        if self.tell() >= self.limit:
            raise requests.exceptions.ConnectionError('Connection reset by peer')
        return super(Interrupted, self).read(min(size, self.limit - self.tell()))


def test_interrupted_transfer_keeps_the_part_and_then_resumes(cloud, tmp_path):
    glance, transport = cloud

    def broken(request):
        resp = make_response(request, 200)
        resp.raw = Interrupted(DATA, 2 * 1024 * 1024)
        return resp

    transport.add('GET', FILE, func=broken)
    transport.add('GET', FILE, func=ranged)
    part = tmp_path / 'p'
    with pytest.raises(ConnectionFailed) as exc:
        fetch(glance, IMAGE, str(part))
    assert part.read_bytes() == DATA[:2 * 1024 * 1024]
    assert 'run the task again to resume' in str(exc.value)
    hasher, resumed = fetch(glance, IMAGE, str(part))
    assert resumed == 2 * 1024 * 1024 and hasher.hexdigest('sha512') == IMAGE['os_hash_value']


def test_disk_full_removes_the_part(cloud, tmp_path, monkeypatch):
    glance, transport = cloud
    transport.add('GET', FILE, body=DATA)
    real_pwrite = os.pwrite

    def pwrite(fd, data, offset):
        if offset + len(data) > 1024 * 1024:
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(_download.os, 'pwrite', pwrite)
    with pytest.raises(DownloadError, match='no space left') as exc:
        fetch(glance, IMAGE, str(tmp_path / 'p'))
    assert 'partial file was removed' in str(exc.value)
    assert not (tmp_path / 'p').exists()
