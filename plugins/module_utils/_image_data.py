# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Image data: sources, hash comparison, verification and waiting for a status. For internal collection use only."""

import os

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    from urlparse import urlsplit, urlunsplit  # noqa: F401

try:
    import requests
except ImportError:  # the module reports the missing library itself
    requests = None
try:
    from urllib3.exceptions import HTTPError as Urllib3Error
except ImportError:  # comes with requests
    Urllib3Error = ()

from ansible_collections.osimg.glance.plugins.module_utils._compression import Decompressor
from ansible_collections.osimg.glance.plugins.module_utils._errors import ApiError, GlanceModuleError
from ansible_collections.osimg.glance.plugins.module_utils._hashing import (
    MultiHasher,
    file_chunks,
    hash_file,
    hashing_iter,
    parse_checksum,
)
from ansible_collections.osimg.glance.plugins.module_utils._polling import poll
from ansible_collections.osimg.glance.plugins.module_utils._image_state import (
    MD5_KEY,
    OBJECT_KEY,
    SHA256_KEY,
)

# Glance's default multihash (glance-api.conf [DEFAULT] hashing_algorithm): uploaded data is hashed with it, to
# be verified against the image's os_hash_value, unless the cloud is seen to use another algorithm.
GLANCE_DEFAULT_HASH = 'sha512'
# The hashes openstacksdk records in owner_specified.openstack.md5 and .sha256 (glance_image's openstacksdk_hashes).
OPENSTACKSDK_ALGORITHMS = ('md5', 'sha256')
TERMINAL_FAILURE_STATUSES = ('killed', 'deleted', 'pending_delete')
# The checksum of the compressed source an image was decompressed from ('algorithm:hex'): lets a later
# run tell that its source is the same without downloading or decompressing it again.
SOURCE_CHECKSUM_KEY = 'owner_specified.osimg.source_checksum'
SOURCE_ALGORITHM = 'sha256'


class DataError(GlanceModuleError):
    """The data given for an image cannot be used, or does not match what Glance stored."""


def check_readable_file(path, option='filename'):
    """Fail before any write when the local file cannot be uploaded."""
    if not os.path.exists(path):
        raise DataError('%s: %s does not exist on the host that runs the module.' % (option, path))
    if os.path.isdir(path):
        raise DataError('%s: %s is a directory; give the path of an image file.' % (option, path))
    if not os.access(path, os.R_OK):
        raise DataError('%s: %s is not readable by the user running the module (check its mode and owner).' % (option, path))
    return os.path.getsize(path)


class FileSource:
    """A local file as a replayable upload body: each call opens it again and starts a fresh hash (``hasher``).

    HttpClient.upload() can then resend it after re-authenticating when Glance answers 401 (a token that
    expired or was revoked during a long run).
    """

    def __init__(self, path, algorithms):
        self.path = path
        self.algorithms = algorithms
        self.hasher = MultiHasher(algorithms)

    def __call__(self):
        self.hasher = MultiHasher(self.algorithms)
        return hashing_iter(file_chunks(self.path), self.hasher)


class UrlSource:
    """The body of a remote URL, as an iterable of chunks with its size when known.

    With ``raw`` the body comes as the server sent it, without undoing a Content-Encoding: the bytes of
    a published ``.gz`` file stay the bytes its checksum was computed on, even from a server that labels
    such files ``Content-Encoding: gzip``.
    """

    def __init__(self, response, chunk_size, raw=False):
        self.response = response
        self.chunk_size = chunk_size
        self.raw = raw
        size = response.headers.get('Content-Length')
        # A compressed transfer changes the byte count; then the size is unknown.
        self.size = int(size) if size is not None and not response.headers.get('Content-Encoding') else None

    def __iter__(self):
        try:
            if not self.raw:
                for chunk in self.response.iter_content(self.chunk_size):
                    if chunk:
                        yield chunk
                return
            try:
                for chunk in self.response.raw.stream(self.chunk_size, decode_content=False):
                    if chunk:
                        yield chunk
            except (Urllib3Error, OSError) as e:
                raise DataError('url: reading %s failed: %s' % (redact_url(self.response.url), e))
        finally:
            self.close()

    def close(self):
        self.response.close()


