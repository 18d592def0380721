# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Putting data into an image (upload, staging, import methods, copies to stores), waiting and verifying it.

For internal collection use only.
"""

from ansible_collections.osimg.glance.plugins.module_utils._errors import UnsupportedMediaType
from ansible_collections.osimg.glance.plugins.module_utils._hashing import MultiHasher, file_chunks, hash_file, hashing_iter
from ansible_collections.osimg.glance.plugins.module_utils._image_data import (
    STREAM_ALGORITHMS,
    DataError,
    DecompressingSource,
    FileSource,
    compare_data,
    decompressed_data_change,
    image_hash_candidates,
    open_url,
    redact_url,
    tracking_properties,
    verify_expected_checksum,
    verify_uploaded,
    wait_for_image,
)
from ansible_collections.osimg.glance.plugins.module_utils._image_state import build_patch


class Transfer:
    """What loading data into an image gave: the image after it, and what was sent (when the module streamed it)."""

    def __init__(self, image, hashes=None, size=None, verified=None, decompressing=None):
        self.image = image
        self.hashes = hashes
        self.size = size
        self.verified = verified
        self.decompressing = decompressing

    @property
    def decompressed(self):
        """The format the data was decompressed from (None when it was not compressed), with decompress."""
        return self.decompressing.decompressor.format if self.decompressing else None

    def tracking_patch(self, image):
        """The patch recording the sent data's hashes on the image, as openstacksdk does (empty if nothing was sent),
        and the checksum of a decompressed source."""
        if not self.hashes:
            return []
        source_checksum = self.decompressing.source_checksum if self.decompressing else None
        props = tracking_properties(self.hashes, image.get('name'), source_checksum)
        return build_patch(image, props, set(props))


def open_source(request, timeout):
    """The URL source of a direct upload, opened before anything is created (a bad URL leaves no trace); or None."""
    if request.url and request.import_method is None:
        return open_url(request.url, request.source_verify, timeout, raw=bool(request.decompress))
    return None


def load_data(glance, request, image, source=None, warn=None):
    """Put the requested data into a new or queued image, wait and verify; returns a Transfer."""
    if request.streams:
        return _stream(glance, request, image, source)
    method = request.import_method
    if method == 'web-download':
        method_body = {'name': 'web-download', 'uri': request.url}
    elif method == 'glance-download':
        method_body = {'name': 'glance-download', 'glance_region': request.remote_region,
                       'glance_image_id': request.remote_image_id}
        if request.remote_service_interface:
            method_body['glance_service_interface'] = request.remote_service_interface
    else:
        return Transfer(image)
    glance.import_image(image['id'], method_body, **request.store_args())
    if not request.wait:
        return Transfer(glance.get_image(image['id']))
    image = wait_for_image(glance, image['id'], ('active',), request.timeout)
    if request.expected and not verify_expected_checksum(image, request.expected) and warn is not None:
        warn('checksum: the cloud reports no %s hash of the imported data, so it could not be verified.'
             % request.expected[0])
    return Transfer(image)


def _stream(glance, request, image, source):
    decompressing = None
    if request.decompress:
        decompressing = _decompressing_source(glance, request, source)
        # A file source is replayable (opened again after a 401); a URL is read once.
        body, size = (decompressing if request.filename else decompressing()), None
    elif request.filename:
        # Replayable: an upload refused with 401 is sent again after re-authenticating.
        body, size = FileSource(request.filename, STREAM_ALGORITHMS), request.local_size
    else:
        source = source or open_url(request.url, request.source_verify, glance.http.timeout)
        hasher = MultiHasher(STREAM_ALGORITHMS)
        body, size = hashing_iter(iter(source), hasher), source.size
    try:
        if request.import_method == 'glance-direct':
            glance.stage_image_data(image['id'], body, size=size)
            glance.import_image(image['id'], {'name': 'glance-direct'}, **request.store_args())
        else:
            store = request.stores[0] if request.stores else None
            glance.upload_image_data(image['id'], body, size=size, store=store)
    except UnsupportedMediaType as e:
        # Glance inspects uploaded bytes; its 415 speaks of media types, which misleads.
        e.extend_message('The data is not in disk_format %s: upload a %s file, or set disk_format to the '
                         'format the data is in.' % (image.get('disk_format'), image.get('disk_format')))
        raise
    if decompressing is not None:
        hasher = decompressing.hasher
    elif request.filename:
        hasher = body.hasher
    hashes, size = hasher.hexdigests(), hasher.size
    if request.import_method and not request.wait:
        return Transfer(glance.get_image(image['id']), hashes, size, decompressing=decompressing)
    image = wait_for_image(glance, image['id'], ('active',), request.timeout)
    verified = verify_uploaded(image, hashes, size, request.expected)
    return Transfer(image, hashes, size, '%s:%s' % verified if verified else None, decompressing)


def _decompressing_source(glance, request, source):
    if request.filename:
        return DecompressingSource(lambda: file_chunks(request.filename), request.decompress, request.filename,
                                   request.source_expected)
    source = source or open_url(request.url, request.source_verify, glance.http.timeout, raw=True)
    return DecompressingSource(lambda: iter(source), request.decompress, redact_url(request.url),
                               request.source_expected)


def data_change(request, current):
    """'same', 'different' or 'unknown' for the data the task gives vs the existing image's data."""
    if request.decompress:
        return decompressed_data_change(current, request.filename, request.decompress, request.expected,
                                        request.source_expected)
    known = {}
    if request.filename:
        if current.get('size') is not None and current['size'] != request.local_size:
            return 'different'
        # One pass over the file, with only the hash the comparison will use (the image's
        # strongest) and the one of `checksum`: a no-op run reads a big file once, cheaply.
        candidates = [algorithm for algorithm, dummy in image_hash_candidates(current)]
        algorithms = set(candidates[:1]) or set(STREAM_ALGORITHMS)
        if request.expected:
            algorithms.add(request.expected[0])
        known.update(hash_file(request.filename, sorted(algorithms)).hexdigests())
    if request.expected:
        algorithm, value = request.expected
        if algorithm in known and known[algorithm].lower() != value.lower():
            raise DataError('checksum: %s has %s %s, not %s as expected.'
                            % (request.filename, algorithm, known[algorithm], value))
        known[algorithm] = value
    if not known:
        return 'unknown'
    return compare_data(current, known)


def stores_of(image):
    return set(store for store in (image.get('stores') or '').split(',') if store)


def copy_to_stores(glance, request, image, check_mode):
    """import_method copy-image: copy the data to the stores that lack it. Returns (changed, image)."""
    present = stores_of(image)
    wanted = set(request.stores or [])
    if request.all_stores:
        wanted = set(store['id'] for store in glance.get_stores())
    missing = sorted(wanted - present)
    if not missing:
        return False, image
    if check_mode:
        return True, dict(image, stores=','.join(sorted(present | wanted)))
    glance.import_image(image['id'], {'name': 'copy-image'}, stores=missing,
                        all_stores_must_succeed=request.all_stores_must_succeed)
    if not request.wait:
        return True, glance.get_image(image['id'])
    return True, wait_for_image(glance, image['id'], ('active',), request.timeout,
                                done=lambda img: wanted <= stores_of(img))
