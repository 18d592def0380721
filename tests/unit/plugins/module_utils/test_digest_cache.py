# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The digest cache: an unchanged file is not read again; anything else, or any doubt, means hashing it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import stat
import time

import pytest

from ansible_collections.osimg.glance.plugins.module_utils import _digest_cache
from ansible_collections.osimg.glance.plugins.module_utils._cache_dir import PrivateDirectory, cache_root
from ansible_collections.osimg.glance.plugins.module_utils._digest_cache import (
    DigestCache,
    file_digests,
    hash_and_remember,
    remember_sent,
    stat_identity,
)

DATA = b'image data ' * 1000
SHA512 = hashlib.sha512(DATA).hexdigest()


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / 'image.raw'
    path.write_bytes(DATA)
    return str(path)


@pytest.fixture
def reads(monkeypatch):
    """Every time the cache module reads a file to hash it: the list of (path, algorithms)."""
    seen = []
    real = _digest_cache.hash_file

    def counting(path, algorithms, *args):
        seen.append((path, list(algorithms)))
        return real(path, algorithms, *args)

    monkeypatch.setattr(_digest_cache, 'hash_file', counting)
    return seen


@pytest.fixture
def settled(monkeypatch):
    """Files count as settled at once (the tests write them a moment before hashing)."""
    monkeypatch.setattr(_digest_cache, 'RACY_SECONDS', 0)


@pytest.fixture
def cache():
    opened = DigestCache.open()
    assert opened is not None
    yield opened
    opened.close()


def entry_files(cache_home):
    directory = os.path.join(str(cache_home), 'osimg.glance', 'digests')
    return [os.path.join(directory, name) for name in os.listdir(directory) if name.endswith('.json')]


def test_first_read_hashes_and_remembers_then_an_unchanged_file_is_not_read(data_file, cache, reads, settled):
    assert file_digests(data_file, ['sha512'], cache) == ({'sha512': SHA512}, False)
    assert file_digests(data_file, ['sha512'], cache) == ({'sha512': SHA512}, True)
    assert reads == [(data_file, ['sha512'])]


def test_the_cache_directory_and_entries_are_private(data_file, cache, cache_home, settled):
    file_digests(data_file, ['sha512'], cache)
    root = os.path.join(str(cache_home), 'osimg.glance')
    assert cache_root() == root
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(root, 'digests')).st_mode) == 0o700
    [entry] = entry_files(cache_home)
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600
    with open(entry) as f:
        content = json.load(f)
    # hashes, sizes and times: no file name, no data
    assert data_file not in json.dumps(content)
    assert content['digests'] == {'sha512': SHA512} and content['size'] == len(DATA)


@pytest.mark.parametrize('change', ['rewrite same size', 'append', 'touch', 'chmod', 'replace by rename'])
def test_any_change_of_the_file_means_reading_it_again(data_file, cache, reads, settled, change):
    file_digests(data_file, ['sha512'], cache)
    time.sleep(0.01)  # a new timestamp on file systems with a coarse clock
    new_data = DATA
    if change == 'rewrite same size':
        new_data = DATA[:-1] + b'!'
        with open(data_file, 'r+b') as f:
            f.write(new_data)
    elif change == 'append':
        new_data = DATA + b'more'
        with open(data_file, 'ab') as f:
            f.write(b'more')
    elif change == 'touch':
        os.utime(data_file)
    elif change == 'chmod':
        os.chmod(data_file, 0o640)
    else:
        other = data_file + '.new'
        with open(other, 'wb') as f:
            f.write(new_data)
        os.rename(other, data_file)
    digests, cached = file_digests(data_file, ['sha512'], cache)
    assert cached is False
    assert digests == {'sha512': hashlib.sha512(new_data).hexdigest()}
    assert len(reads) == 2


def test_a_file_changed_just_before_it_was_read_is_not_remembered(data_file, cache, reads):
    # RACY_SECONDS as shipped: the file was written a moment ago.
    file_digests(data_file, ['sha512'], cache)
    file_digests(data_file, ['sha512'], cache)
    assert len(reads) == 2


def test_racy_rule_compares_the_change_time_with_the_start_of_the_read(data_file, cache):
    identity = stat_identity(data_file)
    changed = max(identity['mtime_ns'], identity['ctime_ns']) / 1e9
    assert cache.store(identity, identity, changed + 1, {'sha512': SHA512}) is False
    assert cache.store(identity, identity, changed + 3, {'sha512': SHA512}) is True
    assert cache.lookup(identity, ['sha512']) == {'sha512': SHA512}


