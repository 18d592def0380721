#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: glance_image_download
short_description: Download the data of an OpenStack Glance image to a file, verified and resumable
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Streams the image data to a partial file in the destination directory, hashing it on the way, verifies it against
    Glance's multihash (C(os_hash_algo)/C(os_hash_value), or the md5 C(checksum) when the cloud has no multihash),
    then renames it into place. O(dest) is never left half-written, and data that fails verification never replaces
    an existing O(dest).
  - Idempotent. An existing O(dest) with the image's size and hash is not downloaded again.
  - Resumable. The partial file has a predictable name, C(.<dest basename>.<image id>.part), beside O(dest). When a
    transfer is interrupted (connection lost, timeout, task killed) it is kept, and the next run hashes what it
    holds and asks Glance only for the rest (HTTP C(Range)). If Glance answers with the whole data instead, the
    download starts again from zero. If resumed data fails verification, the module downloads once more from zero.
  - A local write failure (disk full, quota, I/O error) or a failed verification removes the partial file.
  - Memory use does not grow with the image size (1 MiB chunks; hashing runs in a second thread).
extends_documentation_fragment:
  - osimg.glance.auth
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Nothing is downloaded; the result says whether a real run would download (an existing O(dest) is hashed to know).
  diff_mode:
    support: partial
    description: Shows O(dest)'s size and hash before and after; file attribute changes are not shown.
  idempotent:
    support: full
    description: A second run finds O(dest) with the same size and hash and downloads nothing.
