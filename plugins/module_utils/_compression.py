# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Streaming decompression of image data (gzip, bzip2, xz) with the standard library, for internal collection use only.

Distributions publish images as ``.gz``, ``.bz2`` or ``.xz`` files. ``Decompressor`` turns an iterator of
compressed chunks into an iterator of decompressed chunks without ever holding the whole image: every
decompression call is bounded by ``max_length``, so a small compressed chunk that expands a thousandfold
still comes out in pieces of at most ``chunk_size`` bytes. Memory stays at about two output chunks plus
the decoder's own window (up to 64 MiB for ``xz -9``).

Concatenated members (``cat a.gz b.gz``, multi-stream xz, ``pbzip2`` output) are decompressed one after
the other, as the command-line tools do; zero bytes after a member (tape or xz stream padding) are
ignored. Anything else after the compressed data is refused, so a truncated or foreign file never passes
as an image.
"""

import bz2
import lzma
import zlib

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    urlsplit = None

from ansible_collections.osimg.glance.plugins.module_utils._errors import GlanceModuleError

CHUNK_SIZE = 1024 * 1024
FORMATS = ('gzip', 'bzip2', 'xz')
# What the ``decompress`` option takes: a format, or 'auto' (from the name, else from the first bytes).
DECOMPRESS_CHOICES = ('auto',) + FORMATS
SUFFIXES = {'.gz': 'gzip', '.bz2': 'bzip2', '.xz': 'xz'}
MAGIC = {
    'gzip': b'\x1f\x8b',
    'bzip2': b'BZh',
    'xz': b'\xfd7zXZ\x00',
}
# Enough leading bytes to recognise every format.
MAGIC_LENGTH = max(len(magic) for magic in MAGIC.values())


class CompressionError(GlanceModuleError):
    """The data cannot be decompressed as asked: wrong format, corrupt, truncated, or followed by garbage."""


def format_from_name(name):
    """The format a file name or URL's suffix names (``.gz``, ``.bz2``, ``.xz``), or None.

    For a URL only the path counts: ``https://host/image.qcow2.xz?sig=abc`` is xz.
    """
    if not name:
        return None
    path = str(name)
    if '://' in path and urlsplit is not None:
        path = urlsplit(path).path
    path = path.lower()
    for suffix, compression in SUFFIXES.items():
        if path.endswith(suffix):
            return compression
    return None


def format_from_magic(head):
    """The format whose signature ``head`` (the first bytes of the data) starts with, or None."""
    head = bytes(head or b'')
    for compression, magic in MAGIC.items():
        if head.startswith(magic):
            if compression == 'bzip2' and not head[3:4].isdigit():
                continue  # 'BZh' is followed by the block size, 1 to 9
            return compression
    return None


def _decoder(compression):
    if compression == 'gzip':
        # 16 + MAX_WBITS: a gzip header and trailer, whose CRC-32 and length zlib checks.
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if compression == 'bzip2':
        return bz2.BZ2Decompressor()
    if compression == 'xz':
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    raise ValueError('unknown compression %r; known: %s' % (compression, ', '.join(FORMATS)))


def _zlib_pieces(decoder, data, max_length):
    """Decompress ``data`` with a zlib decoder, in pieces of at most max_length bytes."""
    while True:
        out = decoder.decompress(data, max_length)
        if out:
            yield out
        if decoder.eof:
            return
        data = decoder.unconsumed_tail
        # A full piece may leave output pending in the decoder even when all input was taken.
        if not data and len(out) < max_length:
            return


def _buffered_pieces(decoder, data, max_length):
    """The same for bz2 and lzma decoders, which buffer the input they have not consumed yet."""
    out = decoder.decompress(data, max_length)
    while True:
        if out:
            yield out
        if decoder.eof or decoder.needs_input:
            return
        out = decoder.decompress(b'', max_length)
        if not out and not decoder.eof:
            return


class Decompressor:
    """Decompress a stream of chunks on the fly; ``iter(chunks)`` yields the decompressed data.

    ``compression`` is a format (``gzip``, ``bzip2``, ``xz``) or ``auto``: the suffix of ``name`` (a path
    or URL) decides, else the first bytes of the data; data with neither passes through unchanged. A
    format given or named by the suffix must match the data's signature, or the stream fails at once,
    before any data is passed on.

    After the stream: ``format`` is the format used (None when the data passed through unchanged),
    ``compressed_size`` the bytes read and ``size`` the bytes produced. Errors are CompressionError,
    with messages that start with ``decompress:`` and name ``name``.
    """

    def __init__(self, compression='auto', name=None, chunk_size=CHUNK_SIZE):
        if compression not in DECOMPRESS_CHOICES:
            raise ValueError('compression must be one of %s, not %r' % (', '.join(DECOMPRESS_CHOICES), compression))
        if chunk_size < 1:
            raise ValueError('chunk_size must be positive')
        self.compression = compression
        self.name = name
        self.chunk_size = chunk_size
        self.suffix_format = format_from_name(name)
        self.format = None
        self.compressed_size = 0
        self.size = 0

    def _fail(self, text):
        raise CompressionError('decompress: %s %s' % (self.name or 'the data', text))

    def _expected_format(self):
        return self.suffix_format if self.compression == 'auto' else self.compression

    def iter(self, chunks):
        """Yield the decompressed data in chunks of about chunk_size bytes (small pieces are joined).

        Data that passes through unchanged keeps the chunks it came in. Call it once per Decompressor.
        """
        pending = bytearray()
        for piece in self._pieces(chunks):
            self.size += len(piece)
            if pending and len(pending) + len(piece) > self.chunk_size:
                yield bytes(pending)
                pending = bytearray()
            if not pending and len(piece) >= self.chunk_size:
                yield piece
                continue
            pending += piece
        if pending:
            yield bytes(pending)

    def _pieces(self, chunks):
        self._head = bytearray()  # bytes between members: a signature being read, or padding
        self._decoder = None
        self._members = 0
        self._passthrough = False
        for chunk in chunks:
            if not chunk:
                continue
            self.compressed_size += len(chunk)
            if self._passthrough:
                yield chunk
                continue
            yield from self._feed(bytes(chunk), at_end=False)
        if self._passthrough:
            return
        yield from self._feed(b'', at_end=True)
        if self._decoder is not None:
            self._fail('ends before the end of its %s data: the download or the file is incomplete.' % self.format)

    def _feed(self, data, at_end):
        while data or (at_end and self._decoder is None and (self._head or self._members == 0)):
            if self._decoder is None:
                self._head += data
                data = self._begin_member(at_end)
                if data is None:
                    return  # waiting for more bytes, or only padding so far
                if self._passthrough:
                    yield data
                    return
            try:
                pieces = _zlib_pieces if self.format == 'gzip' else _buffered_pieces
                yield from pieces(self._decoder, data, self.chunk_size)
            except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as e:
                self._fail('is not valid %s data (%s): the file is damaged, or in another format.' % (self.format, e))
            data = b''
            if self._decoder.eof:
                data = self._decoder.unused_data
                self._decoder = None

    def _begin_member(self, at_end):
        """Look at the bytes before a member; start it and return its first bytes, or None to wait.

        Sets _passthrough (and returns the bytes) when the data turns out not to be compressed.
        """
        head = bytes(self._head)
        if self._members == 0:
            if len(head) < MAGIC_LENGTH and not at_end:
                return None
            self._head = bytearray()
            found = format_from_magic(head)
            expected = self._expected_format()
            if expected is None and found is None:
                self._passthrough = True
                return head
            if expected is not None and found != expected:
                self._refuse_first(head, expected, found)
            self.format = found
        else:
            stripped = head.lstrip(b'\0')
            self._head = bytearray(stripped)
            if not stripped or (len(stripped) < MAGIC_LENGTH and not at_end):
                return None  # padding so far, or a signature not complete yet
            self._head = bytearray()
            if format_from_magic(stripped) != self.format:
                self._fail('has %d bytes after the end of its %s data that are neither another %s member nor '
                           'padding: the file is damaged or not what it claims to be.'
                           % (len(stripped), self.format, self.format))
            head = stripped
        self._decoder = _decoder(self.format)
        self._members += 1
        return head

    def _refuse_first(self, head, expected, found):
        if not head:
            why = 'is empty'
        elif found:
            why = 'is %s-compressed, not %s' % (found, expected)
        else:
            why = 'does not start with the %s signature, so it is not %s-compressed' % (expected, expected)
        if self.compression == 'auto':
            suffix = [s for s, f in SUFFIXES.items() if f == expected][0]
            hint = ('its name ends in %s, but the data says otherwise; set decompress to the format the data is '
                    'in, or leave decompress out for data that is not compressed.' % suffix)
        else:
            hint = 'set decompress to the format the data is in, or to auto to detect it.'
        self._fail('%s: %s' % (why, hint))
