# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One glance_image run: find the image, then create, update, replace or delete it. For internal collection use only.

Every step returns what it did (a result dict); nothing is stashed between steps.
"""

import math
import uuid

from ansible_collections.osimg.glance.plugins.module_utils._digest_cache import DigestCache
from ansible_collections.osimg.glance.plugins.module_utils._errors import ApiError, Conflict, GlanceModuleError, NotFound
from ansible_collections.osimg.glance.plugins.module_utils._image_data import has_data, object_name, wait_for_image
from ansible_collections.osimg.glance.plugins.module_utils._image_state import (
    CARRIED_KEYS,
    OBJECT_KEY,
    apply_patch,
    build_patch,
    create_only_conflicts,
    desired_state,
    diff_view,
    managed_keys,
    user_properties,
)
from ansible_collections.osimg.glance.plugins.module_utils._image_transfer import (
    copy_to_stores,
    data_change,
    load_data,
    open_source,
)
from ansible_collections.osimg.glance.plugins.module_utils._lookup import (
    describe_others,
    find_one_image,
    owned_by,
    pick_one_image,
    resolve_project_id,
)
from ansible_collections.osimg.glance.plugins.module_utils._preflight import check_upload
from ansible_collections.osimg.glance.plugins.module_utils._timestamps import epoch_seconds

# Statuses of an image whose data is being written (by another run, or by Glance's import).
BUSY_STATUSES = ('saving', 'importing', 'uploading')
# Statuses a busy image settles in; 'killed' (a failed upload or import) makes the wait fail.
SETTLED_STATUSES = ('queued', 'active', 'deactivated')
# How long a run waits for Glance's clock to leave the second an image was created in (listed_after_second_of).
CLOCK_WAIT_LIMIT = 3.0
# How many times a run that gave way follows the image it adopted giving way in turn.
MAX_YIELDS = 10


def age(image):
    """The order concurrent runs agree on: the oldest image, by (created_at, id), is the one that stays."""
    return (image.get('created_at') or '', image['id'])


def newest_created_at(images):
    return max((i.get('created_at') or '' for i in images), default=None) or None


class ImageRun:
    """Brings one image to what an ImageRequest asks for."""

    def __init__(self, module, request):
        self.module = module
        self.glance = module.glance
        self.request = request
        self.check_mode = module.check_mode
        # The multihash algorithm the cloud was seen to use (on an image this run read); None: Glance's default.
        self.cloud_hash_algorithm = None
        self._digest_cache = None

    # ---- lookups ----
    def resolve_owner(self):
        owner = self.request.owner
        return resolve_project_id(self.glance, owner, option='owner') if owner else None

    def resolve_fields(self, owner_id):
        """The wanted image field values, with owner, kernel and ramdisk resolved to ids."""
        values = self.request.field_values()
        values['owner'] = owner_id
        for option, key in (('kernel', 'kernel_id'), ('ramdisk', 'ramdisk_id')):
            ref = getattr(self.request, option)
            values[key] = find_one_image(self.glance, ref, option)['id'] if ref else None
        return values

    def find_existing(self, owner_id):
        """(the image the task manages or None, images of other projects with its name).

        By id, or by name among the images of the project the task acts for (owner, else the caller's):
        images of other projects (shares, community images, or anything an admin sees) are never taken for it.
        """
        request = self.request
        if request.image_id:
            try:
                return self.glance.get_image(request.image_id), []
            except NotFound:
                return None, []
        project_id = owner_id or self.glance.http.project_id

        def lookup():
            # Hidden images need a query of their own; a no-op on a visible image does without it.
            named = self.glance.find_images_by_name(request.name, hidden=False)
            own = owned_by(named, project_id)
            if not own:
                named += self.glance.find_images_by_name(request.name, hidden=True)
                own = owned_by(named, project_id)
            return named, own

        named, own = self.listed_after_second_of(lambda found: newest_created_at(found[1]), lookup)
        current = pick_one_image(request.name, own, option='name') if own else None
        return current, [i for i in named if i not in own]

    def warn_about_namesakes(self, namesakes, owner_id):
        """Before creating: say so when images of other projects carry the name, since none of them is adopted."""
        project_id = owner_id or self.glance.http.project_id
        others = describe_others(namesakes, project_id)
        if others:
            self.module.warn('name: %s is also named %r. This task manages only images of project %s, so it creates '
                             'a new image there; give id to manage another project\'s image.'
                             % (others, self.request.name, project_id))

    def desired(self, fields, current):
        request = self.request
        metadata = dict((key, value) for key, value in fields.items()
                        if key not in ('disk_format', 'container_format', 'tags'))
        return desired_state(metadata, properties=request.properties, tags=request.tags,
                             purge_properties=request.purge_properties, purge_tags=request.purge_tags, current=current)

    def diff(self, before, after, keys):
        if not self.module.diff_mode:
            return None
        return {'before': diff_view(before, keys), 'after': diff_view(after, keys)}

    @property
    def digest_cache(self):
        """The user's digest cache for the local file, or None (no file, file_digest_cache false, or unusable)."""
        if self._digest_cache is None and self.request.filename and self.request.file_digest_cache:
            self._digest_cache = DigestCache.open() or False
        return self._digest_cache or None

    def learn_hash_algorithm(self, images):
        for image in images:
            if image and image.get('os_hash_algo'):
                self.cloud_hash_algorithm = image['os_hash_algo']
                return

    def load(self, image, source=None):
        return load_data(self.glance, self.request, image, source, warn=self.module.warn,
                         cloud_algorithm=self.cloud_hash_algorithm, digest_cache=self.digest_cache)

    # ---- the pipeline ----
    def run(self):
        try:
            return self._run()
        finally:
            if self._digest_cache:
                self._digest_cache.close()

    def _run(self):
        owner_id = self.resolve_owner()
        current, namesakes = self.find_existing(owner_id)
        self.learn_hash_algorithm([current] + namesakes)
        if self.request.state == 'absent':
            return self.ensure_absent(current)
        fields = self.resolve_fields(owner_id)
        if current is None:
            self.warn_about_namesakes(namesakes, owner_id)
            return self.create(fields)
        return self.update(current, fields)

    # ---- absent ----
    def ensure_absent(self, current):
        result = {'changed': False, 'image': {}, 'patch': []}
        if current is None:
            return result
        unprotect = current.get('protected') and self.request.protected is False
        if current.get('protected') and not unprotect:
            raise GlanceModuleError('Image %s (%s) is protected and cannot be deleted; add protected: false to '
                                    'unprotect and delete it.' % (current['id'], current.get('name')))
        if not self.check_mode:
            if unprotect:
                self.glance.patch_image(current['id'], [{'op': 'replace', 'path': '/protected', 'value': False}])
            try:
                self.glance.delete_image(current['id'])
            except NotFound:
                pass
            except GlanceModuleError as e:
                if unprotect:
                    self.protect_again(current, e)
                raise
        return dict(result, changed=True, diff=self.diff(current, None, set(['id', 'name', 'status'])))

    def protect_again(self, image, error):
        """A failed delete never leaves an image less protected than it was."""
        try:
            self.glance.patch_image(image['id'], [{'op': 'replace', 'path': '/protected', 'value': True}])
            error.extend_message('Image %s was protected again.' % image['id'])
        except GlanceModuleError as protect_error:
            error.extend_message('Image %s could not be protected again (%s): set protected: true on it.'
                                 % (image['id'], protect_error))

    # ---- create ----
    def create(self, fields, template=None, members=()):
        """Create a new image with its data; returns the result. Deletes the image again if anything fails."""
        request = self.request
        if not request.name and not (template and template.get('name')):
            raise GlanceModuleError('name is required to create an image.')
        if request.import_method == 'copy-image' and template is None:
            raise GlanceModuleError('import_method copy-image copies the data of an existing image, and no image %r '
                                    'exists.' % (request.name or request.image_id))
        body = dict(template or {})
        body.update(self.desired(fields, template))
        protected = body.pop('protected', None)
        body['id'] = request.image_id if (request.image_id and template is None) else str(uuid.uuid4())
        for key in ('disk_format', 'container_format'):
            if request.params[key]:
                body[key] = request.params[key]
        if request.brings_data:
            if not body.get('disk_format'):
                raise GlanceModuleError('disk_format is required to create an image with data (for example qcow2 or '
                                        'raw).')
            body.setdefault('container_format', 'bare')
        keys = set(body) - set(['id'])
        if request.streams:
            # openstacksdk's object name is known now: set at creation, it needs no patch after the upload.
            body[OBJECT_KEY] = object_name(body['name'])
        source = open_source(request, self.glance.http.timeout)
        if request.brings_data:
            self.preflight(source, new_image=True)
        if self.check_mode:
            if source is not None:
                source.close()
            predicted = dict(body, status='active' if request.brings_data else 'queued', tags=body.get('tags', []))
            if protected is not None:
                predicted['protected'] = protected
            return {'changed': True, 'image': predicted, 'patch': [], 'diff': self.diff(None, predicted, keys)}
        image = self.post_image(body)
        # Glance stamped created_at before it answered: its clock has reached that second by now.
        self.glance.http.server_clock.reached(epoch_seconds(image.get('created_at')))
        racing = template is None and not request.image_id
        joined = False
        try:
            rival = self.older_rival(image) if racing else None
            if rival is None:
                try:
                    transfer = self.load(image, source)
                except Conflict:
                    if not racing:
                        raise
                    # Another run of this task found our queued image and is putting the data in it.
                    joined = True
            if rival is None and not joined:
                image = transfer.image
                finishing = transfer.tracking_patch(image)
                if protected is not None and image.get('protected') != protected:
                    finishing.append({'op': 'replace', 'path': '/protected', 'value': protected})
                if finishing:
                    image = self.glance.patch_image(image['id'], finishing)
                if request.state == 'deactivated' and image.get('status') == 'active':
                    self.glance.deactivate_image(image['id'])
                    image = self.glance.get_image(image['id'])
                for member in members:  # members leave the image record as it is
                    self.glance.add_member(image['id'], member['member_id'])
                rival = self.older_rival(image, final=True) if racing else None
        except Exception as e:
            self.discard_created(image, e)
            raise
        if source is not None:
            source.close()
        if rival is not None:
            return self.yield_to(rival, image, fields)
        if joined:
            return self.update(self.settled(image, wait_for_data=True), fields)
        result = {'changed': True, 'image': image, 'patch': [], 'diff': self.diff(None, image, keys)}
        return self.with_transfer(result, transfer)

    def with_transfer(self, result, transfer):
        """result with what the data transfer verified, and the format it decompressed."""
        if transfer.verified:
            result['verified'] = transfer.verified
        if self.request.decompress:
            result['decompressed'] = transfer.decompressed
        return result

    # ---- concurrent runs of the same task ----
    def namesakes(self, image, final=False):
        """The live images of image's name and owner, hidden like it, itself included.

        final: from a listing no image created later can sort before (listed_after_second_of), the one a run
        decides on.
        """
        def listing():
            return owned_by(self.glance.find_images_by_name(image['name'], owner=image.get('owner'),
                                                            hidden=image.get('os_hidden')), image.get('owner'))

        return self.listed_after_second_of(lambda found: image.get('created_at'), listing) if final else listing()

    def older_rival(self, image, final=False):
        """The oldest other live image of the same name and owner, created before ours, or None.

        Two runs of one task (no id) that both found nothing each create an image. Every run compares its own
        image with the others by (created_at, id), the same order for all of them, so the oldest survives and
        every other run deletes its own and adopts that one. A replacement never looks: it shares its name with
        the image it replaces on purpose.
        """
        older = [i for i in self.namesakes(image, final) if i['id'] != image['id'] and age(i) < age(image)]
        return min(older, key=age) if older else None

    def listed_after_second_of(self, created_at_of, listing):
        """What listing() returns, from a call sent once Glance's clock had left the second created_at_of(result)
        names (None: no image, nothing to wait for).

        Glance stamps created_at to the second, so an image another run creates later in that same second ties
        with the one listed, and the tie goes by id: it may sort first. Once the second is over, every image
        that can sort before the one listed exists already. What the run knows of Glance's clock is in
        ``http.server_clock``: the Date of its answers where it sends one, and the created_at of the image this
        run created, stamped before the answer to its create; so a run that created its image waits at most
        until a second after that answer. The wait happens only when an image of the name is that new.
        """
        clock = self.glance.http.server_clock
        waited = 0.0
        while True:
            sent_after = clock.at_least()
            found = listing()
            created = epoch_seconds(created_at_of(found))
            if created is None or sent_after >= math.floor(created) + 1 or waited >= CLOCK_WAIT_LIMIT:
                return found
            delay = clock.seconds_until(math.floor(created) + 1) + 0.01
            self.glance.http.pause(delay)
            waited += delay

    def yield_to(self, rival, mine, fields):
        """Delete the image this run created and bring the one another run created first to the wanted state."""
        if mine.get('protected'):
            self.glance.patch_image(mine['id'], [{'op': 'replace', 'path': '/protected', 'value': False}])
        try:
            self.glance.delete_image(mine['id'])
        except NotFound:
            pass
        for dummy in range(MAX_YIELDS):
            try:
                rival = self.settled(rival, wait_for_data=self.request.brings_data)
            except NotFound:
                # That run gave way in turn, or failed: the oldest image of the name left is the one to adopt.
                left = [i for i in self.namesakes(rival, final=True) if i['id'] not in (rival['id'], mine['id'])]
                if not left:
                    raise GlanceModuleError('Image %s (%s), created by another run of this task at the same time, '
                                            'was deleted before it was complete (that run failed). Run the task '
                                            'again.' % (rival['id'], rival.get('name')))
                rival = min(left, key=age)
                continue
            # The rival seen first may itself give way to one created in the same second and seen later.
            older = self.older_rival(rival, final=True)
            if older is None:
                return self.update(rival, fields)
            rival = older
        raise GlanceModuleError('Image %s (%s): other runs of this task keep creating and deleting images of this '
                                'name; run the task again once they are done.' % (rival['id'], rival.get('name')))

    def settled(self, image, wait_for_data=False):
        """The image once nothing is writing its data any more (waiting at most timeout seconds).

        With wait_for_data, a queued image is waited for too: the run that created it is about to upload.
        """
        def done(current):
            status = current.get('status')
            return status not in BUSY_STATUSES and not (wait_for_data and status == 'queued')

        if done(image):
            return image
        return wait_for_image(self.glance, image['id'], SETTLED_STATUSES, self.request.timeout, done=done)

    def preflight(self, source=None, new_image=False):
        """Refuse, before any data moves, what Glance would refuse: a full quota, an unknown store, a disabled
        import method (closing the opened source)."""
        request = self.request
        size = request.local_size if request.filename else (source.size if source is not None else None)
        try:
            check_upload(self.glance, size=size, stores=request.stores, import_method=request.import_method,
                         new_image=new_image)
        except GlanceModuleError:
            if source is not None:
                source.close()
            raise

    def post_image(self, body):
        try:
            return self.glance.create_image(body, retry=True)
        except Conflict as e:
            # A first attempt refused: the id belongs to an image this run did not create (a resent attempt that
            # finds its own image is answered by create_image). That image is left alone.
            e.extend_message('id: Glance has (or had) an image with id %s that this run did not create; it was left '
                             'alone. Glance never reuses image ids: choose another id.' % body['id'])
            raise
        except GlanceModuleError as e:
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
            note = ('The image %s created by this run could not be deleted (%s); delete it by hand.'
                    % (image['id'], delete_error))
        if isinstance(error, GlanceModuleError):
            error.extend_message(note)

    # ---- update ----
    def update(self, current, fields):
        request = self.request
        if current.get('status') in BUSY_STATUSES:
            current = self.settled(current)
        if current.get('status') == 'killed':
            if request.on_data_change == 'replace' and request.brings_data:
                return self.replace(current, fields)
            raise GlanceModuleError(
                'Image %s (%s) is in status killed: its upload or import failed, and Glance takes no data for it '
                'again. Delete it (state: absent) and run the task again, or set on_data_change: replace with the data '
                'to upload a new image and delete this one.' % (current['id'], current.get('name')))
        queued_without_data = current.get('status') == 'queued' and not has_data(current)
        if not queued_without_data:
            # Formats are fixed once an image has data; before that they are set like any other field.
            fields = dict(fields, disk_format=None, container_format=None)
        elif request.brings_data and not (fields['disk_format'] or current.get('disk_format')):
            raise GlanceModuleError('disk_format is required to upload data (for example qcow2 or raw).')
        conflicts = create_only_conflicts(current, request.params) if has_data(current) else []
        reason = None
        if conflicts:
            reason = ', '.join('%s is %s, not %s' % (k, current.get(k), request.params[k]) for k in conflicts)
        elif (has_data(current) and request.compares_data
              and data_change(request, current, self.digest_cache) == 'different'):
            reason = 'its data differs from the data given'
        if reason:
            return self.on_change(current, fields, reason, conflicts)
        if queued_without_data and request.brings_data:
            return self.fill_queued(current, fields)
        return self.converge(current, fields)

    def on_change(self, current, fields, reason, conflicts):
        request = self.request
        message = 'Image %s (%s): %s.' % (current['id'], current.get('name'), reason)
        if request.on_data_change == 'replace':
            return self.replace(current, fields)
        if request.on_data_change == 'fail' or conflicts:
            raise GlanceModuleError('%s Set on_data_change: replace to upload a new image and delete the old one.'
                                    % message)
        self.module.warn('%s The image was kept; set on_data_change: replace to replace it.' % message)
        return self.converge(current, fields)

    def replace(self, old, fields):
        if old.get('protected'):
            raise GlanceModuleError('Image %s (%s) is protected, so it cannot be replaced; set protected: false first. '
                                    'Nothing was uploaded.' % (old['id'], old.get('name')))
        if not self.request.brings_data:
            raise GlanceModuleError('on_data_change: replace needs the new data (filename, url or import_method).')
        template = dict(user_properties(old))
        template.update((key, old[key]) for key in CARRIED_KEYS if old.get(key) is not None)
        # The projects the old image is shared with get the new one (each accepts it again).
        members = self.glance.list_members(old['id']) if old.get('visibility') == 'shared' else []
        result = self.create(fields, template=template, members=members)
        result['replaced_image_id'] = old['id']
        if self.check_mode:
            return result
        try:
            self.glance.delete_image(old['id'])
        except NotFound:
            pass  # gone already, as wanted (a resent DELETE, or another run)
        except GlanceModuleError as e:
            e.extend_message('The new image %s is active and verified, but the old image %s could not be deleted: '
                             'delete it by hand.' % (result['image']['id'], old['id']))
            e.result.update(changed=True, image=result['image'], replaced_image_id=old['id'])
            raise
        return result

    def fill_queued(self, current, fields):
        """An existing image without data: upload into it (it is never deleted on failure)."""
        self.preflight()
        result = self.converge(current, fields)
        result['changed'] = True
        if self.check_mode:
            result['image'] = dict(result['image'], status='active')
            return result
        try:
            transfer = self.load(current)
        except Conflict:
            # Another run of this task is putting the data in the same queued image: wait for it, then compare.
            return self.update(self.settled(current, wait_for_data=True), fields)
        finishing = transfer.tracking_patch(transfer.image)
        if finishing:
            self.glance.patch_image(current['id'], finishing)
        result['image'] = self.glance.get_image(current['id'])
        return self.with_transfer(result, transfer)

    def converge(self, current, fields):
        request = self.request
        desired = self.desired(fields, current)
        for key in ('disk_format', 'container_format'):
            if fields[key] is not None:
                desired[key] = fields[key]
        keys = managed_keys(desired, current, request.purge_properties, request.properties is not None)
        operations = build_patch(current, desired, keys)
        image = current
        if operations:
            image = apply_patch(current, operations) if self.check_mode else self.glance.patch_image(current['id'],
                                                                                                     operations)
        status_changed, image = self.converge_status(image)
        stores_changed, image = (copy_to_stores(self.glance, request, image, self.check_mode)
                                 if request.import_method == 'copy-image' else (False, image))
        return {'changed': bool(operations) or status_changed or stores_changed, 'image': image, 'patch': operations,
                'diff': self.diff(current, image, keys | set(['status']))}

    def converge_status(self, image):
        """Deactivate or reactivate as `state` asks. Returns (changed, image)."""
        wanted = self.request.wanted_status
        if image.get('status') == wanted or image.get('status') not in ('active', 'deactivated'):
            return False, image
        if self.check_mode:
            return True, dict(image, status=wanted)
        if wanted == 'deactivated':
            self.glance.deactivate_image(image['id'])
        else:
            self.glance.reactivate_image(image['id'])
        return True, self.glance.get_image(image['id'])
