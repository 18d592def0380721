# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Small JSON files kept between module runs in a directory only the user running the module can change.

For internal collection use only. The digest cache (_digest_cache) and the token cache (_token_cache)
keep their entries here, under ``$XDG_CACHE_HOME/osimg.glance/`` (``~/.cache/osimg.glance/`` by default).

Every file is opened relative to a descriptor of the directory, which was checked once (a real directory,
owned by this user, mode without group/other bits), never by a path that could be swapped in between;
symbolic links are never followed; a file is used only if it is owned by this user and no one else can
write it. Writes go to a new file that is then renamed over the old one, so a reader sees the old or the
new content, never half of it. Anything unexpected means "no entry": a cache never fails a run.
"""

import json
import os
import stat
import time
import uuid

CACHE_DIRNAME = 'osimg.glance'
MAX_ENTRY_BYTES = 1024 * 1024
_NOFOLLOW = getattr(os, 'O_NOFOLLOW', 0)
_DIRECTORY = getattr(os, 'O_DIRECTORY', 0)
_CLOEXEC = getattr(os, 'O_CLOEXEC', 0)


def cache_root(environ=None):
    """The collection's cache directory: $XDG_CACHE_HOME/osimg.glance, else ~/.cache/osimg.glance."""
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CACHE_HOME') or ''
    if not os.path.isabs(base):  # the XDG spec says to ignore a relative path
        base = os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, CACHE_DIRNAME)


def _private(st):
    """Owned by this user, and no other user can read, write or enter it."""
    return st.st_uid == os.geteuid() and not st.st_mode & 0o077


def _protected(st):
    """Owned by this user, and no other user can write it."""
    return st.st_uid == os.geteuid() and not st.st_mode & 0o022


class PrivateDirectory:
    """One subdirectory of the cache root (``tokens``, ``digests``), opened only when it is private."""

    def __init__(self, fd, path):
        self.fd = fd
        self.path = path

    @classmethod
    def open(cls, name, environ=None):
        """The directory <cache root>/<name>, created mode 0700 if missing; None (and the reason) when unusable.

        Returns (PrivateDirectory or None, reason or None).
        """
        root = cache_root(environ)
        path = os.path.join(root, name)
        try:
            os.makedirs(os.path.dirname(root), exist_ok=True)
            for directory in (root, path):
                if not os.path.isdir(directory):
                    os.mkdir(directory, 0o700)  # makedirs would give intermediate directories the umask's mode
        except OSError as e:
            if not os.path.isdir(path):
                return None, 'cannot create %s: %s' % (path, e.strerror or e)
        parent_fd = fd = None
        try:
            # Whoever can write the root can rename the directory and put another in its place: the root must be
            # ours and closed to others' writes, the directory ours and closed to others altogether.
            parent_fd = os.open(root, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
            fd = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=parent_fd)
            for checked, where, usable, wanted in ((os.fstat(parent_fd), root, _protected, '0755 or stricter'),
                                                   (os.fstat(fd), path, _private, '0700')):
                if not stat.S_ISDIR(checked.st_mode) or not usable(checked):
                    os.close(fd)
                    return None, ('%s is not private (owner uid %d, mode %04o): it must belong to the user running '
                                  'the module, with mode %s' % (where, checked.st_uid, stat.S_IMODE(checked.st_mode),
                                                                wanted))
        except OSError as e:
            if fd is not None:
                os.close(fd)
            return None, 'cannot open %s: %s' % (path, e.strerror or e)
        finally:
            if parent_fd is not None:
                os.close(parent_fd)
        return cls(fd, path), None

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def read_json(self, name):
        """The JSON document in file name, or None (missing, not ours, writable by others, too big, not JSON)."""
        try:
            fd = os.open(name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=self.fd)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or not _private(st) or st.st_size > MAX_ENTRY_BYTES:
                return None
            with os.fdopen(os.dup(fd), 'rb') as f:
                data = f.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        try:
            return json.loads(data.decode('utf-8'))
        except ValueError:
            return None

    def write_json(self, name, document):
        """Replace file name with document (mode 0600), atomically. Returns whether it was written."""
        temporary = '.%s.%s.tmp' % (name, uuid.uuid4().hex)
        data = json.dumps(document, sort_keys=True).encode('utf-8')
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600,
                         dir_fd=self.fd)
        except OSError:
            return False
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(data)
            os.replace(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
            return True
        except OSError:
            self.remove(temporary)
            return False

    def remove(self, name):
        try:
            os.unlink(name, dir_fd=self.fd)
        except OSError:
            pass

    def prune(self, max_age_seconds, now=None):
        """Remove entries (and leftover temporary files) not written for max_age_seconds."""
        now = time.time() if now is None else now
        try:
            names = os.listdir(self.fd)
        except OSError:
            return
        for name in names:
            try:
                st = os.stat(name, dir_fd=self.fd, follow_symlinks=False)
            except OSError:
                continue
            if now - st.st_mtime > max_age_seconds:
                self.remove(name)
