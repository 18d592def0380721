# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._hashing import (
    MultiHasher,
    file_chunks,
    hash_file,
    hashing_iter,
    parse_checksum,
)

DATA = b''.join(bytes([i % 251]) for i in range(3 * 1024 * 1024 + 17))


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / 'image.raw'
    path.write_bytes(DATA)
    return str(path)


def test_multihasher_matches_hashlib():
    hasher = MultiHasher(['md5', 'sha256', 'SHA512', 'sha256'])
    for i in range(0, len(DATA), 100000):
        hasher.update(DATA[i:i + 100000])
    assert hasher.algorithms == ['md5', 'sha256', 'sha512']
    assert hasher.size == len(DATA)
    assert hasher.hexdigest('md5') == hashlib.md5(DATA).hexdigest()
    assert hasher.hexdigest('sha256') == hashlib.sha256(DATA).hexdigest()
    assert hasher.hexdigests() == {
        'md5': hashlib.md5(DATA).hexdigest(),
        'sha256': hashlib.sha256(DATA).hexdigest(),
        'sha512': hashlib.sha512(DATA).hexdigest(),
    }


def test_multihasher_any_hashlib_algorithm_and_errors():
    hasher = MultiHasher('sha3_256')
    hasher.update(b'abc')
    assert hasher.hexdigest('sha3_256') == hashlib.sha3_256(b'abc').hexdigest()
    with pytest.raises(KeyError):
        hasher.hexdigest('md5')
    with pytest.raises(ValueError, match='unsupported hash algorithm'):
        MultiHasher(['md5', 'nope512'])


def test_file_chunks_are_bounded_and_offset(data_file):
    chunks = list(file_chunks(data_file))
    assert [len(c) for c in chunks] == [1048576, 1048576, 1048576, 17]
    assert b''.join(chunks) == DATA
    assert b''.join(file_chunks(data_file, chunk_size=1000, offset=5)) == DATA[5:]
    assert max(len(c) for c in file_chunks(data_file, chunk_size=1000)) == 1000


def test_hash_file(data_file):
    hasher = hash_file(data_file, ['md5', 'sha512'])
    assert hasher.size == len(DATA)
    assert hasher.hexdigest('sha512') == hashlib.sha512(DATA).hexdigest()


def test_hashing_iter_passes_chunks_through():
    hasher = MultiHasher(['sha256'])
    out = list(hashing_iter(iter([b'ab', b'', b'cd']), hasher))
    assert out == [b'ab', b'cd']
    assert hasher.hexdigest('sha256') == hashlib.sha256(b'abcd').hexdigest()
    assert hasher.size == 4


def test_hashing_iter_is_lazy():
    hasher = MultiHasher(['md5'])

    def gen():
        yield b'a'
        raise RuntimeError('second chunk must not be read yet')

    it = hashing_iter(gen(), hasher)
    assert next(it) == b'a'
    assert hasher.size == 1


MD5 = 'd41d8cd98f00b204e9800998ecf8427e'
SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
SHA512 = ('cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce'
          '47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e')


@pytest.mark.parametrize('value, expected', [
    ('md5:' + MD5, ('md5', MD5)),
    ('sha256:' + SHA256.upper(), ('sha256', SHA256)),
    ('SHA512:' + SHA512, ('sha512', SHA512)),
    (' sha256: ' + SHA256 + ' ', ('sha256', SHA256)),
    (MD5, ('md5', MD5)),
    (SHA256, ('sha256', SHA256)),
    (SHA512, ('sha512', SHA512)),
])
def test_parse_checksum(value, expected):
    assert parse_checksum(value) == expected


@pytest.mark.parametrize('value, message', [
    ('sha1:' + 'a' * 40, 'unsupported checksum algorithm'),
    ('sha256:' + MD5, 'a sha256 digest has 64 hex digits'),
    ('md5:' + 'z' * 32, 'not a hexadecimal digest'),
    ('abc', 'cannot tell the algorithm'),
    ('', 'must be a string'),
    (None, 'must be a string'),
])
def test_parse_checksum_errors(value, message):
    with pytest.raises(ValueError, match=message):
        parse_checksum(value)
