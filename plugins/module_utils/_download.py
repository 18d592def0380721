# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Downloading image data to a local file: destination, lock, private resumable partial file, verification.
For internal collection use only.

What a download guarantees, whoever else uses the directory:

- one run at a time writes a destination: an exclusive lock (``flock``) on ``.<dest basename>.lock`` beside it;
- the partial file is created ``0600`` with ``O_EXCL``, and opened without following symbolic links; a leftover
  that is not a regular file of ours with one link is removed, never written through;
- the data is hashed as read back from the partial file, and its size on disk is checked, so the file renamed
  into place is the one that was verified; the final mode is applied before the rename;
- more bytes than the image's size stop the download: nothing is renamed.
"""

import errno
import os
import re
import stat
import threading
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX; the module runs on POSIX hosts
    fcntl = None

try:
    import queue
except ImportError:  # pragma: no cover - Python 2 is not supported
    import Queue as queue  # noqa: F401

from ansible_collections.osimg.glance.plugins.module_utils._errors import (
    ApiError,
    Forbidden,
    GlanceModuleError,
    RangeNotSatisfiable,
)
from ansible_collections.osimg.glance.plugins.module_utils._hashing import MultiHasher, hash_file
from ansible_collections.osimg.glance.plugins.module_utils._image_data import image_hash_candidates

NAME_MAX = 255
DATA_STATUSES = ('active', 'deactivated')
LOCK_POLL_SECONDS = 0.5
_CONTENT_RANGE_RE = re.compile(r'^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$', re.IGNORECASE)
_OPEN_FLAGS = os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, 'O_CLOEXEC', 0)


class DownloadError(GlanceModuleError):
    """The image data cannot be downloaded to the destination, or does not verify."""


def _truncate(name, limit):
    """name cut to at most limit bytes of UTF-8, never in the middle of a character."""
    data = name.encode('utf-8')
    if len(data) <= limit:
        return name
    return data[:limit].decode('utf-8', 'ignore')


def default_filename(image):
    """'<image name>.<disk_format>' with path separators replaced; the image id stands in for an unusable name."""
    name = (image.get('name') or '').replace('/', '_').replace('\0', '_').strip()
    if name in ('', '.', '..'):
        name = image['id']
    ext = '.' + image['disk_format'] if image.get('disk_format') else ''
    return _truncate(name, NAME_MAX - len(ext)) + ext


def resolve_dest(dest, image, isdir=os.path.isdir):
    """The file to write: dest itself, or '<dest>/<default_filename>' when dest is (or ends like) a directory."""
    if dest.endswith(os.sep) or isdir(dest):
        return os.path.join(dest, default_filename(image))
    return dest


def _beside(dest, suffix):
    base = _truncate(os.path.basename(dest), NAME_MAX - len(suffix) - 1)
    return os.path.join(os.path.dirname(dest), '.' + base + suffix)


def part_path(dest, image_id):
    """The predictable partial file beside dest: '.<basename>.<image id>.part' (kept to resume an interrupted download)."""
    return _beside(dest, '.%s.part' % image_id)


def lock_path(dest):
    """The lock file beside dest: '.<basename>.lock', there only while a run holds it."""
    return _beside(dest, '.lock')


def check_destination(dest):
    """Fail before any transfer when dest cannot be written."""
    directory = os.path.dirname(dest) or '.'
    if not os.path.exists(directory):
        raise DownloadError('dest: the directory %s does not exist; create it first (ansible.builtin.file with '
                            'state: directory).' % directory)
    if not os.path.isdir(directory):
        raise DownloadError('dest: %s is not a directory.' % directory)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise DownloadError('dest: the directory %s is not writable by the user running the module (the data is '
                            'written to a temporary file there, then renamed).' % directory)
    if os.path.isdir(dest):
        raise DownloadError('dest: %s is a directory.' % dest)


def check_has_data(image):
    if image.get('status') not in DATA_STATUSES or not image.get('size'):
        raise DownloadError('Image %s (%s) has no data to download (status %s%s).'
                            % (image['id'], image.get('name'), image.get('status'),
                               ', size 0' if image.get('status') in DATA_STATUSES else ''))


def choose_hash(image, verify, warn):
    """(algorithm, expected hex or None) to compare and verify with: the strongest hash the image carries that this
    Python computes; else ('sha256', None), with a warning when verify is on."""
    candidates = image_hash_candidates(image)
    for algorithm, value in candidates:
        try:
            MultiHasher([algorithm])
        except ValueError:
            continue
        return algorithm.lower(), value.lower()
    if candidates:
        warn('Glance hashed image %s with %s, which this Python cannot compute; only the size is checked.'
             % (image['id'], candidates[0][0]))
    elif verify:
        warn('Image %s has no hash in Glance; only the size of the data is checked.' % image['id'])
    return 'sha256', None


def resume_decision(part_size, image_size):
    """What to do with a partial file: 'fresh' (none), 'resume' (ask for the rest), 'complete' (all there,
    verify it) or 'restart' (longer than the image: discard)."""
    if not part_size:
        return 'fresh'
    if image_size is None or part_size > image_size:
        return 'restart'
    if part_size == image_size:
        return 'complete'
    return 'resume'


def content_range_start(response):
    match = _CONTENT_RANGE_RE.match(response.headers.get('Content-Range') or '')
    return int(match.group(1)) if match else None


def remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _same_file(fd, path):
    """Whether path (not followed if a link) still names the file open as fd."""
    try:
        named = os.lstat(path)
    except OSError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _not_ours(st):
    """Why a file cannot be trusted as our private file, or None."""
    if stat.S_ISLNK(st.st_mode):
        return 'a symbolic link'
    if not stat.S_ISREG(st.st_mode):
        return 'not a regular file'
    if st.st_uid != os.geteuid():
        return 'owned by another user (uid %d)' % st.st_uid
    if st.st_nlink != 1:
        return 'a file with %d hard links' % st.st_nlink
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return 'writable by other users'
    return None


def _open_ours(path, flags, what):
    """Open path without following a link (created 0600 with O_CREAT); refuse anything but a private file of ours."""
    try:
        fd = os.open(path, flags | _OPEN_FLAGS, 0o600)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise DownloadError('dest: the %s %s is a symbolic link; it was not followed. Remove it, or choose a dest '
                                'in a directory only you can write to.' % (what, path))
        if e.errno == errno.EEXIST:
            raise DownloadError('dest: the %s %s appeared while this run was creating it: another process writes in '
                                'this directory. Run again, or choose a dest in a directory only you can write to.'
                                % (what, path))
        raise DownloadError('dest: cannot open the %s %s: %s.' % (what, path, e.strerror or e))
    reason = _not_ours(os.fstat(fd))
    if reason:
        os.close(fd)
        raise DownloadError('dest: the %s %s is %s; it is not used. Remove it, or choose a dest in a directory only '
                            'you can write to.' % (what, path, reason))
    return fd


def _holder(fd):
    """' (held by process N)' from a lock file's content, or ''."""
    try:
        text = os.pread(fd, 32, 0).decode('ascii', 'replace').strip()
    except OSError:
        return ''
    return ' (held by process %s)' % text if text.isdigit() else ''