options:
  image:
    description:
      - The id or the name of the image. A name must match exactly one image (hidden and shared ones included).
    type: str
    required: true
  dest:
    description:
      - The file to write, on the host that runs the module.
      - When O(dest) is an existing directory (or ends with C(/)), the file is C(<image name>.<disk_format>) in it
        (C(/) in the name becomes C(_)).
      - The directory must exist and be writable.
    type: path
    required: true
  force:
    description:
      - Download even when O(dest) already has the image's size and hash.
      - A partial file of the same image is still resumed.
    type: bool
    default: false
  verify:
    description:
      - Verify the downloaded data against the hash Glance reports before it replaces O(dest).
      - In this module C(verify) is this option only. Elsewhere in the collection C(verify) is an alias of
        O(validate_certs); here TLS verification is set with O(validate_certs) (or the cloud's C(verify)) alone.
      - With V(false), the data is not hashed while downloading; only its size is checked. An existing O(dest) is
        still compared by size and hash to decide whether to download.
      - When the cloud reports no hash at all, a warning says that only the size was checked.
    type: bool
    default: true
  validate_certs:
    description:
      - Whether to verify the TLS certificates of Keystone and Glance.
      - When not set here nor in the cloud (C(verify), or C(insecure)), certificates are verified.
      - Unlike in the other modules of the collection, it has no alias C(verify), which is the data verification
        option O(verify) here.
    aliases: []
notes:
  - The image must be C(active). Glance forbids downloading a C(deactivated) image (except to admins by default);
    the error says so.
  - Partial files from interrupted downloads of other images, or of older image ids, are never removed by this module.
  - Like M(ansible.builtin.get_url) and C(curl -o), the module does not C(fsync) the data; the rename into place is
    atomic, but after a power loss the file system decides what survives.
seealso:
  - module: osimg.glance.glance_image
    description: Uploads image data, also verified.
  - module: ansible.builtin.get_url
'''

EXAMPLES = r'''
- name: Download an image into a directory (as cirros.qcow2)
  osimg.glance.glance_image_download:
    cloud: local-demo
    image: cirros
    dest: /srv/images/

- name: Download by id to a file, with file attributes
  osimg.glance.glance_image_download:
    cloud: local-demo
    image: 9b3d4a92-7bd1-4a0d-9a43-6b4d1c2f0e11
    dest: /srv/images/golden.raw
    mode: "0640"
    group: kvm
  register: result

- name: Show how it was verified
  ansible.builtin.debug:
    msg: "{{ result.checksum.algorithm }}:{{ result.checksum.value }}"
'''

RETURN = r'''
dest:
  description: The file written (or that would be, in check mode), O(dest) or the file chosen in the directory O(dest).
  returned: success
  type: str
  sample: /srv/images/cirros.qcow2
size:
  description:
    - The size of the data in bytes.
    - In check mode, when O(dest) exists, Ansible's file information reports the size of that file instead.
  returned: success
  type: int
checksum:
  description: The hash of the data. Glance's multihash (or md5) when the cloud reports one, else a local sha256.
  returned: success
  type: dict
  contains:
    algorithm: {description: "Hash algorithm, for example C(sha512).", type: str, returned: success}
    value: {description: Hex digest., type: str, returned: success}
verified:
  description: Whether the data in O(dest) was checked against Glance's hash (false with O(verify=false) or no hash).
  returned: success
  type: bool
image_id:
  description: The id of the image.
  returned: success
  type: str
resumed_from:
  description: The number of bytes a previous interrupted run had left in the partial file, which were kept; only the rest was downloaded.
  returned: when a download was resumed
  type: int
diff:
  description: O(dest)'s size and hash before and after.
  returned: when diff mode is on
  type: dict
  contains:
    before: {description: "C(dest), C(size) and C(checksum) of the old file; empty when there was none.", type: dict, returned: success}
    after: {description: "C(dest), C(size) and C(checksum) of the new file.", type: dict, returned: success}
'''

import os

from ansible_collections.osimg.glance.plugins.module_utils._download import (
    DownloadError, check_destination, check_has_data, expected_hash, fetch_to_part, part_path, remove_quietly, resolve_dest,
)
from ansible_collections.osimg.glance.plugins.module_utils._hashing import MultiHasher, hash_file
from ansible_collections.osimg.glance.plugins.module_utils._lookup import find_one_image
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule

ARGUMENT_SPEC = dict(
    image=dict(type='str', required=True),
    dest=dict(type='path', required=True),
    force=dict(type='bool', default=False),
    # The shared validate_certs loses its alias verify here (GlanceModule drops shared aliases a module uses).
    verify=dict(type='bool', default=True),
)


class DownloadRun:
    def __init__(self, gm):
        self.gm = gm
        self.p = gm.params
        self.result = {'changed': False}

    def algorithm(self, image):
        """(algorithm, expected value or None) used to compare and verify."""
        expected = expected_hash(image)
        if expected:
            try:
                MultiHasher([expected[0]])
                return expected
            except ValueError:
                if image.get('checksum'):
                    return 'md5', image['checksum'].lower()
                self.gm.warn('Glance hashed image %s with %s, which this Python cannot compute; only the size is '
                             'checked.' % (image['id'], expected[0]))
        elif self.p['verify']:
            self.gm.warn('Image %s has no hash in Glance; only the size of the data is checked.' % image['id'])
        return 'sha256', None

    def existing(self, dest, image, algorithm):
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

    def run(self):
        p = self.p
        image = find_one_image(self.gm.glance, p['image'])
        dest = resolve_dest(p['dest'], image)
        check_destination(dest)
        check_has_data(image)
        algorithm, expected = self.algorithm(image)
        size, digest = self.existing(dest, image, algorithm)
        up_to_date = (size == image['size'] and digest is not None and (expected is None or digest == expected)
                      and not p['force'])
        after_digest = expected or digest
        self.result.update(dest=dest, image_id=image['id'], size=image['size'],
                           checksum={'algorithm': algorithm, 'value': after_digest},
                           verified=bool(expected) and up_to_date)
        before = {'dest': dest, 'size': size, 'checksum': digest} if size is not None else {}
        if not up_to_date:
            self.result['changed'] = True
            if not self.gm.check_mode:
                after_digest = self.download(image, dest, algorithm, expected)
        self.result['diff'] = self.gm.diff(before, {'dest': dest, 'size': image['size'], 'checksum': after_digest})
        self.set_attributes(dest)
        return self.result

    def download(self, image, dest, algorithm, expected):
        """Fetch into the partial file, verify, rename into place; returns the digest of the data."""
        part = part_path(dest, image['id'])
        algorithms = [algorithm] if (self.p['verify'] or expected is None) else []
        for attempt in (1, 2):
            hasher, resumed_from = fetch_to_part(self.gm.glance, image, part, algorithms)
            if hasher.size != image['size']:
                raise DownloadError('Glance sent %d bytes for image %s but its size is %d; the %d bytes received were '
                                    'kept in %s, run again to resume.' % (hasher.size, image['id'], image['size'],
                                                                          hasher.size, part))
            digest = hasher.hexdigest(algorithm) if algorithms else expected
            if not (self.p['verify'] and expected) or digest == expected:
                break
            remove_quietly(part)
            if resumed_from and attempt == 1:
                self.gm.warn('The data resumed from a partial file did not verify; downloading again from zero.')
                continue
            raise DownloadError('Image %s: the downloaded data has %s %s, but Glance reports %s. The download was '
                                'discarded and %s was left as it was.' % (image['id'], algorithm, digest, expected, dest))
        if resumed_from:
            self.result['resumed_from'] = resumed_from
        self.gm.module.atomic_move(part, dest)
        self.result['checksum']['value'] = digest
        self.result['verified'] = bool(self.p['verify'] and expected)
        return digest

    def set_attributes(self, dest):
        if self.gm.check_mode and not os.path.exists(dest):
            return
        module = self.gm.module
        file_args = module.load_file_common_arguments(module.params, path=dest)
        self.result['changed'] = module.set_fs_attributes_if_different(file_args, self.result['changed'])


def main():
    gm = GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, add_file_common_args=True)
    gm.run(lambda gm: DownloadRun(gm).run())


if __name__ == '__main__':
    main()
