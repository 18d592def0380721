# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import bz2
import gzip
import lzma
import os
import tracemalloc

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.osimg.glance.plugins.module_utils._compression import (
    CompressionError,
    Decompressor,
    format_from_magic,
    format_from_name,
)
from ansible_collections.osimg.glance.plugins.module_utils._errors import GlanceModuleError

COMPRESS = {
    'gzip': lambda data: gzip.compress(data, mtime=0),  # no timestamp: the same bytes on every worker
    'bzip2': bz2.compress,
    'xz': lzma.compress,
}
SUFFIX = {'gzip': '.gz', 'bzip2': '.bz2', 'xz': '.xz'}
FORMATS = sorted(COMPRESS)
# Something that looks like an image: a qcow2 signature, random bytes, then a long run of zeros.
IMAGE = b'QFI\xfb\x00\x00\x00\x03' + os.urandom(200000) + b'\x00' * 600000


def split(data, size):
    return [data[i:i + size] for i in range(0, len(data), size)]


def decompress(chunks, compression='auto', name=None, chunk_size=65536):
    decompressor = Decompressor(compression, name, chunk_size=chunk_size)
    out = list(decompressor.iter(chunks))
    return decompressor, out


@pytest.mark.parametrize('name, expected', [
    ('image.qcow2.gz', 'gzip'),
    ('IMAGE.QCOW2.XZ', 'xz'),
    ('/srv/images/disk.raw.bz2', 'bzip2'),
    ('https://images.example.org/noble.img.xz?sig=abc#frag', 'xz'),
    ('https://images.example.org/download.php?file=noble.img.xz', None),  # only the URL path counts
    ('image.qcow2', None),
    ('image.gz.qcow2', None),
    ('archive.tar.xz', 'xz'),
    ('', None),
    (None, None),
])
def test_format_from_name(name, expected):
    assert format_from_name(name) == expected


@pytest.mark.parametrize('compression', FORMATS)
def test_format_from_magic_recognises_real_data(compression):
    assert format_from_magic(COMPRESS[compression](b'hello')) == compression


@pytest.mark.parametrize('head', [b'', b'\x1f', b'BZh', b'BZhx', b'QFI\xfb', b'\xfd7zXZ', b'\x00' * 8])
def test_format_from_magic_needs_the_whole_signature(head):
    assert format_from_magic(head) is None


@pytest.mark.parametrize('compression', FORMATS)
@pytest.mark.parametrize('chunk', [1, 5, 4096, 10 ** 9])
@pytest.mark.parametrize('how', ['explicit', 'suffix', 'magic'])
def test_round_trip_whatever_the_chunking(compression, chunk, how):
    compressed = COMPRESS[compression](IMAGE)
    setting, name = {
        'explicit': (compression, 'download'),
        'suffix': ('auto', 'disk' + SUFFIX[compression]),
        'magic': ('auto', 'download'),
    }[how]
    decompressor, out = decompress(split(compressed, chunk), setting, name)
    assert b''.join(out) == IMAGE
    assert decompressor.format == compression
    assert decompressor.size == len(IMAGE)
    assert decompressor.compressed_size == len(compressed)


@pytest.mark.parametrize('compression', FORMATS)
def test_output_comes_in_bounded_chunks(compression):
    compressed = COMPRESS[compression](IMAGE)
    dummy, out = decompress([compressed], compression, chunk_size=4096)
    assert len(out) > 100
    assert max(len(piece) for piece in out) <= 4096
    assert all(len(piece) == 4096 for piece in out[:-1])  # small pieces are joined


# Peak memory allowed: a few output chunks, plus the decoder's own window (8 MiB for xz's default preset).
@pytest.mark.parametrize('compression, limit_mib', [('gzip', 5), ('bzip2', 5), ('xz', 13)])
def test_memory_stays_flat_for_a_decompression_bomb(compression, limit_mib):
    # 64 MiB of zeros compress to a few KiB (xz, bzip2) or 64 KiB (gzip); one compressed chunk must not
    # turn into one 64 MiB chunk in memory.
    size = 64 * 1024 * 1024
    compressed = COMPRESS[compression](b'\x00' * size)
    assert len(compressed) < size // 500
    decompressor = Decompressor(compression, chunk_size=1024 * 1024)
    total = 0
    tracemalloc.start()
    try:
        for piece in decompressor.iter([compressed]):
            total += len(piece)
            assert len(piece) <= 1024 * 1024
        dummy, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == size == decompressor.size
    assert peak < limit_mib * 1024 * 1024, 'peak %d bytes' % peak


def test_plain_data_passes_through_unchanged_with_auto():
    chunks = split(IMAGE, 3000)
    decompressor, out = decompress(chunks, 'auto', 'https://host/disk.qcow2')
    assert b''.join(out) == IMAGE
    assert decompressor.format is None
    assert decompressor.size == decompressor.compressed_size == len(IMAGE)


@pytest.mark.parametrize('data', [b'', b'ab', b'QFI'])
def test_short_plain_data_passes_through_with_auto(data):
    dummy, out = decompress([data], 'auto', 'disk.raw')
    assert b''.join(out) == data