class DestinationLock:
    """An exclusive lock on one destination, so that runs that write it take turns.

    A second run waits up to ``timeout`` seconds, then fails saying which lock, held by which process. The lock
    file is removed by its holder before it lets go; a waiter that then holds a removed file tries again, so two
    runs never both believe they hold the lock. The kernel releases the lock of a run that dies.
    """

    def __init__(self, dest, timeout, sleep=time.sleep, clock=time.monotonic):
        self.path = lock_path(dest)
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self.fd = None
        self.waited = 0.0

    def __enter__(self):
        if fcntl is None:  # pragma: no cover
            raise DownloadError('this host has no file locks (fcntl); the module runs on POSIX hosts only.')
        started = self._clock()
        while True:
            fd = _open_ours(self.path, os.O_RDWR | os.O_CREAT, 'lock file')
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                holder = _holder(fd)
                os.close(fd)
                if e.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise DownloadError('dest: cannot lock %s: %s.' % (self.path, e.strerror or e))
                self.waited = self._clock() - started
                if self.waited >= self.timeout:
                    raise DownloadError('dest: another run is writing this destination: %s is locked%s, and this run '
                                        'waited %d seconds for it (lock_timeout). Run again once it is done, or raise '
                                        'lock_timeout.' % (self.path, holder, self.timeout))
                self._sleep(LOCK_POLL_SECONDS)
                continue
            if not _same_file(fd, self.path):  # its holder removed it meanwhile: lock the file there now
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, ('%d\n' % os.getpid()).encode('ascii'))
            self.fd = fd
            self.waited = self._clock() - started
            return self

    def __exit__(self, *exc_info):
        if self.fd is not None:
            if _same_file(self.fd, self.path):
                remove_quietly(self.path)  # still holding the lock: nobody can be using this file
            os.close(self.fd)
            self.fd = None
        return False