def url_password(url):
    """The password of a user:password@ in url, or None: a secret to mask wherever the URL may be printed."""
    try:
        return urlsplit(url).password or None
    except ValueError:
        return None


def redact_url(url):
    """url with any user:password@ replaced by ***@, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return '<an unparsable URL>'
    if '@' not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, '***@' + parts.netloc.rsplit('@', 1)[1], parts.path, parts.query, parts.fragment))


def source_verify(validate_certs=True, ca_cert=None):
    """requests' verify for an image source: the system CAs by default, a bundle of its own, or none.

    Never the cloud's settings: validate_certs: false meant for a test cloud must not switch verification off for
    a third-party image host, and the cloud's client certificate is never presented to it.
    """
    if not validate_certs:
        return False
    return ca_cert or True


def open_url(url, verify=True, timeout=30, chunk_size=1024 * 1024, raw=False):
    """Open `url` for streaming; returns a UrlSource (``raw``: see UrlSource).

    The URL is fetched with its own TLS settings (see source_verify), without the cloud's token or client
    certificate, which must never reach a foreign host. Redirects are followed (image mirrors redirect).
    """
    shown = redact_url(url)
    headers = {'Accept-Encoding': 'identity'} if raw else None
    try:
        # verify is given per request: requests then lets REQUESTS_CA_BUNDLE replace only the default (True).
        response = requests.get(url, stream=True, timeout=timeout, verify=verify, cert=None, headers=headers)
    except requests.RequestException as e:
        raise DataError('url: could not fetch %s: %s' % (shown, str(e).replace(url, shown)))
    if response.status_code != 200:
        response.close()
        raise DataError('url: %s answered %s %s; check the URL.' % (shown, response.status_code, response.reason))
    return UrlSource(response, chunk_size, raw=raw)


class DecompressingSource:
    """A compressed source uploaded decompressed (the ``decompress`` option).

    Calling it opens the source again (``open_chunks()``) and returns the decompressed chunks, so a file
    source is a replayable upload body. On the way it hashes the data sent (``hasher``) and the source as
    read (``source_hasher``), and checks ``source_expected`` (algorithm, hex) when the source ends, before
    the last decompressed data goes out: a source that does not match is never completely uploaded.
    """

    def __init__(self, open_chunks, compression, name, source_expected=None, algorithms=(GLANCE_DEFAULT_HASH,)):
        self.open_chunks = open_chunks
        self.algorithms = algorithms
        self.compression = compression
        self.name = name
        self.source_expected = source_expected
        self.source_algorithm = source_expected[0] if source_expected else SOURCE_ALGORITHM
        self.hasher = self.source_hasher = self.decompressor = None

    def __call__(self):
        self.hasher = MultiHasher(self.algorithms)
        self.source_hasher = MultiHasher([self.source_algorithm])
        self.decompressor = Decompressor(self.compression, self.name)
        source = self._checked(hashing_iter(self.open_chunks(), self.source_hasher))
        return hashing_iter(self.decompressor.iter(source), self.hasher)

    def _checked(self, chunks):
        yield from chunks
        if self.source_expected:
            algorithm, value = self.source_expected
            actual = self.source_hasher.hexdigest(algorithm)
            if actual != value:
                raise DataError('source_checksum: %s has %s %s, not %s as expected; the upload was stopped.'
                                % (self.name, algorithm, actual, value))

    @property
    def source_checksum(self):
        """'algorithm:hex' of the source as read, to record on the image (SOURCE_CHECKSUM_KEY)."""
        return '%s:%s' % (self.source_algorithm, self.source_hasher.hexdigest(self.source_algorithm))


def _recorded_source_checksum(image):
    try:
        return parse_checksum(image.get(SOURCE_CHECKSUM_KEY))
    except ValueError:
        return None


def decompressed_data_change(image, filename, compression, expected=None, source_expected=None):
    """'same', 'different' or 'unknown' for a compressed source (``filename``, else a URL) vs an image's data.

    The image's recorded source checksum (SOURCE_CHECKSUM_KEY) answers without decompressing when the source
    is the same: a file is hashed as it is, a URL is compared through ``source_expected`` and never downloaded.
    A different URL source counts as different data; a different file is decompressed and compared, since
    the same data may have been compressed differently. ``expected`` (the checksum of the decompressed
    data) is compared with the image's own hashes.
    Raises DataError when the file does not match ``source_expected``.
    """
    verdicts = []
    recorded = _recorded_source_checksum(image)
    if filename:
        same_source = False
        algorithms = set(pair[0] for pair in (recorded, source_expected) if pair)
        if algorithms:
            hashes = hash_file(filename, sorted(algorithms)).hexdigests()
            if source_expected and hashes[source_expected[0]] != source_expected[1]:
                raise DataError('source_checksum: %s has %s %s, not %s as expected.'
                                % (filename, source_expected[0], hashes[source_expected[0]], source_expected[1]))
            same_source = bool(recorded) and hashes[recorded[0]] == recorded[1]
        if same_source:
            verdicts.append('same')
        elif not expected:
            hasher = MultiHasher(comparison_algorithms(image))
            for chunk in Decompressor(compression, filename).iter(file_chunks(filename)):
                hasher.update(chunk)
            verdicts.append(compare_data(image, hasher.hexdigests(), hasher.size))
    elif recorded and source_expected and recorded[0] == source_expected[0]:
        verdicts.append('same' if recorded[1] == source_expected[1] else 'different')
    if expected:
        verdicts.append(compare_data(image, dict([expected])))
    if 'different' in verdicts:
        return 'different'
    return 'same' if 'same' in verdicts else 'unknown'


def image_hash_candidates(image):
    """(algorithm, value) pairs the image carries, strongest first."""
    candidates = []
    if image.get('os_hash_algo') and image.get('os_hash_value'):
        candidates.append((image['os_hash_algo'], image['os_hash_value']))
    if image.get(SHA256_KEY):
        candidates.append(('sha256', image[SHA256_KEY]))
    if image.get('checksum'):
        candidates.append(('md5', image['checksum']))
    if image.get(MD5_KEY):
        candidates.append(('md5', image[MD5_KEY]))
    return candidates


def compare_data(image, known_hashes, known_size=None):
    """Compare known data with an image's data: 'same', 'different' or 'unknown'.

    `known_hashes` maps algorithm names to hex digests (from a local file, or the user's
    `checksum`). A size mismatch alone is decisive; otherwise the strongest hash both sides
    know decides.
    """
    if known_size is not None and image.get('size') is not None and image['size'] != known_size:
        return 'different'
    for algorithm, value in image_hash_candidates(image):
        if algorithm in known_hashes:
            return 'same' if known_hashes[algorithm].lower() == value.lower() else 'different'
    return 'unknown'


def has_data(image):
    return image.get('status') not in ('queued', None) or bool(image.get('size'))


def verify_uploaded(image, hashes, size, expected=None):
    """Check what Glance stored against what was streamed (and the user's expected checksum).

    Raises DataError on any mismatch. Returns the (algorithm, value) pair that was verified,
    or None when the cloud reports no hash at all.
    """
    if size is not None and image.get('size') is not None and image['size'] != size:
        raise DataError('Glance stored %s bytes but %s bytes were sent.' % (image['size'], size))
    if expected is not None:
        algorithm, value = expected
        if hashes.get(algorithm, '').lower() != value.lower():
            raise DataError('checksum: the data has %s %s, not %s as expected.' % (algorithm, hashes.get(algorithm), value))
    verified = None
    for algorithm, value in (
        (image.get('os_hash_algo'), image.get('os_hash_value')),
        ('md5', image.get('checksum')),
    ):
        if algorithm and value and algorithm in hashes:
            if hashes[algorithm].lower() != value.lower():
                raise DataError(
                    'Glance reports %s %s for the stored data, but the data sent has %s: the upload was corrupted.'
                    % (algorithm, value, hashes[algorithm]))
            verified = verified or (algorithm, value)
    return verified


def verify_expected_checksum(image, expected):
    """For data Glance fetched itself (web-download): compare the user's checksum with Glance's hashes.

    Returns True when verified, False when the cloud has no hash of that algorithm.
    """
    algorithm, value = expected
    for image_algorithm, image_value in image_hash_candidates(image):
        if image_algorithm == algorithm:
            if image_value.lower() != value.lower():
                raise DataError('checksum: Glance reports %s %s for the imported data, not %s as expected.'
                                % (algorithm, image_value, value))
            return True
    return False


def upload_algorithms(cloud_algorithm=None, expected=None, openstacksdk_hashes=False):
    """The algorithms to hash uploaded data with: the cloud's multihash and the user's checksum, which verify it,
    and openstacksdk's md5 and sha256 only when asked for (md5 alone costs more CPU than the rest)."""
    algorithms = set([(cloud_algorithm or GLANCE_DEFAULT_HASH).lower()])
    if expected:
        algorithms.add(expected[0])
    if openstacksdk_hashes:
        algorithms.update(OPENSTACKSDK_ALGORITHMS)
    return sorted(algorithms)


def comparison_algorithms(image, expected=None):
    """The algorithms a local file is hashed with to compare it with an image's data: the image's strongest
    hash (else Glance's default), and the algorithm of the user's checksum."""
    candidates = [algorithm for algorithm, dummy in image_hash_candidates(image)]
    algorithms = set(candidates[:1] or [GLANCE_DEFAULT_HASH])
    if expected:
        algorithms.add(expected[0])
    return sorted(algorithms)


def object_name(name):
    """openstacksdk's owner_specified.openstack.object for an image of that name."""
    return 'images/%s' % name


def tracking_properties(hashes, name, source_checksum=None):
    """The owner_specified.openstack.* properties openstacksdk writes for uploaded data: the object name, and md5
    and sha256 when they were computed; with ``source_checksum`` (data decompressed from a source),
    SOURCE_CHECKSUM_KEY too."""
    props = {OBJECT_KEY: object_name(name)}
    if source_checksum:
        props[SOURCE_CHECKSUM_KEY] = source_checksum
    if hashes.get('md5'):
        props[MD5_KEY] = hashes['md5']
    if hashes.get('sha256'):
        props[SHA256_KEY] = hashes['sha256']
    return props


def import_failure(glance, image):
    """Glance's reason for a failed import of `image`, or None."""
    failed = image.get('os_glance_failed_import')
    if not failed and image.get('status') != 'killed':
        return None
    reason = 'import failed for store(s) %s' % failed if failed else 'the image ended in status killed'
    try:
        tasks = glance.list_image_tasks(image['id'])
    except ApiError:
        tasks = []
    messages = [task.get('message') for task in tasks if task.get('status') == 'failure' and task.get('message')]
    if messages:
        reason += ': ' + messages[-1]
    return reason


def wait_for_image(glance, image_id, wanted, timeout, sleep=None, clock=None, done=None):
    """Poll an image until its status is in `wanted` (and `done(image)` holds, if given).

    Fails with Glance's reason on killed images and failed imports; transient errors (a
    restarting Glance) are retried until the timeout. Raises DataError on timeout.
    """
    def read():
        image = glance.get_image(image_id)
        reason = import_failure(glance, image)
        if reason and image.get('status') not in wanted:
            raise DataError('Image %s: %s.' % (image_id, reason))
        if image.get('status') in TERMINAL_FAILURE_STATUSES:
            raise DataError('Image %s ended in status %s.' % (image_id, image['status']))
        return image

    def timed_out(image):
        return DataError('timeout: image %s is still %s after %s seconds (waiting for %s). Raise timeout, '
                         'or set wait: false to return without waiting.'
                         % (image_id, image.get('status'), timeout, ' or '.join(wanted)))

    return poll(read, lambda image: image.get('status') in wanted and (done is None or done(image)),
                timeout, timed_out, {'id': image_id, 'status': 'unknown'}, sleep=sleep, clock=clock)
