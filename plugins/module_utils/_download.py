# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Downloading image data to a local file: destination, resumable partial file, hashing, for internal collection use only."""

import errno
import os
import re
import threading

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
from ansible_collections.osimg.glance.plugins.module_utils._hashing import MultiHasher, file_chunks

NAME_MAX = 255
DATA_STATUSES = ('active', 'deactivated')
_CONTENT_RANGE_RE = re.compile(r'^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$', re.IGNORECASE)


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


def part_path(dest, image_id):
    """The predictable partial file beside dest: '.<basename>.<image id>.part' (kept to resume an interrupted download)."""
    suffix = '.%s.part' % image_id
    base = _truncate(os.path.basename(dest), NAME_MAX - len(suffix) - 1)
    return os.path.join(os.path.dirname(dest), '.' + base + suffix)


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


def expected_hash(image):
    """(algorithm, hex) to verify against: Glance's multihash, else the legacy md5 checksum, else None."""
    if image.get('os_hash_algo') and image.get('os_hash_value'):
        return image['os_hash_algo'].lower(), image['os_hash_value'].lower()
    if image.get('checksum'):
        return 'md5', image['checksum'].lower()
    return None


def file_size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return None


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


class BackgroundHasher:
    """Feeds chunks to a MultiHasher in a worker thread.

    hashlib releases the GIL on large buffers, so hashing overlaps with receiving and writing. The queue is
    short, so memory stays at a few chunks whatever the size.
    """

    def __init__(self, hasher, depth=4):
        self.hasher = hasher
        self.error = None
        self._queue = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._work, name='glance-download-hash')
        self._thread.daemon = True
        self._thread.start()

    def _work(self):
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            if self.error is None:
                try:
                    self.hasher.update(chunk)
                except Exception as e:  # reported by finish()
                    self.error = e

    def update(self, chunk):
        self._queue.put(chunk)

    def finish(self):
        """Wait for the hashing to catch up; returns the MultiHasher."""
        self._queue.put(None)
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.hasher


def hash_prefix(path, algorithms):
    """A MultiHasher fed with the bytes already in path (to continue hashing after a resume)."""
    hasher = MultiHasher(algorithms)
    for chunk in file_chunks(path):
        hasher.update(chunk)
    return hasher


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
    """Download the image data into part, resuming what part already holds.

    Returns (MultiHasher over the whole data, resumed_from or None). A network failure keeps part so that the
    next run resumes; a local write failure (disk full...) removes it.
    """
    decision = resume_decision(file_size(part), image.get('size'))
    if decision == 'restart':
        remove_quietly(part)
    hasher, offset = MultiHasher(algorithms), 0
    if decision in ('resume', 'complete'):
        hasher = hash_prefix(part, algorithms)
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
    background = BackgroundHasher(hasher)
    written = offset
    try:
        with open(part, 'ab' if offset else 'wb') as f:
            for chunk in chunks:
                f.write(chunk)
                background.update(chunk)
                written += len(chunk)
    except ApiError as e:
        background.finish()
        e.hint = ('%d of %s bytes were kept in %s; run the task again to resume the download from there.'
                  % (file_size(part) or 0, image.get('size'), part))
        raise
    except (IOError, OSError) as e:
        background.finish()
        response.close()
        remove_quietly(part)
        if e.errno in (errno.ENOSPC, getattr(errno, 'EDQUOT', errno.ENOSPC)):
            raise DownloadError('dest: no space left in %s (disk full or quota reached) after %d of %s bytes; the '
                                'partial file was removed. Free at least %s bytes and run again.'
                                % (os.path.dirname(part) or '.', written, image.get('size'), image.get('size')))
        raise DownloadError('dest: could not write %s: %s. The partial file was removed.' % (part, e.strerror or e))
    return background.finish(), (offset or None)
