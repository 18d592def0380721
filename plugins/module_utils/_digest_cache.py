# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The hashes of local image files, remembered so that an unchanged file is not read again. Internal use only.

The quick check of make and rsync, made stricter: an entry is keyed by the file's device and inode and
holds its size, modification and change times (nanoseconds). The change time (ctime) is set by the
kernel on every write, rename or chmod and no user can set it back, so a file whose five values all match
the entry still has the content that was hashed. An entry is written only when the file did not change
while it was read and its last change is more than RACY_SECONDS older than the read (a write in the same
tick of the file system clock could otherwise keep all five values).

The cache only ever answers "this file is unchanged": glance_image uses it to decide that an image's data
already matches, and hashes the file again whenever the cached hashes would lead to anything else. Data
that is uploaded is always hashed as it is sent, whatever the cache says.
"""

import hashlib
import os
import time

from ansible_collections.osimg.glance.plugins.module_utils._cache_dir import PrivateDirectory
from ansible_collections.osimg.glance.plugins.module_utils._hashing import hash_file

ENTRY_VERSION = 1
RACY_SECONDS = 2
# Entries of files not hashed for this long are removed when a new one is written.
PRUNE_AFTER_SECONDS = 90 * 24 * 3600
IDENTITY_FIELDS = ('dev', 'ino', 'size', 'mtime_ns', 'ctime_ns')


def file_identity(st):
    """What identifies a file's content cheaply: device, inode, size, modification and change times (ns)."""
    return {'dev': st.st_dev, 'ino': st.st_ino, 'size': st.st_size, 'mtime_ns': st.st_mtime_ns,
            'ctime_ns': st.st_ctime_ns}


def _entry_name(identity):
    return hashlib.sha256(('%d:%d' % (identity['dev'], identity['ino'])).encode('ascii')).hexdigest()[:40] + '.json'


class DigestCache:
    """Hashes of files by identity, in a private directory (see _cache_dir)."""

    def __init__(self, directory, clock=time.time):
        self.directory = directory
        self.clock = clock

    @classmethod
    def open(cls, environ=None):
        """The user's digest cache, or None when its directory cannot be used (the run then hashes every time)."""
        directory, dummy = PrivateDirectory.open('digests', environ)
        return cls(directory) if directory is not None else None

    def close(self):
        self.directory.close()

    def _entry(self, identity):
        """The entry written for exactly this identity, or None."""
        entry = self.directory.read_json(_entry_name(identity))
        if not isinstance(entry, dict) or entry.get('version') != ENTRY_VERSION:
            return None
        if any(entry.get(field) != identity[field] for field in IDENTITY_FIELDS):
            return None
        return entry if isinstance(entry.get('digests'), dict) else None

    def lookup(self, identity, algorithms):
        """{algorithm: hex digest} for every algorithm, if an entry matches identity exactly; else None."""
        entry = self._entry(identity)
        if entry is None or not all(isinstance(entry['digests'].get(a), str) for a in algorithms):
            return None
        return dict((algorithm, entry['digests'][algorithm]) for algorithm in algorithms)

    def store(self, before, after, started, digests):
        """Remember digests of a file read from time ``started``, whose identity was ``before`` the read and
        ``after`` it. Nothing is kept when the file changed meanwhile or changed too shortly before.

        The digests already known for the same identity are kept beside the new ones (another algorithm), unless
        they contradict them.
        Returns whether an entry was written.
        """
        if before != after:
            return False
        if max(after['mtime_ns'], after['ctime_ns']) > (started - RACY_SECONDS) * 1e9:
            return False
        known = self._entry(after)
        merged = dict(known['digests']) if known else {}
        if any(merged.get(algorithm, value) != value for algorithm, value in digests.items()):
            merged = {}  # the entry contradicts what was just read: none of it is kept
        merged.update(digests)
        written = self.directory.write_json(_entry_name(after), dict(after, version=ENTRY_VERSION, digests=merged))
        if written and known is None:
            self.directory.prune(PRUNE_AFTER_SECONDS, now=self.clock())
        return written


def stat_identity(path):
    return file_identity(os.stat(path))


def file_digests(path, algorithms, cache=None, clock=time.time):
    """({algorithm: hex digest}, whether they came from the cache) for the file at path.

    With a cache, an unchanged file is not read at all; a changed or unknown one is hashed and remembered.
    """
    algorithms = sorted(set(algorithms))
    if cache is None:
        return hash_file(path, algorithms).hexdigests(), False
    before = stat_identity(path)
    cached = cache.lookup(before, algorithms)
    if cached is not None:
        return cached, True
    return hash_and_remember(path, algorithms, cache, before, clock), False


def hash_and_remember(path, algorithms, cache, before=None, clock=time.time):
    """Hash the file (never trusting the cache) and remember the result when the file held still."""
    before = before or stat_identity(path)
    started = clock()
    digests = hash_file(path, algorithms).hexdigests()
    if cache is not None:
        cache.store(before, stat_identity(path), started, digests)
    return digests


def remember_sent(cache, path, before, started, digests, size):
    """After an upload from path: keep the hashes of the bytes sent, if the file held still while it was sent.

    The next run then finds the file unchanged without reading it. ``before`` is the file's identity before
    the upload started at ``started``; ``size`` the number of bytes sent.
    """
    if cache is None or before is None or size != before['size']:
        return False
    try:
        after = stat_identity(path)
    except OSError:
        return False
    return cache.store(before, after, started, digests)
