# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import json
import os
import stat

from ansible_collections.osimg.glance.plugins.modules import glance_image_download
from ansible_collections.osimg.glance.tests.unit.plugins.module_utils.test_module import (  # noqa: F401 pylint: disable=unused-import
    AUTH,
    fake_cloud,
    run_module,
)
from ansible_collections.osimg.glance.tests.unit.plugins.module_utils.test_transport import IMAGE_URL, make_response

ID = '5f3b1b0e-8d61-4f0a-9a43-8f2f2c6b1e2d'
IMAGE_PATH = IMAGE_URL + '/v2/images/' + ID
DATA = os.urandom(2 * 1024 * 1024 + 777)
SHA512 = hashlib.sha512(DATA).hexdigest()
IMAGE = {'id': ID, 'name': 'cirros', 'status': 'active', 'disk_format': 'raw', 'size': len(DATA),
         'os_hash_algo': 'sha512', 'os_hash_value': SHA512, 'checksum': hashlib.md5(DATA).hexdigest()}


def run(args, capsys, check=False):
    args = dict(args, auth=AUTH, _ansible_diff=True)
    if check:
        args['_ansible_check_mode'] = True
    return run_module(glance_image_download.main, args, capsys)


def routes(fake_cloud, body=DATA, image=None):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE_PATH, json_body=image or IMAGE)

    def answer(request):
        if 'Range' in request.headers:
            start = int(request.headers['Range'][len('bytes='):-1])
            return make_response(request, 206, body[start:],
                                 {'Content-Range': 'bytes %d-%d/%d' % (start, len(body) - 1, len(body))})
        return make_response(request, 200, body)

    fake_cloud.add('GET', IMAGE_PATH + '/file', func=answer)


def file_requests(fake_cloud):
    return [r.headers.get('Range') for r in fake_cloud.requests if r.url.endswith('/file')]


def warned(result, text):
    """Whether a warning contains text (ansible-core 2.19 returns warnings as structured summaries)."""
    return any(text in json.dumps(w) for w in result.get('warnings', []))


def listing(directory):
    return sorted(os.listdir(str(directory)))


def test_downloads_into_a_directory_then_is_idempotent(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    rc, result = run({'image': ID, 'dest': str(tmp_path)}, capsys)
    dest = str(tmp_path / 'cirros.raw')
    assert rc == 0 and result['changed'] is True, result
    assert result['dest'] == dest and result['size'] == len(DATA) and result['image_id'] == ID
    assert result['checksum'] == {'algorithm': 'sha512', 'value': SHA512} and result['verified'] is True
    assert 'resumed_from' not in result
    assert result['diff'] == {'before': {}, 'after': {'dest': dest, 'size': len(DATA), 'checksum': SHA512}}
    assert open(dest, 'rb').read() == DATA
    assert listing(tmp_path) == ['cirros.raw']

    rc, result = run({'image': ID, 'dest': dest}, capsys)
    assert rc == 0 and result['changed'] is False and result['verified'] is True
    assert file_requests(fake_cloud) == [None]  # the second run did not download


def test_check_mode_downloads_nothing(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img')}, capsys, check=True)
    assert rc == 0 and result['changed'] is True
    assert listing(tmp_path) == [] and file_requests(fake_cloud) == []


def test_different_content_is_replaced_and_force_downloads_again(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    dest = tmp_path / 'x.img'
    dest.write_bytes(os.urandom(len(DATA)))
    rc, result = run({'image': ID, 'dest': str(dest)}, capsys)
    assert rc == 0 and result['changed'] is True and dest.read_bytes() == DATA
    assert result['diff']['before']['checksum'] != SHA512
    rc, result = run({'image': ID, 'dest': str(dest), 'force': True}, capsys)
    assert rc == 0 and result['changed'] is True
    assert file_requests(fake_cloud) == [None, None]


def test_resumes_from_the_part_file(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    part = tmp_path / ('.x.img.%s.part' % ID)
    part.write_bytes(DATA[:1000000])
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img')}, capsys)
    assert rc == 0 and result['changed'] is True and result['resumed_from'] == 1000000
    assert file_requests(fake_cloud) == ['bytes=1000000-']
    assert (tmp_path / 'x.img').read_bytes() == DATA and listing(tmp_path) == ['x.img']


def test_corrupt_part_is_downloaded_again_from_zero(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    (tmp_path / ('.x.img.%s.part' % ID)).write_bytes(b'\0' * 1000)
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img')}, capsys)
    assert rc == 0 and result['changed'] is True and 'resumed_from' not in result
    assert warned(result, 'downloading again from zero')
    assert file_requests(fake_cloud) == ['bytes=1000-', None]
    assert (tmp_path / 'x.img').read_bytes() == DATA


def test_failed_verification_leaves_dest_untouched(fake_cloud, capsys, tmp_path):
    routes(fake_cloud, body=os.urandom(len(DATA)))
    dest = tmp_path / 'x.img'
    dest.write_bytes(b'previous')
    rc, result = run({'image': ID, 'dest': str(dest)}, capsys)
    assert rc == 1
    assert 'but Glance reports %s' % SHA512 in result['msg'] and 'left as it was' in result['msg']
    assert dest.read_bytes() == b'previous' and listing(tmp_path) == ['x.img']


def test_short_body_keeps_the_part(fake_cloud, capsys, tmp_path):
    routes(fake_cloud, image=dict(IMAGE, size=len(DATA) + 10))
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img')}, capsys)
    assert rc == 1 and 'run again to resume' in result['msg']
    assert listing(tmp_path) == ['.x.img.%s.part' % ID]


def test_verify_false_skips_hashing(fake_cloud, capsys, tmp_path):
    routes(fake_cloud, body=os.urandom(len(DATA)))
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img'), 'verify': False}, capsys)
    assert rc == 0 and result['changed'] is True and result['verified'] is False


def test_image_without_hash_warns_and_reports_a_local_sha256(fake_cloud, capsys, tmp_path):
    routes(fake_cloud, image=dict(IMAGE, os_hash_algo=None, os_hash_value=None, checksum=None))
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img')}, capsys)
    assert rc == 0 and result['verified'] is False
    assert result['checksum'] == {'algorithm': 'sha256', 'value': hashlib.sha256(DATA).hexdigest()}
    assert warned(result, 'only the size')


def test_file_attributes_alone_make_a_change(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    dest = tmp_path / 'x.img'
    dest.write_bytes(DATA)
    os.chmod(str(dest), 0o644)
    rc, result = run({'image': ID, 'dest': str(dest), 'mode': '0600'}, capsys, check=True)
    assert rc == 0 and result['changed'] is True and stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o644
    rc, result = run({'image': ID, 'dest': str(dest), 'mode': '0600'}, capsys)
    assert rc == 0 and result['changed'] is True and stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o600
    rc, result = run({'image': ID, 'dest': str(dest), 'mode': '0600'}, capsys)
    assert rc == 0 and result['changed'] is False
    assert file_requests(fake_cloud) == []


def test_missing_directory_fails_before_any_download(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'nope' / 'x.img')}, capsys)
    assert rc == 1 and 'does not exist' in result['msg']
    assert file_requests(fake_cloud) == []


def test_queued_image_has_no_data(fake_cloud, capsys, tmp_path):
    routes(fake_cloud, image=dict(IMAGE, status='queued', size=None))
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img')}, capsys)
    assert rc == 1 and 'has no data to download (status queued)' in result['msg']


def test_verify_false_does_not_turn_tls_verification_off(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img'), 'verify': False}, capsys)
    assert rc == 0
    assert fake_cloud.clients[0].config.verify is True
