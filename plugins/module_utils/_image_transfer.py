# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Putting data into an image (upload, staging, import methods, copies to stores), waiting and verifying it.

For internal collection use only.
"""

import time

from ansible_collections.osimg.glance.plugins.module_utils._digest_cache import (
    file_digests,
    hash_and_remember,
    remember_sent,
    stat_identity,
)
from ansible_collections.osimg.glance.plugins.module_utils._errors import UnsupportedMediaType
from ansible_collections.osimg.glance.plugins.module_utils._hashing import MultiHasher, file_chunks, hashing_iter
from ansible_collections.osimg.glance.plugins.module_utils._image_data import (
    SOURCE_CHECKSUM_KEY,
    DataError,
    DecompressingSource,
    FileSource,
    compare_data,
    comparison_algorithms,
    decompressed_data_change,
    open_url,
    redact_url,
    tracking_properties,
    upload_algorithms,
    verify_expected_checksum,
    verify_uploaded,
    wait_for_image,
)
from ansible_collections.osimg.glance.plugins.module_utils._image_state import MD5_KEY, OBJECT_KEY, SHA256_KEY, build_patch


class Transfer:
    """What loading data into an image gave: the image after it, and what was sent (when the module streamed it)."""

    def __init__(self, image, hashes=None, size=None, verified=None, openstacksdk_hashes=False, decompressing=None):
        self.image = image
        self.hashes = hashes
        self.size = size
        self.verified = verified
        self.openstacksdk_hashes = openstacksdk_hashes
        self.decompressing = decompressing

    @property
    def decompressed(self):
        """The format the data was decompressed from (None when it was not compressed), with decompress."""
        return self.decompressing.decompressor.format if self.decompressing else None

    def tracking_patch(self, image):
        """The patch recording the sent data on the image as openstacksdk does (empty if nothing was sent).

        The md5 and sha256 properties are written with openstacksdk_hashes, and removed otherwise: left from
        earlier data, they would describe data the image no longer holds. Data decompressed from a source also
        records the source's checksum.
        """
        if not self.hashes:
            return []
        recorded = self.hashes if self.openstacksdk_hashes else {}
        source_checksum = self.decompressing.source_checksum if self.decompressing else None
        props = tracking_properties(recorded, image.get('name'), source_checksum)
        keys = set([OBJECT_KEY, MD5_KEY, SHA256_KEY]) | (set([SOURCE_CHECKSUM_KEY]) if source_checksum else set())
        return build_patch(image, props, keys)


def open_source(request, timeout):
    """The URL source of a direct upload, opened before anything is created (a bad URL leaves no trace); or None."""
    if request.url and request.import_method is None:
        return open_url(request.url, request.source_verify, timeout, raw=bool(request.decompress))
    return None


def load_data(glance, request, image, source=None, warn=None, cloud_algorithm=None, digest_cache=None):
    """Put the requested data into a new or queued image, wait and verify; returns a Transfer.

    cloud_algorithm is the multihash algorithm the cloud was seen to use (None: Glance's default); digest_cache
    (a DigestCache or None) learns the hashes of a local file sent whole, so the next run need not read it.
    """
    if request.streams:
        return _stream(glance, request, image, source, warn, cloud_algorithm, digest_cache)
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


def _stream(glance, request, image, source, warn, cloud_algorithm, digest_cache):
    # Only what verifies the data is hashed: the cloud's multihash (and the user's checksum); md5 and sha256 for
    # openstacksdk's tracking properties only when asked for.
    algorithms = upload_algorithms(cloud_algorithm, request.expected, request.openstacksdk_hashes)
    before = started = None
    decompressing = None
    if request.decompress:
        decompressing = _decompressing_source(glance, request, source, algorithms)
        # A file source is replayable (opened again after a 401); a URL is read once.
        body, size = (decompressing if request.filename else decompressing()), None
    elif request.filename:
        try:
            before, started = stat_identity(request.filename), time.time()
        except OSError:
            pass  # the upload itself reports an unreadable file
        # Replayable: an upload refused with 401 is sent again after re-authenticating.
        body, size = FileSource(request.filename, algorithms), request.local_size
    else:
        source = source or open_url(request.url, request.source_verify, glance.http.timeout)
        hasher = MultiHasher(algorithms)
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
    # The file's own digests describe the uploaded data unless it was decompressed on the way.
    plain_file = request.filename and decompressing is None
    if request.import_method and not request.wait:
        return Transfer(glance.get_image(image['id']), hashes, size, openstacksdk_hashes=request.openstacksdk_hashes,
                        decompressing=decompressing)
    image = wait_for_image(glance, image['id'], ('active',), request.timeout)
    stored_algorithm = (image.get('os_hash_algo') or '').lower()
    if stored_algorithm and stored_algorithm not in hashes and plain_file:
        # The cloud hashes with another algorithm than the one streamed: one more read of the file verifies it.
        hashes.update(hash_and_remember(request.filename, [stored_algorithm], digest_cache))
    verified = verify_uploaded(image, hashes, size, request.expected)
    if verified is None and warn is not None:
        warn('The cloud reports no hash of the uploaded data that this module computed (os_hash_algo %s): only its '
             'size (%s bytes) was checked.' % (image.get('os_hash_algo'), size))
    if plain_file:
        remember_sent(digest_cache, request.filename, before, started, hashes, size)
    return Transfer(image, hashes, size, '%s:%s' % verified if verified else None,
                    openstacksdk_hashes=request.openstacksdk_hashes, decompressing=decompressing)


def _decompressing_source(glance, request, source, algorithms):
    if request.filename:
        return DecompressingSource(lambda: file_chunks(request.filename), request.decompress, request.filename,
                                   request.source_expected, algorithms)
    source = source or open_url(request.url, request.source_verify, glance.http.timeout, raw=True)
    return DecompressingSource(lambda: iter(source), request.decompress, redact_url(request.url),
                               request.source_expected, algorithms)


def _data_verdict(request, current, known):
    """compare_data with the user's checksum taken into account; raises DataError when the file contradicts it."""
    known = dict(known)
    if request.expected:
        algorithm, value = request.expected
        if algorithm in known and known[algorithm].lower() != value.lower():
            raise DataError('checksum: %s has %s %s, not %s as expected.'
                            % (request.filename, algorithm, known[algorithm], value))
        known[algorithm] = value
    if not known:
        return 'unknown'
    return compare_data(current, known)


def data_change(request, current, digest_cache=None):
    """'same', 'different' or 'unknown' for the data the task gives vs the existing image's data.

    A local file is hashed only with what the comparison uses (the image's strongest hash, the checksum's
    algorithm). With a digest cache, an unchanged file is not read at all; the cache may only confirm that the
    data is the same: any other answer from cached hashes is checked by hashing the file again.
    """
    if request.decompress:
        return decompressed_data_change(current, request.filename, request.decompress, request.expected,
                                        request.source_expected)
    if not request.filename:
        return _data_verdict(request, current, {})
    if current.get('size') is not None and current['size'] != request.local_size:
        return 'different'
    algorithms = comparison_algorithms(current, request.expected)
    known, cached = file_digests(request.filename, algorithms, digest_cache)
    if cached:
        try:
            verdict = _data_verdict(request, current, known)
        except DataError:
            verdict = None
        if verdict == 'same':
            return verdict
        known = hash_and_remember(request.filename, algorithms, digest_cache)
    return _data_verdict(request, current, known)


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
