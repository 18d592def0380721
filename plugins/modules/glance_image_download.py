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
  - One run at a time. A run takes an exclusive lock on O(dest) (the file C(.<dest basename>.lock) beside it, removed
    when the run ends; the kernel releases it if the run dies). A second run for the same O(dest), from the same
    playbook or another one, waits for it up to O(lock_timeout) seconds, then finds the file the first one wrote
    (and reports no change), or fails saying which lock it waited for.
  - Resumable. The partial file has a predictable name, C(.<dest basename>.<image id>.part), beside O(dest). When a
    transfer is interrupted (connection lost, timeout, task killed) it is kept, and the next run hashes what it
    holds and asks Glance only for the rest (HTTP C(Range)). If Glance answers with the whole data instead, the
    download starts again from zero. If resumed data fails verification, the module downloads once more from zero.
  - Private until done. The partial file is created with mode C(0600) (never through a symbolic link, never over an
    existing file), and gets its final mode, owner and group (O(mode), or those of the O(dest) it replaces, or
    C(0666) minus the umask) only once verified, just before the rename. A leftover at its name that is not a
    regular file of the user running the module with a single link (a symbolic link, another user's file) is removed
    with a warning, never written through; if it cannot be removed, the task fails.
  - What is verified is what is on disk. The hash is computed from the data read back from the partial file, and
    its size on disk is checked, before that same file is renamed into place. Glance sending more bytes than the
    image's size stops the download with an error; nothing is renamed.
  - A local write failure (disk full, quota, I/O error), more data than the image's size, or a failed verification
    removes the partial file.
  - Memory use does not grow with the image size (1 MiB chunks; hashing runs in a second thread).
extends_documentation_fragment:
  - osimg.glance.auth
  - osimg.glance.attributes
  - osimg.glance.attributes.changes
  - ansible.builtin.files
attributes:
  check_mode:
    description: Nothing is downloaded; the result says whether a real run would download (an existing O(dest) is hashed to know).
  diff_mode:
    support: partial
    description: Shows O(dest)'s size and hash before and after; file attribute changes are not shown.
  idempotent:
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
  lock_timeout:
    description:
      - How many seconds to wait for another run that is writing the same O(dest) (see the lock above).
      - V(0) fails at once when another run holds the lock.
    type: int
    default: 600
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
  - The lock works between runs on the same host (C(flock)); it is not meant for a destination on a network file
    system shared by several hosts.
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

from ansible_collections.osimg.glance.plugins.module_utils._download import download_image
from ansible_collections.osimg.glance.plugins.module_utils._lookup import find_one_image
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule

ARGUMENT_SPEC = dict(
    image=dict(type='str', required=True),
    dest=dict(type='path', required=True),
    force=dict(type='bool', default=False),
    # The shared validate_certs loses its alias verify here (GlanceModule drops shared aliases a module uses).
    verify=dict(type='bool', default=True),
    lock_timeout=dict(type='int', default=600),
)


def run(module):
    params = module.params
    image = find_one_image(module.glance, params['image'])
    return download_image(module, image, params['dest'], force=params['force'], verify=params['verify'],
                          lock_timeout=params['lock_timeout'])


def main():
    GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, add_file_common_args=True).run(run)


if __name__ == '__main__':
    main()