class PartFile:
    """The partial file of one download, private to this run (call under DestinationLock).

    ``PartFile(path, warn)`` opens a leftover partial file of ours to resume it (made 0600 if an older version
    left it 0644), or removes whatever else is there (a symbolic link, another user's file...) with a warning,
    and creates a fresh one, 0600, with O_EXCL.
    """

    def __init__(self, path, warn=None):
        self.path = path
        self.fd = None
        try:
            found = os.lstat(path)
        except OSError:
            found = None
        if found is not None:
            reason = _not_ours(found)
            if reason is None:
                try:
                    self.fd = _open_ours(path, os.O_RDWR, 'partial file')
                    os.fchmod(self.fd, 0o600)
                except DownloadError:
                    self.fd = None
            if self.fd is None:
                try:
                    os.unlink(path)
                except OSError as e:
                    raise DownloadError('dest: the partial file %s is %s and cannot be removed (%s). Remove it, or '
                                        'choose a dest in a directory only you can write to.'
                                        % (path, reason or 'not usable', e.strerror or e))
                if warn is not None:
                    warn('dest: removed %s, which was %s, not a partial download of this module; it was not written '
                         'through.' % (path, reason or 'not usable'))
        if self.fd is None:
            self.fd = _open_ours(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 'partial file')

    def size(self):
        return os.fstat(self.fd).st_size

    def truncate(self):
        os.ftruncate(self.fd, 0)

    def write_at(self, offset, data):
        """Write all of data at offset."""
        view = memoryview(data)
        while view:
            written = os.pwrite(self.fd, view, offset)
            view = view[written:]
            offset += written

    def hasher_of_content(self, algorithms):
        """A MultiHasher fed with what the file holds now (to continue hashing after a resume)."""
        with os.fdopen(os.dup(self.fd), 'rb') as f:
            f.seek(0)
            return hash_file(f, algorithms)

    def still_named(self):
        return _same_file(self.fd, self.path)

    def close(self):
        """Close the file; an empty one is removed (there is nothing to resume)."""
        if self.fd is not None:
            if self.size() == 0 and self.still_named():
                remove_quietly(self.path)
            os.close(self.fd)
            self.fd = None

    def discard(self):
        """Remove the file (if its name is still ours) and close it."""
        if self.fd is not None and self.still_named():
            remove_quietly(self.path)
        self.close()


