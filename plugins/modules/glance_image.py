#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
---
module: glance_image
short_description: Create, upload, update, deactivate and delete OpenStack Glance images
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Manages one Glance v2 image by desired state. The module reads the image, compares it with
    the options given, and sends only what differs, as one JSON patch.
  - Options left out are left alone. Extra properties and tags the playbook does not list are
    removed only when O(purge_properties) or O(purge_tags) say so.
  - Image data comes from a local file (O(filename)), from a URL the module streams straight
    into Glance (O(url)), or from one of Glance's import methods (O(import_method)). What was
    uploaded is hashed while streaming and compared with what Glance stored.
  - An image created by a run that then fails (upload, import or verification) is deleted
    before the task fails. A pre-existing image is never deleted or modified by a failed run.
extends_documentation_fragment:
  - osimg.glance.auth
  - osimg.glance.attributes
  - osimg.glance.attributes.changes
options:
  name:
    description:
      - Name of the image. Used to find the image when O(id) is not given, and set on the image.
      - A name finds only images of the project the task acts for (O(owner), else the project of the
        credentials). An image of another project with the same name (a share, a community or public image,
        or any image an admin can see) is never updated, replaced or deleted by name; a warning names it
        when this task creates its own image beside it. Give O(id) to manage another project's image.
      - A name that matches several images of the project fails with their ids; give O(id) then.
      - Required when creating an image.
      - When several runs of the same task (same name, no O(id)) create the image at the same time, the
        oldest image wins; every other run deletes the image it created and adopts that one (waiting, within
        O(timeout), for its data). Runs whose creates are several seconds apart converge the same way; two
        runs can still end with two images only if one run's create stays invisible to the other's listings
        for its whole upload.
    type: str
  id:
    description:
      - UUID of the image. Used to find it; renames it when O(name) differs.
      - When no image has this id, the image is created with it, which makes creation safe to retry.
    type: str
  owner:
    description:
      - Project (id or name) that owns the image. Narrows a lookup by name, and is set on the
        image where the cloud's policy allows (changing the owner usually needs admin).
    type: str
  state:
    description:
      - V(present) ensures the image exists and is active (a deactivated image is reactivated).
      - V(deactivated) ensures the image exists and is deactivated. Glance's default policy lets
        members of the owning project and admins deactivate and reactivate.
      - V(absent) ensures the image does not exist. A protected image is deleted only when
        O(protected=false) is given too (it is unprotected first, and protected again if the delete
        fails); otherwise the task fails.
    type: str
    choices: [present, absent, deactivated]
    default: present
  disk_format:
    description:
      - Disk format, for example V(qcow2), V(raw), V(vmdk), V(iso). Glance checks uploaded data
        against it. Required to create an image with data.
      - Cannot change once the image exists; a different value fails unless
        O(on_data_change=replace).
    type: str
  container_format:
    description:
      - Container format, for example V(bare), V(ovf). Defaults to V(bare) when an image with data is created.
      - Cannot change once the image exists (see O(disk_format)).
    type: str
  visibility:
    description: Who can see the image. V(public) usually needs admin.
    type: str
    choices: [public, private, shared, community]
  protected:
    description: Whether the image is protected from deletion.
    type: bool
  hidden:
    description: Whether the image is hidden from default image listings (Glance's C(os_hidden)).
    type: bool
  min_disk:
    description: Minimum disk size in GB needed to boot the image.
    type: int
  min_ram:
    description: Minimum RAM in MB needed to boot the image.
    type: int
  kernel:
    description: Kernel image (id or name), stored as C(kernel_id).
    type: str
  ramdisk:
    description: Ramdisk image (id or name), stored as C(ramdisk_id).
    type: str
  properties:
    description:
      - Extra properties. Glance stores their values as strings, so values are compared and
        sent as strings. Numbers and booleans are written as openstacksdk writes them, for
        example V(2) and V(True); lists and dicts as JSON.
      - Base and read-only keys (C(status), C(size), C(os_glance_*), ...) are refused; use the
        matching option instead.
    type: dict
  purge_properties:
    description: Remove extra properties not listed in O(properties). Properties this collection
      and openstacksdk use to track uploaded data (C(owner_specified.*)) are kept.
    type: bool
    default: false
  tags:
    description:
      - Tags of the image. Left alone when omitted; V([]) with O(purge_tags=true) clears them.
    type: list
    elements: str
  purge_tags:
    description: Remove tags not listed in O(tags).
    type: bool
    default: true
  filename:
    description:
      - Local file (on the host that runs the module) to upload as the image data.
      - Mutually exclusive with O(url).
    type: path
  url:
    description:
      - URL whose content becomes the image data. Without O(import_method) the module streams
        it straight into Glance (no temporary file); with O(import_method=web-download) Glance
        fetches it itself.
      - The module fetches it with the TLS settings of O(url_validate_certs) and O(url_ca_cert), not with the
        cloud's (O(validate_certs), O(ca_cert), O(client_cert)), and never sends the cloud's token or client
        certificate to it.
      - A password in the URL (V(https://user:password@host/...)) is masked in every output.
    type: str
  url_validate_certs:
    description:
      - Whether the module verifies the TLS certificate of the O(url) host, with the system CA bundle or
        O(url_ca_cert).
      - Independent of O(validate_certs), which is about the cloud's endpoints only.
    type: bool
    default: true
  url_ca_cert:
    description:
      - CA bundle that verifies the O(url) host, instead of the system CAs. E(REQUESTS_CA_BUNDLE) does not
        override it.
    type: path
  import_method:
    description:
      - Use Glance's interoperable import instead of a direct upload.
      - V(glance-direct) stages O(filename) and imports it; V(web-download) lets Glance fetch
        O(url); V(copy-image) copies an existing image's data to O(stores) or O(all_stores);
        V(glance-download) copies an image from another region (O(remote_region), O(remote_image_id)).
    type: str
    choices: [glance-direct, web-download, copy-image, glance-download]
  stores:
    description: Stores to place the data in (multi-store clouds). With a direct upload, exactly one store.
    type: list
    elements: str
  all_stores:
    description: Import into every store of the cloud.
    type: bool
  all_stores_must_succeed:
    description: With O(stores) or O(all_stores), whether the import fails when one store fails.
    type: bool
    default: true
  remote_region:
    description: With O(import_method=glance-download), the region to copy from.
    type: str
  remote_image_id:
    description: With O(import_method=glance-download), the image id in O(remote_region).
    type: str
  remote_service_interface:
    description: With O(import_method=glance-download), the catalog interface of the remote Glance.
    type: str
  checksum:
    description:
      - Expected hash of the data, as V(sha256:<hex>), V(sha512:<hex>) or V(md5:<hex>).
        Uploaded or imported data must match it; an existing image whose hashes differ counts as
        changed data (see O(on_data_change)).
      - With O(decompress), the hash of the decompressed data, which is what Glance stores. The hash
        of the compressed file (as C(SHA256SUMS) files list it) goes in O(source_checksum).
    type: str
  decompress:
    description:
      - Decompress the data of O(filename) or O(url) while it streams into Glance, so the image holds
        the decompressed data. Nothing is written to disk and memory stays bounded.
      - V(gzip), V(bzip2) or V(xz) name the format. V(auto) takes it from the suffix of the file name
        or of the URL's path (C(.gz), C(.bz2), C(.xz)), else from the first bytes of the data, and
        uploads data that is not compressed as it is.
      - The data must start with the signature of the format named (by the option or the suffix), or
        the task fails before any data is stored. Truncated data or anything but padding after the
        compressed data fails too; an image this run created is then deleted.
      - The upload size is not known in advance, so the data is sent with chunked transfer encoding.
      - Not with O(import_method=web-download), O(import_method=copy-image) or
        O(import_method=glance-download), where Glance reads the data itself.
      - The checksum of the source as read is recorded on the image, as
        C(owner_specified.osimg.source_checksum) (in the algorithm of O(source_checksum), else sha256).
        A later run compares with it, so an unchanged source costs no decompression and an O(url) is not
        downloaded at all. A different O(url) source counts as changed data (see O(on_data_change)); a
        different O(filename) is decompressed and compared, as it may hold the same data compressed
        differently. O(checksum) is compared with Glance's hashes of the image.
    type: str
    choices: [auto, gzip, bzip2, xz]
  source_checksum:
    description:
      - With O(decompress), the expected hash of O(filename) or O(url) as read, before decompression,
        as V(sha256:<hex>), V(sha512:<hex>) or V(md5:<hex>); for example the line of a C(SHA256SUMS)
        file that names the C(.xz) file.
      - Checked when the source has been read, before the last of the data is uploaded; on a mismatch
        the upload is stopped, the task fails and an image this run created is deleted.
      - Needs O(decompress). Without decompression the source is the data; give its hash as O(checksum).
    type: str
  openstacksdk_hashes:
    description:
      - Also hash uploaded data with md5 and sha256, and record them in the image properties
        C(owner_specified.openstack.md5) and C(owner_specified.openstack.sha256) as openstacksdk's
        C(create_image) does. openstacksdk and openstack.cloud compare both to tell that an image already holds a
        file; without them, a C(create_image) of the same file by openstacksdk uploads it again.
      - Off by default, because md5 alone costs more CPU than the rest of an upload (about 1.5 seconds per GiB).
        Glance's own multihash (C(os_hash_value), sha512 unless the cloud is set up otherwise) is what verifies an
        upload and what tells this module whether a file changed; it needs neither property.
      - When V(false), those two properties are removed from an image this module uploads new data to (they
        would describe data the image no longer holds). C(owner_specified.openstack.object) is always recorded.
    type: bool
    default: false
  file_digest_cache:
    description:
      - Remember the hashes of O(filename) in a cache of the user running the module, keyed by the file's device,
        inode, size, modification and change times (nanoseconds). A later run with the same, unchanged file then
        compares it with the image without reading it; a run that has to hash the file, or uploads it, fills the
        cache.
      - The cache only ever confirms that a file is unchanged. Whenever the cached hashes would not match the
        image (or O(checksum)), the file is hashed again; data that is uploaded is always hashed as it is sent and
        verified against what Glance stored. A file changed less than 2 seconds before it was read is not
        remembered (a second change within the same tick of the file system clock could keep all five values).
      - The cache is C($XDG_CACHE_HOME/osimg.glance/digests), by default C(~/.cache/osimg.glance/digests), on the
        host that runs the module. It is created with mode 0700 and used only while it belongs to that user and is
        closed to others; otherwise every run hashes the file. It holds hashes, sizes and times, no file names or
        data; entries unused for 90 days are removed, and the directory may be deleted at any time.
      - Set V(false) to hash the file on every run (as rsync's C(--checksum) does).
    type: bool
    default: true
  on_data_change:
    description:
      - What to do when the image exists with data and the given data differs (known from the
        local file's hashes, or from O(checksum)), or a create-only field differs.
      - V(warn) keeps the image and returns a warning (not changed); V(fail) fails the task;
        V(replace) uploads a new image with the same name and metadata, shares it with the old image's
        member projects (each member accepts it again, as Glance lets only the member set its status), waits
        until it is active and verified, then deletes the old one. A protected old image fails before
        anything is uploaded. When the old image cannot be deleted, the task fails with the new image in
        RV(image) and the old one in RV(replaced_image_id).
      - An image in status C(killed) (its upload or import failed) is replaced with V(replace) and the data;
        otherwise the task fails. An image whose data is being written (C(saving), C(importing),
        C(uploading)) is waited for, within O(timeout), before it is compared.
    type: str
    choices: [warn, fail, replace]
    default: warn
  wait:
    description: Wait until the image is active after an upload or import.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for O(wait).
    type: int
    default: 900
notes:
  - Data uploaded from O(filename) or O(url) is hashed as it is sent with the cloud's multihash algorithm
    (sha512 unless an image of this run shows another), and the hash is compared with the one Glance computed
    (RV(verified)). When the cloud turns out to use another algorithm, a file is read once more to verify it.
  - Images created with O(filename) or O(url) record C(owner_specified.openstack.object) like openstacksdk, and
    C(owner_specified.openstack.md5) and C(owner_specified.openstack.sha256) with O(openstacksdk_hashes=true).
seealso:
  - module: osimg.glance.glance_image_info
requirements:
  - requests
  - jsonpatch
'''

EXAMPLES = r'''
- name: Upload a qcow2 image from a local file
  osimg.glance.glance_image:
    cloud: local-demo
    name: cirros
    filename: /srv/images/cirros.qcow2
    disk_format: qcow2
    visibility: shared
    properties:
      hw_disk_bus: scsi
      hw_cpu_cores: 2
    tags: [base, cirros]

- name: Stream an image from a URL into Glance, verified against a known hash
  osimg.glance.glance_image:
    cloud: local-demo
    name: debian-12
    url: https://images.example.org/debian-12.qcow2
    checksum: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    disk_format: qcow2

- name: Upload a distribution's xz-compressed image, decompressed on the fly and checked against SHA256SUMS
  osimg.glance.glance_image:
    cloud: local-demo
    name: debian-12
    url: https://images.example.org/debian-12-generic-amd64.qcow2.xz
    decompress: auto
    # The checksum file lists the .xz file: that is the source's checksum.
    source_checksum: sha256:6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d
    disk_format: qcow2

- name: Replace the image when the file changed
  osimg.glance.glance_image:
    cloud: local-demo
    name: cirros
    filename: /srv/images/cirros-new.qcow2
    disk_format: qcow2
    on_data_change: replace

- name: Remove a property and clear the tags
  osimg.glance.glance_image:
    cloud: local-demo
    name: cirros
    properties: {}
    purge_properties: true
    tags: []

- name: Deactivate an image
  osimg.glance.glance_image:
    cloud: local-demo
    id: 9b3d4a92-7bd1-4a0d-9a43-6b4d1c2f0e11
    state: deactivated

- name: Copy an image's data to a second store
  osimg.glance.glance_image:
    cloud: local-admin
    name: cirros
    import_method: copy-image
    stores: [local2]

- name: Delete an image
  osimg.glance.glance_image:
    cloud: local-demo
    name: cirros
    state: absent
'''

RETURN = r'''
image:
  description: The image as Glance reports it after the run (in check mode, the predicted image). Empty after deletion.
  returned: always
  type: dict
  contains:
    id:
      description: Image id.
      type: str
      returned: success
    name:
      description: Image name.
      type: str
      returned: success
    status:
      description: Image status, for example V(active), V(queued) or V(deactivated).
      type: str
      returned: success
    visibility:
      description: Visibility.
      type: str
      returned: success
    owner:
      description: Owning project id.
      type: str
      returned: success
    disk_format:
      description: Disk format.
      type: str
      returned: success
    container_format:
      description: Container format.
      type: str
      returned: success
    size:
      description: Size of the data in bytes.
      type: int
      returned: success
    checksum:
      description: MD5 of the data (may be null on newer clouds).
      type: str
      returned: success
    os_hash_algo:
      description: Algorithm of RV(image.os_hash_value).
      type: str
      returned: success
    os_hash_value:
      description: Glance's multihash of the data.
      type: str
      returned: success
    protected:
      description: Whether the image is protected.
      type: bool
      returned: success
    os_hidden:
      description: Whether the image is hidden.
      type: bool
      returned: success
    min_disk:
      description: Minimum disk in GB.
      type: int
      returned: success
    min_ram:
      description: Minimum RAM in MB.
      type: int
      returned: success
    tags:
      description: Tags.
      type: list
      elements: str
      returned: success
    stores:
      description: Comma-separated stores holding the data (multi-store clouds).
      type: str
      returned: when the cloud reports it
patch:
  description: The JSON patch operations sent (or that would be sent in check mode) to update the image's metadata.
  returned: always
  type: list
  elements: dict
  sample: [{"op": "replace", "path": "/min_ram", "value": 512}, {"op": "remove", "path": "/hw_disk_bus"}]
replaced_image_id:
  description: With O(on_data_change=replace), the id of the old image that was deleted after the new one was verified.
  returned: when an image was replaced
  type: str
verified:
  description: The hash Glance reported for uploaded data and that matched the data sent, as C(algorithm:value).
  returned: when data was uploaded and verified
  type: str
decompressed:
  description: With O(decompress), the format the uploaded data was decompressed from; null when it was not compressed.
  returned: when data was uploaded with O(decompress)
  type: str
  sample: xz
diff:
  description: The managed keys before and after.
  returned: when diff mode is on
  type: dict
'''

from ansible_collections.osimg.glance.plugins.module_utils._image_request import ImageRequest, image_argument_spec
from ansible_collections.osimg.glance.plugins.module_utils._image_run import ImageRun
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule

# The image fields (name, visibility, ..., tags) come from the one table in _image_state.IMAGE_FIELDS.
ARGUMENT_SPEC = image_argument_spec()


def run(module):
    request = ImageRequest(module.params)
    for secret in request.secrets:
        module.add_secret(secret)
    return ImageRun(module, request).run()


def main():
    GlanceModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[('filename', 'url'), ('stores', 'all_stores')],
    ).run(run)


if __name__ == '__main__':
    main()
