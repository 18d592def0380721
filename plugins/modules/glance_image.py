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
attributes:
  check_mode:
    support: full
    description: No write request is sent; the result predicts what a real run would do.
  diff_mode:
    support: full
    description: Shows the managed keys before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change and sends no write request.
options:
  name:
    description:
      - Name of the image. Used to find the image when O(id) is not given, and set on the image.
      - A name that matches several images fails with their ids; give O(id) then.
      - Required when creating an image.
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
        O(protected=false) is given too (it is unprotected first); otherwise the task fails.
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
    type: str
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
    type: str
  on_data_change:
    description:
      - What to do when the image exists with data and the given data differs (known from the
        local file's hashes, or from O(checksum)), or a create-only field differs.
      - V(warn) keeps the image and returns a warning (not changed); V(fail) fails the task;
        V(replace) uploads a new image with the same name and metadata, waits until it is
        active and verified, then deletes the old one. A protected old image fails before
        anything is uploaded.
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
  - Images created with O(filename) or O(url) record C(owner_specified.openstack.md5),
    C(owner_specified.openstack.sha256) and C(owner_specified.openstack.object) like openstacksdk.
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
diff:
  description: The managed keys before and after.
  returned: when diff mode is on
  type: dict
'''

import uuid

from ansible_collections.osimg.glance.plugins.module_utils._errors import (
    ApiError, Conflict, GlanceModuleError, NotFound, UnsupportedMediaType,
)
from ansible_collections.osimg.glance.plugins.module_utils._glance import is_uuid
from ansible_collections.osimg.glance.plugins.module_utils._hashing import MultiHasher, hash_file, hashing_iter, parse_checksum
from ansible_collections.osimg.glance.plugins.module_utils._image_data import (
    STREAM_ALGORITHMS, DataError, FileSource, check_readable_file, compare_data, has_data, image_hash_candidates, open_url,
    tracking_properties,
    verify_expected_checksum, verify_uploaded, wait_for_image,
)
from ansible_collections.osimg.glance.plugins.module_utils._image_state import (
    OPTION_TO_KEY, apply_patch, build_patch, create_only_conflicts, desired_state, diff_view, is_reserved_key,
    managed_keys, user_properties,
)
from ansible_collections.osimg.glance.plugins.module_utils._lookup import find_one_image, resolve_project_id
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule

ARGUMENT_SPEC = dict(
    name=dict(type='str'),
    id=dict(type='str'),
    owner=dict(type='str'),
    state=dict(type='str', default='present', choices=['present', 'absent', 'deactivated']),
    disk_format=dict(type='str'),
    container_format=dict(type='str'),
    visibility=dict(type='str', choices=['public', 'private', 'shared', 'community']),
    protected=dict(type='bool'),
    hidden=dict(type='bool'),
    min_disk=dict(type='int'),
    min_ram=dict(type='int'),
    kernel=dict(type='str'),
    ramdisk=dict(type='str'),
    properties=dict(type='dict'),
    purge_properties=dict(type='bool', default=False),
    tags=dict(type='list', elements='str'),
    purge_tags=dict(type='bool', default=True),
    filename=dict(type='path'),
    url=dict(type='str'),
    import_method=dict(type='str', choices=['glance-direct', 'web-download', 'copy-image', 'glance-download']),
    stores=dict(type='list', elements='str'),
    all_stores=dict(type='bool'),
    all_stores_must_succeed=dict(type='bool', default=True),
    remote_region=dict(type='str'),
    remote_image_id=dict(type='str'),
    remote_service_interface=dict(type='str'),
    checksum=dict(type='str'),
    on_data_change=dict(type='str', default='warn', choices=['warn', 'fail', 'replace']),
    wait=dict(type='bool', default=True),
    timeout=dict(type='int', default=900),
)


class ImageRun:
    """One run of the module: read, compare, then act (unless in check mode)."""

    def __init__(self, gm):
        self.gm = gm
        self.p = gm.params
        self.glance = gm.glance
        self.result = {'changed': False, 'image': {}, 'patch': []}
        self.expected = None
        self.local_hashes = None
        self.local_size = None
        self.source = None

    # ---- validation: everything that can be refused before any request that writes ----
    def validate(self):
        p = self.p
        if p['id'] and not is_uuid(p['id']):
            raise GlanceModuleError('id: %r is not a UUID; Glance image ids look like 9b3d4a92-7bd1-4a0d-9a43-6b4d1c2f0e11.' % p['id'])
        if not p['id'] and not p['name']:
            raise GlanceModuleError('name or id is required to find the image.')
        if p['filename'] and p['url']:
            raise GlanceModuleError('filename and url are mutually exclusive: give one source of image data.')
        reserved = sorted(k for k in (p['properties'] or {}) if is_reserved_key(k))
        if reserved:
            raise GlanceModuleError(
                'properties: %s cannot be set as extra properties (read-only, reserved or managed by their own option: '
                'use name, visibility, protected, hidden, min_disk, min_ram, kernel, ramdisk, tags).' % ', '.join(reserved))
        method = p['import_method']
        needs = {'glance-direct': 'filename', 'web-download': 'url'}
        if method in needs and not p[needs[method]]:
            raise GlanceModuleError('import_method %s needs %s.' % (method, needs[method]))
        if method == 'glance-direct' and p['url']:
            raise GlanceModuleError('import_method glance-direct uploads filename; use web-download for url.')
        if method == 'web-download' and p['filename']:
            raise GlanceModuleError('import_method web-download fetches url; use glance-direct for filename.')
        if method == 'copy-image' and not (p['stores'] or p['all_stores']):
            raise GlanceModuleError('import_method copy-image needs stores or all_stores.')
        if method == 'glance-download' and not (p['remote_region'] and p['remote_image_id']):
            raise GlanceModuleError('import_method glance-download needs remote_region and remote_image_id.')
        if not method and p['stores'] and len(p['stores']) > 1:
            raise GlanceModuleError('stores: a direct upload goes to one store; use import_method to place data in several.')
        if p['checksum']:
            try:
                self.expected = parse_checksum(p['checksum'])
            except ValueError as e:
                raise GlanceModuleError('checksum: %s' % e)
        if p['filename']:
            self.local_size = check_readable_file(p['filename'])
        if p['timeout'] is not None and p['timeout'] <= 0:
            raise GlanceModuleError('timeout must be a positive number of seconds.')

    @property
    def brings_data(self):
        p = self.p
        return bool(p['filename'] or p['url'] or p['import_method'] == 'glance-download')

    # ---- lookup ----
    def resolve_owner(self):
        owner = self.p['owner']
        return resolve_project_id(self.glance, owner, option='owner') if owner else None

    def resolve_image_ref(self, ref, option):
        return find_one_image(self.glance, ref, option)['id'] if ref else None

    def find_existing(self, owner_id):
        p = self.p
        if p['id']:
            try:
                return self.glance.get_image(p['id'])
            except NotFound:
                return None
        matches = [m for m in self.glance.find_image_by_id_or_name(p['name'], owner=owner_id)
                   if m.get('name') == p['name'] and m.get('status') not in ('deleted', 'pending_delete')]
        if len(matches) > 1:
            raise GlanceModuleError('name: %d images are named %r (%s); give id to choose one.'
                                    % (len(matches), p['name'], ', '.join(sorted(m['id'] for m in matches))))
        return matches[0] if matches else None

    # ---- desired state ----
    def scalars(self, owner_id):
        p = self.p
        values = dict((key, p[option]) for option, key in OPTION_TO_KEY)
        values['owner'] = owner_id
        values['kernel_id'] = self.resolve_image_ref(p['kernel'], 'kernel')
        values['ramdisk_id'] = self.resolve_image_ref(p['ramdisk'], 'ramdisk')
        return values

    def desired(self, scalars, current):
        p = self.p
        return desired_state(scalars, properties=p['properties'], tags=p['tags'],
                             purge_properties=p['purge_properties'], purge_tags=p['purge_tags'], current=current)

    # ---- the main pipeline ----
    def run(self):
        self.validate()
        owner_id = self.resolve_owner()
        current = self.find_existing(owner_id)
        if self.p['state'] == 'absent':
            return self.ensure_absent(current)
        scalars = self.scalars(owner_id)
        if current is None:
            self.create(scalars)
        else:
            self.update(current, scalars)
        return self.result

    def ensure_absent(self, current):
        if current is None:
            return self.result
        unprotect = current.get('protected') and self.p['protected'] is False
        if current.get('protected') and not unprotect:
            raise GlanceModuleError('Image %s (%s) is protected and cannot be deleted; add protected: false to '
                                    'unprotect and delete it.' % (current['id'], current.get('name')))
        self.result['changed'] = True
        self.set_diff(current, None, set(['id', 'name', 'status']))
        if not self.gm.check_mode:
            if unprotect:
                self.glance.patch_image(current['id'], [{'op': 'replace', 'path': '/protected', 'value': False}])
            try:
                self.glance.delete_image(current['id'])
            except NotFound:
                pass
        return self.result

    def set_diff(self, before, after, keys):
        if self.gm.diff_mode:
            self.result['diff'] = {'before': diff_view(before, keys), 'after': diff_view(after, keys)}

    # ---- create ----
    def create(self, scalars, template=None):
        """Create a new image with its data; returns it. Deletes it again if anything fails."""
        p = self.p
        if not p['name'] and not (template and template.get('name')):
            raise GlanceModuleError('name is required to create an image.')
        if p['import_method'] == 'copy-image' and template is None:
            raise GlanceModuleError('import_method copy-image copies the data of an existing image, and no image %r exists.'
                                    % (p['name'] or p['id']))
        desired = self.desired(scalars, template)
        body = dict((k, v) for k, v in (template or {}).items())
        body.update(desired)
        protected = body.pop('protected', None)
        body['id'] = p['id'] if (p['id'] and template is None) else str(uuid.uuid4())
        for key in ('disk_format', 'container_format'):
            if p[key]:
                body[key] = p[key]
        if self.brings_data:
            if not body.get('disk_format'):
                raise GlanceModuleError('disk_format is required to create an image with data (for example qcow2 or raw).')
            body.setdefault('container_format', 'bare')
        keys = set(body) - set(['id'])
        if p['url'] and p['import_method'] is None:
            # Open the source before creating anything, so a bad URL leaves no trace.
            self.source = open_url(p["url"], self.gm.config)
            if self.gm.check_mode:
                self.source.close()
        self.result['changed'] = True
        if self.gm.check_mode:
            predicted = dict(body, status='active' if self.brings_data else 'queued', tags=body.get('tags', []))
            if protected is not None:
                predicted['protected'] = protected
            self.result['image'] = predicted
            self.set_diff(None, predicted, keys)
            return predicted
        image = self.post_image(body)
        try:
            image = self.load_data(image)
            finishing = self.finishing_patch(image, protected)
            if finishing:
                image = self.glance.patch_image(image['id'], finishing)
            if p['state'] == 'deactivated' and image.get('status') == 'active':
                self.glance.deactivate_image(image['id'])
            image = self.glance.get_image(image['id'])
        except Exception as e:
            self.discard_created(image, e)
            raise
        self.result['image'] = image
        self.set_diff(None, image, keys)
        return image

    def post_image(self, body):
        try:
            return self.glance.create_image(body, retry=True)
        except Conflict:
            # The id is ours: a first attempt that timed out may have created it already.
            try:
                existing = self.glance.get_image(body['id'])
            except NotFound:
                raise GlanceModuleError('id: %s belonged to a deleted image; Glance never reuses image ids. '
                                        'Choose another id.' % body['id'])
            if existing.get('name') != body.get('name') or existing.get('status') != 'queued':
                raise GlanceModuleError('id: an image with id %s already exists (%s, %s) and is not visible to this lookup.'
                                        % (body['id'], existing.get('name'), existing.get('status')))
            return existing
        except ApiError as e:
            self.discard_refused_create(body['id'], e)
            raise

    def discard_refused_create(self, image_id, error):
        """A create that failed may still have made the image: Glance 33 stores it before refusing a 4-byte
        unicode tag, and a lost answer (503, cut connection) hides a success. The id is new, so an image with
        it was made by this run: delete it."""
        try:
            self.glance.get_image(image_id)
        except NotFound:
            return
        except ApiError:
            error.extend_message('Glance may have created image %s before failing; if so, the next run finds it by '
                                 'name and completes it.' % image_id)
            return
        self.discard_created({'id': image_id}, error)

    def discard_created(self, image, error):
        """Delete an image this run created, so a failure leaves nothing half-made."""
        try:
            self.glance.delete_image(image['id'])
            note = 'The image %s created by this run was deleted.' % image['id']
        except ApiError as delete_error:
            note = 'The image %s created by this run could not be deleted (%s); delete it by hand.' % (image['id'], delete_error)
        if isinstance(error, GlanceModuleError):
            error.extend_message(note)

    def finishing_patch(self, image, protected):
        operations = []
        if self.local_hashes:
            props = tracking_properties(self.local_hashes, image.get('name'))
            operations.extend(build_patch(image, props, set(props)))
        if protected is not None and image.get('protected') != protected:
            operations.append({'op': 'replace', 'path': '/protected', 'value': protected})
        return operations

    # ---- data ----
    def load_data(self, image):
        """Put the requested data into a new (queued) image, wait and verify; returns the image."""
        p = self.p
        method = p['import_method']
        if method in (None, 'glance-direct') and (p['filename'] or p['url']):
            hasher = MultiHasher(STREAM_ALGORITHMS)
            if p['filename']:
                # Replayable: an upload refused with 401 is sent again after re-authenticating.
                body, size = FileSource(p['filename'], STREAM_ALGORITHMS), self.local_size
            else:
                source = self.source or open_url(p["url"], self.gm.config)
                body, size = hashing_iter(iter(source), hasher), source.size
            try:
                if method == 'glance-direct':
                    self.glance.stage_image_data(image['id'], body, size=size)
                    self.glance.import_image(image['id'], {'name': 'glance-direct'}, **self.store_args())
                else:
                    store = p['stores'][0] if p['stores'] else None
                    self.glance.upload_image_data(image['id'], body, size=size, store=store)
            except UnsupportedMediaType as e:
                # Glance inspects uploaded bytes; its 415 speaks of media types, which misleads.
                e.extend_message('The data is not in disk_format %s: upload a %s file, or set disk_format to the '
                                 'format the data is in.' % (image.get('disk_format'), image.get('disk_format')))
                raise
            if p['filename']:
                hasher = body.hasher
            self.local_hashes = hasher.hexdigests()
            self.local_size = hasher.size
            if method and not p['wait']:
                return self.glance.get_image(image['id'])
            image = wait_for_image(self.glance, image['id'], ('active',), p['timeout'])
            verified = verify_uploaded(image, self.local_hashes, self.local_size, self.expected)
            if verified:
                self.result['verified'] = '%s:%s' % verified
            return image
        if method in ('web-download', 'glance-download'):
            if method == 'web-download':
                method_body = {'name': 'web-download', 'uri': p['url']}
            else:
                method_body = {'name': 'glance-download', 'glance_region': p['remote_region'],
                               'glance_image_id': p['remote_image_id']}
                if p['remote_service_interface']:
                    method_body['glance_service_interface'] = p['remote_service_interface']
            self.glance.import_image(image['id'], method_body, **self.store_args())
            if not p['wait']:
                return self.glance.get_image(image['id'])
            image = wait_for_image(self.glance, image['id'], ('active',), p['timeout'])
            if self.expected and not verify_expected_checksum(image, self.expected):
                self.gm.warn('checksum: the cloud reports no %s hash of the imported data, so it could not be verified.'
                             % self.expected[0])
            return image
        return image

    def store_args(self):
        p = self.p
        args = {}
        if p['all_stores']:
            args['all_stores'] = True
        elif p['stores']:
            args['stores'] = p['stores']
        if args:
            args['all_stores_must_succeed'] = p['all_stores_must_succeed']
        return args

    def data_change(self, current):
        """'same', 'different' or 'unknown' for the data given vs the existing image's data."""
        p = self.p
        known = {}
        if p['filename']:
            if current.get('size') is not None and current['size'] != self.local_size:
                return 'different'
            # One pass over the file, with only the hash the comparison will use (the image's
            # strongest) and the one of `checksum`: a no-op run reads a big file once, cheaply.
            candidates = [algorithm for algorithm, _value in image_hash_candidates(current)]
            algorithms = set(candidates[:1]) or set(STREAM_ALGORITHMS)
            if self.expected:
                algorithms.add(self.expected[0])
            known.update(hash_file(p['filename'], sorted(algorithms)).hexdigests())
        if self.expected:
            algorithm, value = self.expected
            if algorithm in known and known[algorithm].lower() != value.lower():
                raise DataError('checksum: %s has %s %s, not %s as expected.' % (p['filename'], algorithm, known[algorithm], value))
            known[algorithm] = value
        if not known:
            return 'unknown'
        return compare_data(current, known)

    # ---- update ----
    def update(self, current, scalars):
        p = self.p
        if current.get('status') == 'queued' and not has_data(current):
            # Before it has data an image still takes its formats, like any other field.
            scalars = dict(scalars, disk_format=p['disk_format'], container_format=p['container_format'])
            if self.brings_data and not (p['disk_format'] or current.get('disk_format')):
                raise GlanceModuleError('disk_format is required to upload data (for example qcow2 or raw).')
        conflicts = create_only_conflicts(current, p) if has_data(current) else []
        reason = None
        if conflicts:
            reason = ', '.join('%s is %s, not %s' % (k, current.get(k), p[k]) for k in conflicts)
        elif has_data(current) and (p['filename'] or p['url'] or p['checksum']) and p['import_method'] != 'copy-image':
            if self.data_change(current) == 'different':
                reason = 'its data differs from the data given'
        if reason:
            return self.on_change(current, scalars, reason, conflicts)
        if not has_data(current) and current.get('status') == 'queued' and self.brings_data:
            return self.fill_queued(current, scalars)
        self.converge(current, scalars)

    def on_change(self, current, scalars, reason, conflicts):
        p = self.p
        message = 'Image %s (%s): %s.' % (current['id'], current.get('name'), reason)
        if p['on_data_change'] == 'replace':
            return self.replace(current, scalars)
        if p['on_data_change'] == 'fail' or conflicts:
            raise GlanceModuleError('%s Set on_data_change: replace to upload a new image and delete the old one.' % message)
        self.gm.warn('%s The image was kept; set on_data_change: replace to replace it.' % message)
        self.converge(current, scalars)

    def replace(self, old, scalars):
        if old.get('protected'):
            raise GlanceModuleError('Image %s (%s) is protected, so it cannot be replaced; set protected: false first. '
                                    'Nothing was uploaded.' % (old['id'], old.get('name')))
        if not self.brings_data:
            raise GlanceModuleError('on_data_change: replace needs the new data (filename, url or import_method).')
        template = dict(user_properties(old))
        for key in ('name', 'visibility', 'os_hidden', 'min_disk', 'min_ram', 'kernel_id', 'ramdisk_id', 'tags',
                    'disk_format', 'container_format', 'protected'):
            if old.get(key) is not None:
                template[key] = old[key]
        self.create(scalars, template=template)
        self.result['replaced_image_id'] = old['id']
        if not self.gm.check_mode:
            self.glance.delete_image(old['id'])

    def fill_queued(self, current, scalars):
        """An existing image without data: upload into it (it is never deleted on failure)."""
        self.converge(current, scalars)
        self.result['changed'] = True
        if self.gm.check_mode:
            self.result['image'] = dict(self.result['image'], status='active')
            return
        image = self.load_data(current)
        finishing = self.finishing_patch(image, None)
        if finishing:
            self.glance.patch_image(image['id'], finishing)
        self.result['image'] = self.glance.get_image(image['id'])

    def converge(self, current, scalars):
        p = self.p
        desired = self.desired(scalars, current)
        keys = managed_keys(desired, current, p['purge_properties'], p['properties'] is not None)
        operations = build_patch(current, desired, keys)
        image = current
        self.result['patch'] = operations
        if operations:
            self.result['changed'] = True
            image = apply_patch(current, operations) if self.gm.check_mode else self.glance.patch_image(current['id'], operations)
        image = self.converge_status(image)
        image = self.converge_stores(image)
        self.result['image'] = image
        self.set_diff(current, image, keys | set(['status']))

    def converge_status(self, image):
        wanted = {'present': 'active', 'deactivated': 'deactivated'}[self.p['state']]
        if image.get('status') == wanted or image.get('status') not in ('active', 'deactivated'):
            return image
        self.result['changed'] = True
        if self.gm.check_mode:
            return dict(image, status=wanted)
        if wanted == 'deactivated':
            self.glance.deactivate_image(image['id'])
        else:
            self.glance.reactivate_image(image['id'])
        return self.glance.get_image(image['id'])

    def converge_stores(self, image):
        p = self.p
        if p['import_method'] != 'copy-image':
            return image
        present = set(s for s in (image.get('stores') or '').split(',') if s)
        wanted = set(p['stores'] or [])
        if p['all_stores']:
            wanted = set(store['id'] for store in self.glance.get_stores())
        missing = sorted(wanted - present)
        if not missing:
            return image
        self.result['changed'] = True
        if self.gm.check_mode:
            return dict(image, stores=','.join(sorted(present | wanted)))
        self.glance.import_image(image['id'], {'name': 'copy-image'}, stores=missing,
                                 all_stores_must_succeed=p['all_stores_must_succeed'])
        if not p['wait']:
            return self.glance.get_image(image['id'])
        return wait_for_image(self.glance, image['id'], ('active',), p['timeout'],
                              done=lambda img: wanted <= set((img.get('stores') or '').split(',')))


def main():
    gm = GlanceModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
        mutually_exclusive=[('filename', 'url'), ('stores', 'all_stores')],
    )
    gm.run(lambda gm: ImageRun(gm).run())


if __name__ == '__main__':
    main()