class BackgroundHasher:
    """Hashes what was written to the partial file, read back from it, in a worker thread.

    Reading back hashes what is on disk, not what was meant to be written. hashlib releases the GIL on large
    buffers, so hashing overlaps with receiving and writing; the queue is short, so memory stays at a few chunks
    whatever the size. Without algorithms to compute, it only counts.
    """

    def __init__(self, hasher, fd, depth=4):
        self.hasher = hasher
        self.fd = fd
        self.error = None
        self._queue = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._work, name='glance-download-hash')
        self._thread.daemon = True
        self._thread.start()

    def _work(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self.error is None:
                try:
                    offset, chunk = item
                    if self.hasher.algorithms:
                        chunk = self._read_back(offset, len(chunk))
                    self.hasher.update(chunk)
                except Exception as e:  # reported by finish()
                    self.error = e

    def _read_back(self, offset, length):
        pieces = []
        while length > 0:
            piece = os.pread(self.fd, length, offset)
            if not piece:
                raise DownloadError('the partial file became shorter while it was written (another process truncated '
                                    'it).')
            pieces.append(piece)
            offset += len(piece)
            length -= len(piece)
        return b''.join(pieces)

    def update(self, offset, chunk):
        self._queue.put((offset, chunk))

    def finish(self):
        """Wait for the hashing to catch up; returns the MultiHasher."""
        self._queue.put(None)
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.hasher


def open_data(glance, image, offset):
    """(response, chunks) for the image data from offset; a 416 is answered by asking for all of it."""
    try:
        response, chunks = glance.download_image_data(image['id'], offset=offset)
    except RangeNotSatisfiable:
        response, chunks = glance.download_image_data(image['id'])
    except Forbidden as e:
        if image.get('status') == 'deactivated' or 'deactivated' in (e.explanation or ''):
            e.hint = ('Image %s is deactivated, and Glance forbids downloading the data of a deactivated image. '
                      'Reactivate it first (osimg.glance.glance_image with state: present; admin only by default).'
                      % image['id'])
        raise
    if response.status_code == 204:
        response.close()
        raise DownloadError('Image %s (%s) has no data: Glance answered 204 No Content.' % (image['id'], image.get('name')))
    return response, chunks


def fetch_to_part(glance, image, part, algorithms):
    """Download the image data into part (a PartFile), resuming what it already holds.

    Returns (MultiHasher over the whole data as read back from the file, resumed_from or None). A network failure
    keeps the file so that the next run resumes; a local write failure (disk full...) or more data than the image's
    size removes it.
    """
    size = image.get('size')
    decision = resume_decision(part.size(), size)
    if decision == 'restart':
        part.truncate()
    hasher, offset = MultiHasher(algorithms), 0
    if decision in ('resume', 'complete'):
        hasher = part.hasher_of_content(algorithms)
        offset = hasher.size
        if decision == 'complete':
            return hasher, offset
    response, chunks = open_data(glance, image, offset)
    if offset and (response.status_code != 206 or content_range_start(response) != offset):
        # The server ignored the range (200) or answered another one: start again from zero.
        if response.status_code != 200:
            response.close()
            response, chunks = open_data(glance, image, 0)
        hasher, offset = MultiHasher(algorithms), 0
        part.truncate()
    background = BackgroundHasher(hasher, part.fd)
    written = offset
    try:
        for chunk in chunks:
            if size is not None and written + len(chunk) > size:
                raise DownloadError('Glance sent more data than the size of image %s (%d bytes); the download was '
                                    'stopped and the partial file removed, nothing was renamed into place.'
                                    % (image['id'], size))
            part.write_at(written, chunk)
            background.update(written, chunk)
            written += len(chunk)
    except ApiError as e:
        background.finish()
        e.hint = ('%d of %s bytes were kept in %s; run the task again to resume the download from there.'
                  % (part.size(), size, part.path))
        raise
    except DownloadError:
        background.finish()
        response.close()
        part.discard()
        raise
    except (IOError, OSError) as e:
        background.finish()
        response.close()
        part.discard()
        if e.errno in (errno.ENOSPC, getattr(errno, 'EDQUOT', errno.ENOSPC)):
            raise DownloadError('dest: no space left in %s (disk full or quota reached) after %d of %s bytes; the '
                                'partial file was removed. Free at least %s bytes and run again.'
                                % (os.path.dirname(part.path) or '.', written, size, size))
        raise DownloadError('dest: could not write %s: %s. The partial file was removed.' % (part.path, e.strerror or e))
    return background.finish(), (offset or None)


def _existing(dest, image, algorithm):
    """(size, digest or None) of an existing dest, hashing it only when its size matches."""
    if not os.path.isfile(dest):
        return None, None
    size = os.path.getsize(dest)
    if size != image['size']:
        return size, None
    try:
        return size, hash_file(dest, [algorithm]).hexdigest(algorithm)
    except (IOError, OSError):  # unreadable: replace it
        return size, None


def _final_mode(dest):
    """The mode of a new dest when the task gives none: the mode of the file it replaces, else 0666 - umask."""
    try:
        existing = os.stat(dest)
        if stat.S_ISREG(existing.st_mode):
            return stat.S_IMODE(existing.st_mode), existing
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask, None


def _put_in_place(module, part, dest):
    """Give part its final attributes, then rename it to dest, checking that it is still the verified file."""
    ansible_module = module.module
    file_args = ansible_module.load_file_common_arguments(module.params, path=part.path)
    file_args['attributes'] = None  # chattr flags (immutable...) could forbid the rename: set on dest afterwards
    if file_args.get('mode') is None:
        mode, existing = _final_mode(dest)
        os.fchmod(part.fd, mode)
        if existing is not None:
            try:  # as atomic_move: the new file keeps the owner of the one it replaces, when allowed
                os.fchown(part.fd, existing.st_uid, existing.st_gid)
            except OSError:
                pass
    if ansible_module.selinux_enabled():
        context = (ansible_module.selinux_context(dest) if os.path.exists(dest)
                   else ansible_module.selinux_default_context(dest))
        ansible_module.set_context_if_different(part.path, context, False)
    ansible_module.set_fs_attributes_if_different(file_args, True)
    if not part.still_named():
        part.close()
        raise DownloadError('dest: %s was replaced while this run verified it; nothing was renamed into place. Choose '
                            'a dest in a directory only you can write to.' % part.path)
    os.rename(part.path, dest)
    part.close()


def _download(module, image, dest, algorithm, expected, verify):
    """Fetch into the partial file, verify what is on disk, put it in place; returns (digest, resumed_from)."""
    part = PartFile(part_path(dest, image['id']), warn=module.warn)
    algorithms = [algorithm] if (verify or expected is None) else []
    try:
        for attempt in (1, 2):
            hasher, resumed_from = fetch_to_part(module.glance, image, part, algorithms)
            on_disk = part.size()
            if hasher.size != image['size'] or on_disk != image['size']:
                raise DownloadError('Glance sent %d bytes for image %s but its size is %d; the %d bytes received were '
                                    'kept in %s, run again to resume.' % (hasher.size, image['id'], image['size'],
                                                                          on_disk, part.path))
            digest = hasher.hexdigest(algorithm) if algorithms else expected
            if not (verify and expected) or digest == expected:
                break
            part.truncate()
            if resumed_from and attempt == 1:
                module.warn('The data resumed from a partial file did not verify; downloading again from zero.')
                continue
            part.discard()
            raise DownloadError('Image %s: the downloaded data has %s %s, but Glance reports %s. The download was '
                                'discarded and %s was left as it was.' % (image['id'], algorithm, digest, expected, dest))
        _put_in_place(module, part, dest)
    finally:
        part.close()
    return digest, resumed_from


def download_image(module, image, dest, force=False, verify=True, lock_timeout=600):
    """The glance_image_download task for one image: the result dict.

    ``module`` is the GlanceModule (params with the file attribute options, check mode, warnings, Glance).
    """
    if lock_timeout < 0:
        raise DownloadError('lock_timeout must be 0 or more seconds, got %d.' % lock_timeout)
    dest = resolve_dest(dest, image)
    check_destination(dest)
    check_has_data(image)
    algorithm, expected = choose_hash(image, verify, module.warn)
    result = {'changed': False, 'dest': dest, 'image_id': image['id'], 'size': image['size']}
    if module.check_mode:
        return _converge(module, image, dest, algorithm, expected, force, verify, result)
    # Compared under the lock: a run that waited for another one finds the file it wrote.
    with DestinationLock(dest, lock_timeout):
        return _converge(module, image, dest, algorithm, expected, force, verify, result)


def _converge(module, image, dest, algorithm, expected, force, verify, result):
    size, digest = _existing(dest, image, algorithm)
    up_to_date = size == image['size'] and digest is not None and (expected is None or digest == expected) and not force
    after_digest = expected or digest
    result.update(checksum={'algorithm': algorithm, 'value': after_digest}, verified=bool(expected) and up_to_date)
    before = {'dest': dest, 'size': size, 'checksum': digest} if size is not None else {}
    if not up_to_date:
        result['changed'] = True
        if not module.check_mode:
            after_digest, resumed_from = _download(module, image, dest, algorithm, expected, verify)
            if resumed_from:
                result['resumed_from'] = resumed_from
            result['checksum']['value'] = after_digest
            result['verified'] = bool(verify and expected)
    result['diff'] = module.diff(before, {'dest': dest, 'size': image['size'], 'checksum': after_digest})
    if not (module.check_mode and not os.path.exists(dest)):
        ansible_module = module.module
        file_args = ansible_module.load_file_common_arguments(module.params, path=dest)
        result['changed'] = ansible_module.set_fs_attributes_if_different(file_args, result['changed'])
    return result