def test_a_file_that_changed_while_it_was_read_is_not_remembered(data_file, cache):
    before = stat_identity(data_file)
    after = dict(before, size=before['size'] + 1)
    assert cache.store(before, after, time.time() + 10, {'sha512': SHA512}) is False
    assert cache.lookup(before, ['sha512']) is None


def test_an_algorithm_not_cached_yet_means_reading_the_file(data_file, cache, reads, settled):
    file_digests(data_file, ['sha512'], cache)
    digests, cached = file_digests(data_file, ['sha256', 'sha512'], cache)
    assert cached is False and digests['sha256'] == hashlib.sha256(DATA).hexdigest()
    # both are known now
    assert file_digests(data_file, ['sha256'], cache)[1] is True
    assert file_digests(data_file, ['sha512'], cache)[1] is True


def test_a_fresh_hash_that_contradicts_the_entry_replaces_it(data_file, cache, settled):
    identity = stat_identity(data_file)
    started = time.time() + 10
    cache.store(identity, identity, started, {'sha512': 'f' * 128, 'md5': 'a' * 32})
    hash_and_remember(data_file, ['sha512'], cache)
    assert cache.lookup(identity, ['sha512']) == {'sha512': SHA512}
    assert cache.lookup(identity, ['md5']) is None


def test_remember_sent_keeps_the_hashes_of_a_whole_upload_only(data_file, cache, settled):
    before = stat_identity(data_file)
    assert remember_sent(cache, data_file, before, time.time(), {'sha512': SHA512}, len(DATA) - 1) is False
    assert cache.lookup(before, ['sha512']) is None
    assert remember_sent(cache, data_file, before, time.time(), {'sha512': SHA512}, len(DATA)) is True
    assert cache.lookup(before, ['sha512']) == {'sha512': SHA512}
    assert remember_sent(None, data_file, before, time.time(), {'sha512': SHA512}, len(DATA)) is False


def test_entries_others_could_write_or_that_are_links_are_ignored(data_file, cache, cache_home, reads, settled):
    file_digests(data_file, ['sha512'], cache)
    [entry] = entry_files(cache_home)
    os.chmod(entry, 0o666)
    assert file_digests(data_file, ['sha512'], cache)[1] is False
    [entry] = entry_files(cache_home)  # rewritten, private again
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600
    target = entry + '.target'
    os.rename(entry, target)
    os.symlink(target, entry)
    assert file_digests(data_file, ['sha512'], cache)[1] is False


def test_a_garbled_entry_is_a_miss(data_file, cache, cache_home, settled):
    file_digests(data_file, ['sha512'], cache)
    [entry] = entry_files(cache_home)
    with open(entry, 'w') as f:
        f.write('{not json')
    assert file_digests(data_file, ['sha512'], cache) == ({'sha512': SHA512}, False)


def test_a_cache_directory_open_to_others_is_not_used(cache_home, tmp_path):
    directory, reason = PrivateDirectory.open('digests')
    directory.close()
    os.chmod(os.path.join(str(cache_home), 'osimg.glance', 'digests'), 0o755)
    assert DigestCache.open() is None
    directory, reason = PrivateDirectory.open('digests')
    assert directory is None and 'is not private' in reason and 'mode 0755' in reason


def test_a_root_others_can_write_is_not_used(cache_home):
    PrivateDirectory.open('digests')[0].close()
    os.chmod(os.path.join(str(cache_home), 'osimg.glance'), 0o777)
    assert DigestCache.open() is None


def test_a_cache_directory_that_cannot_be_created_means_hashing_every_time(tmp_path, monkeypatch, data_file, reads):
    blocker = tmp_path / 'not-a-dir'
    blocker.write_text('x')
    monkeypatch.setenv('XDG_CACHE_HOME', str(blocker))
    assert DigestCache.open() is None
    assert file_digests(data_file, ['sha512'], None) == ({'sha512': SHA512}, False)
    assert file_digests(data_file, ['sha512'], None)[1] is False
    assert len(reads) == 2


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch):
    monkeypatch.setenv('XDG_CACHE_HOME', 'relative/dir')
    assert cache_root() == os.path.join(os.path.expanduser('~'), '.cache', 'osimg.glance')


def test_old_entries_are_pruned_when_a_new_one_is_written(data_file, cache, cache_home, settled, tmp_path):
    file_digests(data_file, ['sha512'], cache)
    [old] = entry_files(cache_home)
    long_ago = time.time() - _digest_cache.PRUNE_AFTER_SECONDS - 10
    os.utime(old, (long_ago, long_ago))
    other = tmp_path / 'other.raw'
    other.write_bytes(b'other')
    file_digests(str(other), ['sha512'], cache)
    remaining = entry_files(cache_home)
    assert old not in remaining and len(remaining) == 1
