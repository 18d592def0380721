# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import json
import os
import stat
import subprocess
import sys
import threading

import pytest

from ansible_collections.osimg.glance.plugins.module_utils import _download
from ansible_collections.osimg.glance.plugins.modules import glance_image_download
from ansible_collections.osimg.glance.tests.servers import hostile_server
from ansible_collections.osimg.glance.tests.servers.hostile_server import HostileCloud
from ansible_collections.osimg.glance.tests.unit.fake_glance import AUTH, IMAGE_URL, make_response, run_module

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


# -- one destination, private files, no symbolic links, what is renamed is what was verified -------------------

def part_of(directory, name='x.img'):
    return directory / ('.%s.%s.part' % (name, ID))


def test_a_run_waits_for_the_lock_then_fails_naming_it(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    dest = tmp_path / 'x.img'
    with _download.DestinationLock(str(dest), 0):
        rc, result = run({'image': ID, 'dest': str(dest), 'lock_timeout': 1}, capsys)
    assert rc == 1 and 'another run is writing this destination: %s is locked (held by process %d)' % (
        tmp_path / '.x.img.lock', os.getpid()) in result['msg']
    assert 'waited 1 seconds for it (lock_timeout)' in result['msg']
    assert file_requests(fake_cloud) == [] and listing(tmp_path) == []


def test_a_run_that_waited_for_the_lock_downloads_once_it_is_free(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    dest = tmp_path / 'x.img'
    lock = _download.DestinationLock(str(dest), 0).__enter__()
    threading.Timer(1.0, lock.__exit__).start()
    rc, result = run({'image': ID, 'dest': str(dest), 'lock_timeout': 30}, capsys)
    assert rc == 0 and result['changed'] is True and dest.read_bytes() == DATA
    assert listing(tmp_path) == ['x.img']  # the lock file goes with its last holder


def test_negative_lock_timeout_is_refused(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img'), 'lock_timeout': -1}, capsys)
    assert rc == 1 and 'lock_timeout must be 0 or more' in result['msg']


def test_a_symlink_planted_as_the_part_file_is_removed_not_followed(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    victim = tmp_path / 'victim'
    victim.write_bytes(b'precious')
    part_of(tmp_path).symlink_to(victim)
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img')}, capsys)
    assert rc == 0 and result['changed'] is True and warned(result, 'which was a symbolic link')
    assert victim.read_bytes() == b'precious'
    assert (tmp_path / 'x.img').read_bytes() == DATA and listing(tmp_path) == ['victim', 'x.img']


def test_a_symlink_planted_as_the_lock_file_fails_the_task(fake_cloud, capsys, tmp_path):
    routes(fake_cloud)
    victim = tmp_path / 'victim'
    victim.write_bytes(b'precious')
    (tmp_path / '.x.img.lock').symlink_to(victim)
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img')}, capsys)
    assert rc == 1 and 'the lock file %s is a symbolic link; it was not followed' % (tmp_path / '.x.img.lock') in result['msg']
    assert victim.read_bytes() == b'precious' and not (tmp_path / 'x.img').exists()


@pytest.mark.parametrize('how, reason', [
    ('other-user', 'owned by another user (uid 4242)'),
    ('group-writable', 'writable by other users'),
    ('hard-link', 'a file with 2 hard links'),
    ('fifo', 'not a regular file'),
])
def test_a_leftover_part_that_is_not_ours_alone_is_replaced(fake_cloud, capsys, tmp_path, how, reason):
    routes(fake_cloud)
    part = part_of(tmp_path)
    if how == 'fifo':
        os.mkfifo(str(part))
    else:
        part.write_bytes(DATA[:1000])
    if how == 'other-user':
        if os.geteuid() != 0:
            pytest.skip('needs root to give a file away')
        os.chown(str(part), 4242, 4242)
    elif how == 'group-writable':
        os.chmod(str(part), 0o664)
    elif how == 'hard-link':
        os.link(str(part), str(tmp_path / 'other-name'))
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img')}, capsys)
    assert rc == 0 and 'resumed_from' not in result and warned(result, 'which was %s' % reason), result
    assert file_requests(fake_cloud) == [None]
    assert (tmp_path / 'x.img').read_bytes() == DATA
    if how == 'hard-link':
        assert (tmp_path / 'other-name').read_bytes() == DATA[:1000]


def test_an_old_world_readable_part_of_ours_is_resumed_and_made_private(fake_cloud, capsys, tmp_path):
    routes(fake_cloud, image=dict(IMAGE, size=len(DATA) + 10))  # stops short: the part stays
    part = part_of(tmp_path)
    part.write_bytes(DATA[:1000])
    os.chmod(str(part), 0o644)
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img')}, capsys)
    assert rc == 1 and file_requests(fake_cloud) == ['bytes=1000-']
    assert stat.S_IMODE(os.stat(str(part)).st_mode) == 0o600


def test_the_part_file_is_private_whatever_the_umask(fake_cloud, capsys, tmp_path):
    routes(fake_cloud, image=dict(IMAGE, size=len(DATA) + 10))  # stops short: the part stays
    old = os.umask(0)
    try:
        rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img'), 'mode': '0644'}, capsys)
    finally:
        os.umask(old)
    assert rc == 1 and stat.S_IMODE(os.stat(str(part_of(tmp_path))).st_mode) == 0o600


@pytest.mark.parametrize('mode, existing, expected', [
    (None, None, 0o666 & ~0o022),
    ('0640', None, 0o640),
    (None, 0o604, 0o604),
])
def test_the_final_mode_is_set_before_the_rename(fake_cloud, capsys, tmp_path, monkeypatch, mode, existing, expected):
    routes(fake_cloud)
    dest = tmp_path / 'x.img'
    if existing is not None:
        dest.write_bytes(b'old')
        os.chmod(str(dest), existing)
    modes = []
    real_rename = os.rename

    def rename(src, dst):
        modes.append(stat.S_IMODE(os.stat(src).st_mode))
        return real_rename(src, dst)

    monkeypatch.setattr(_download.os, 'rename', rename)
    old = os.umask(0o022)
    try:
        rc, result = run(dict({'image': ID, 'dest': str(dest)}, **({'mode': mode} if mode else {})), capsys)
    finally:
        os.umask(old)
    assert rc == 0 and modes == [expected] and stat.S_IMODE(os.stat(str(dest)).st_mode) == expected


def test_what_is_renamed_is_what_was_verified_on_disk(fake_cloud, capsys, tmp_path, monkeypatch):
    """A write that does not land as sent (a flipped byte on disk) fails verification: nothing is renamed."""
    routes(fake_cloud)
    real_pwrite = os.pwrite

    def flipping_pwrite(fd, data, offset):
        data = bytes(data)
        if offset <= 5000 < offset + len(data):
            data = data[:5000 - offset] + bytes([data[5000 - offset] ^ 1]) + data[5001 - offset:]
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(_download.os, 'pwrite', flipping_pwrite)
    dest = tmp_path / 'x.img'
    dest.write_bytes(b'previous')
    rc, result = run({'image': ID, 'dest': str(dest)}, capsys)
    assert rc == 1 and 'but Glance reports %s' % SHA512 in result['msg']
    assert dest.read_bytes() == b'previous' and listing(tmp_path) == ['x.img']


def test_more_data_than_the_image_size_stops_the_download(fake_cloud, capsys, tmp_path):
    routes(fake_cloud, body=DATA + b'extra bytes')
    rc, result = run({'image': ID, 'dest': str(tmp_path / 'x.img')}, capsys)
    assert rc == 1 and 'Glance sent more data than the size of image %s (%d bytes)' % (ID, len(DATA)) in result['msg']
    assert listing(tmp_path) == []


def test_two_runs_at_once_take_turns_and_the_second_finds_the_file(tmp_path):
    """Two processes download one image to one dest at the same time, from a slow server on loopback."""
    hostile = HostileCloud(slow_seconds=2.0, image_size=4 * 1024 * 1024).start_in_thread()
    try:
        dest = tmp_path / 'one.raw'
        args = {'ANSIBLE_MODULE_ARGS': {
            'image': hostile_server.IMAGE_ID, 'dest': str(dest),
            'auth': {'auth_url': hostile.auth_url('download-slow'), 'username': 'demo', 'password': hostile.password,
                     'project_name': 'demo'}}}
        args_file = tmp_path / 'args.json'
        args_file.write_text(json.dumps(args))
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith('OS_'))
        env['PYTHONPATH'] = os.pathsep.join(p for p in sys.path if p)
        runs = [subprocess.Popen([sys.executable, glance_image_download.__file__, str(args_file)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(tmp_path))
                for dummy in range(2)]
        results = []
        for process in runs:
            out, err = process.communicate(timeout=120)
            lines = out.decode().strip().splitlines()
            results.append(json.loads(lines[-1]) if lines else {'failed': True, 'msg': err.decode()[-2000:]})
        image = hostile.image()
    finally:
        hostile.stop()
    assert [r.get('failed', False) for r in results] == [False, False], results
    assert sorted(r['changed'] for r in results) == [False, True]
    assert all(r['verified'] for r in results)
    assert hashlib.sha512(dest.read_bytes()).hexdigest() == image['os_hash_value']
    assert listing(tmp_path) == ['args.json', 'one.raw']
