# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Streaming multi-algorithm hashing of image data, for internal collection use only."""

import hashlib
import re

CHUNK_SIZE = 1024 * 1024

# Algorithms parse_checksum() accepts, with the length of their hex digest.
CHECKSUM_ALGORITHMS = {'md5': 32, 'sha256': 64, 'sha512': 128}
_HEX_RE = re.compile(r'^[0-9a-fA-F]+$')


def _new_hash(name):
    try:
        # md5 is used for integrity, not security: keep working on FIPS hosts.
        return hashlib.new(name, usedforsecurity=False)
    except TypeError:  # pragma: no cover - Python < 3.9
        return hashlib.new(name)
    except ValueError:
        raise ValueError('unsupported hash algorithm %r; this Python supports: %s'
                         % (name, ', '.join(sorted(hashlib.algorithms_available))))


class MultiHasher:
    """Feed data once, get several digests (md5, sha256, the cloud's os_hash_algo...)."""

    def __init__(self, algorithms):
        if isinstance(algorithms, str):
            algorithms = [algorithms]
        self._hashes = {}
        for name in algorithms:
            if not name:
                continue
            name = str(name).lower()
            if name not in self._hashes:
                self._hashes[name] = _new_hash(name)
        self.size = 0

    @property
    def algorithms(self):
        return list(self._hashes)

    def update(self, chunk):
        if chunk:
            for h in self._hashes.values():
                h.update(chunk)
            self.size += len(chunk)

    def hexdigest(self, name):
        try:
            return self._hashes[str(name).lower()].hexdigest()
        except KeyError:
            raise KeyError('hash %r was not computed (computed: %s)' % (name, ', '.join(self._hashes)))

    def hexdigests(self):
        return dict((name, h.hexdigest()) for name, h in self._hashes.items())


def file_chunks(path, chunk_size=CHUNK_SIZE, offset=0):
    """Yield the bytes of a file (a path, or a file object open for binary reading) in chunks, starting at offset.
    Never reads the whole file."""
    if hasattr(path, 'read'):
        yield from _read_chunks(path, chunk_size, offset)
        return
    with open(path, 'rb') as f:
        yield from _read_chunks(f, chunk_size, offset)


def _read_chunks(f, chunk_size, offset):
    if offset:
        f.seek(offset)
    while True:
        chunk = f.read(chunk_size)
        if not chunk:
            break
        yield chunk


def hash_file(path, algorithms, chunk_size=CHUNK_SIZE):
    """Hash a local file (a path or a binary file object) with every algorithm in one pass; returns the MultiHasher."""
    hasher = MultiHasher(algorithms)
    for chunk in file_chunks(path, chunk_size):
        hasher.update(chunk)
    return hasher


def hashing_iter(chunks, hasher):
    """Yield chunks unchanged, feeding each into hasher on the way."""
    for chunk in chunks:
        if chunk:
            hasher.update(chunk)
            yield chunk


def parse_checksum(value):
    """Parse ``'<algo>:<hex>'`` (md5, sha256 or sha512) into ``(algo, lowercase hex)``.

    A bare hex digest is accepted too; its length tells the algorithm (32 md5, 64 sha256, 128 sha512).
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError('checksum must be a string like "sha256:<hex digest>", got %r' % (value,))
    text = value.strip()
    if ':' in text:
        algo, digest = text.split(':', 1)
        algo = algo.strip().lower()
        digest = digest.strip()
        if algo not in CHECKSUM_ALGORITHMS:
            raise ValueError('unsupported checksum algorithm %r in %r; use one of: %s'
                             % (algo, value, ', '.join(sorted(CHECKSUM_ALGORITHMS))))
    else:
        digest = text
        by_length = dict((n, a) for a, n in CHECKSUM_ALGORITHMS.items())
        algo = by_length.get(len(digest))
        if algo is None:
            raise ValueError('cannot tell the algorithm of checksum %r: write it as "<algorithm>:<hex digest>" '
                             'with algorithm one of %s' % (value, ', '.join(sorted(CHECKSUM_ALGORITHMS))))
    if not _HEX_RE.match(digest):
        raise ValueError('checksum %r is not a hexadecimal digest' % (value,))
    if len(digest) != CHECKSUM_ALGORITHMS[algo]:
        raise ValueError('a %s digest has %d hex digits, %r has %d'
                         % (algo, CHECKSUM_ALGORITHMS[algo], value, len(digest)))
    return algo, digest.lower()