@pytest.mark.parametrize('compression', FORMATS)
def test_concatenated_members_and_padding(compression):
    compress = COMPRESS[compression]
    parts = [b'first part ' * 1000, b'', b'third part ' * 777]
    compressed = b''.join(compress(part) + b'\x00' * 4 for part in parts) + b'\x00' * 1024
    for chunk in (1, 3, 100, len(compressed)):
        decompressor, out = decompress(split(compressed, chunk), compression)
        assert b''.join(out) == b''.join(parts)


@pytest.mark.parametrize('compression', FORMATS)
def test_truncated_data_fails(compression):
    compressed = COMPRESS[compression](IMAGE)
    with pytest.raises(CompressionError, match=r'^decompress: disk%s ends before the end of its %s data'
                       % (SUFFIX[compression].replace('.', r'\.'), compression)):
        decompress(split(compressed[:-20], 1000), 'auto', 'disk' + SUFFIX[compression])


@pytest.mark.parametrize('compression', FORMATS)
@pytest.mark.parametrize('tail', [b'x', b'garbage after the stream', b'\x00\x00\x00garbage'])
def test_trailing_garbage_fails(compression, tail):
    compressed = COMPRESS[compression](IMAGE) + tail
    with pytest.raises(CompressionError, match='bytes after the end of its %s data' % compression):
        decompress(split(compressed, 777), compression)


@pytest.mark.parametrize('compression', FORMATS)
def test_corrupt_data_fails_clearly(compression):
    compressed = bytearray(COMPRESS[compression](IMAGE))
    middle = len(compressed) // 2
    compressed[middle:middle + 16] = b'\xff' * 16
    with pytest.raises(CompressionError, match='is not valid %s data|ends before the end' % compression):
        decompress([bytes(compressed)], compression, 'disk')


def test_gzip_checks_its_crc():
    compressed = bytearray(gzip.compress(IMAGE))
    compressed[-8] ^= 0xff  # the CRC-32 in the trailer
    with pytest.raises(CompressionError, match='is not valid gzip data'):
        decompress([bytes(compressed)], 'gzip')


@pytest.mark.parametrize('compression, data, message', [
    ('xz', gzip.compress(b'abc', mtime=0), 'disk is gzip-compressed, not xz: set decompress to the format the data is in'),
    ('gzip', IMAGE, 'disk does not start with the gzip signature, so it is not gzip-compressed'),
    ('bzip2', b'', 'disk is empty'),
])
def test_explicit_format_must_match_the_data(compression, data, message):
    decompressor = Decompressor(compression, 'disk')
    chunks = decompressor.iter(split(data, 100) if data else [])
    with pytest.raises(CompressionError, match=message):
        next(chunks)  # nothing is passed on before the signature is checked


def test_suffix_must_match_the_data_with_auto():
    with pytest.raises(CompressionError) as info:
        decompress([IMAGE], 'auto', 'https://host/noble.img.xz')
    assert str(info.value) == (
        'decompress: https://host/noble.img.xz does not start with the xz signature, so it is not xz-compressed: '
        'its name ends in .xz, but the data says otherwise; set decompress to the format the data is in, or '
        'leave decompress out for data that is not compressed.')


def test_errors_are_module_errors_not_os_errors():
    # bz2 reports bad data as OSError; the collection's error wrapper must see its own type.
    with pytest.raises(CompressionError) as info:
        decompress([b'BZh9' + b'\x00' * 100], 'bzip2')
    assert isinstance(info.value, GlanceModuleError)
    assert not isinstance(info.value, OSError)


def test_errors_from_the_source_propagate():
    def source():
        yield gzip.compress(b'abc')[:5]
        raise RuntimeError('connection lost')
    with pytest.raises(RuntimeError, match='connection lost'):
        decompress(source(), 'gzip')


@pytest.mark.parametrize('compression, chunk_size', [('zip', 10), ('gzip', 0)])
def test_bad_arguments(compression, chunk_size):
    with pytest.raises(ValueError):
        Decompressor(compression, chunk_size=chunk_size)


@settings(max_examples=60, deadline=None)
@given(
    compression=st.sampled_from(FORMATS),
    parts=st.lists(st.binary(max_size=3000), min_size=1, max_size=4),
    padding=st.integers(min_value=0, max_value=9),
    cuts=st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=8),
    chunk_size=st.integers(min_value=1, max_value=5000),
)
def test_fuzz_round_trip(compression, parts, padding, cuts, chunk_size):
    compressed = b''.join(COMPRESS[compression](part) for part in parts) + b'\x00' * padding
    chunks, position, index = [], 0, 0
    while position < len(compressed):
        size = cuts[index % len(cuts)]
        chunks.append(compressed[position:position + size])
        position += size
        index += 1
    decompressor, out = decompress(chunks, 'auto', 'x' + SUFFIX[compression], chunk_size=chunk_size)
    assert b''.join(out) == b''.join(parts)
    assert all(len(piece) <= chunk_size for piece in out)
