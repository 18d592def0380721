# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Glance v2 resources (images, data, members, tasks, stores) over the HTTP client, for internal collection use only."""

import json
import re

from ansible_collections.osimg.glance.plugins.module_utils._errors import Conflict, Forbidden, NotFound

UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$')
JSON_PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'

# Filters whose value may carry an operator (in:, eq:); a plain value containing ':' gets 'eq:'.
OPERATOR_FILTERS = ('name', 'id', 'status', 'container_format', 'disk_format')
OPERATORS = ('in:', 'eq:')
# Query keys Glance consumes itself; a property with such a name can only be matched client-side.
RESERVED_QUERY_KEYS = frozenset((
    'limit', 'marker', 'member_status', 'tag', 'sort', 'sort_key', 'sort_dir', 'changes-since', 'deleted',
    'visibility', 'os_hidden', 'protected', 'created_at', 'updated_at', 'name', 'id', 'status', 'owner',
    'container_format', 'disk_format', 'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value',
    'min_disk', 'min_ram', 'is_public', 'deleted_at', 'locations', 'tags', 'properties',
))


def tag_fits_url_path(tag):
    """Whether Glance's tag endpoints (/v2/images/{id}/tags/{tag}) receive tag as it is.

    WSGI servers hand Glance the URL path decoded as Latin-1 (PEP 3333) and Glance does not re-decode it, so a
    non-ASCII tag would be stored garbled ('\u00e9' as '\u00c3\u00a9'); '.' and '..' are resolved away by HTTP clients.
    """
    return tag not in ('.', '..') and all(ord(c) < 128 for c in tag)


def is_uuid(value):
    return isinstance(value, str) and bool(UUID_RE.match(value))


def _quote_in_value(value):
    text = str(value)
    if ',' in text or '"' in text:
        return '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')
    return text


def filter_value(key, value):
    """Encode one Glance list filter value: bools lowercase, lists become in:a,b (or repeated tag params)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if key == 'tag':
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value)
    if isinstance(value, (list, tuple)):
        if key not in OPERATOR_FILTERS:
            raise ValueError('filter %s takes one value, not a list (lists are supported for %s and tag)'
                             % (key, ', '.join(OPERATOR_FILTERS)))
        return 'in:' + ','.join(_quote_in_value(v) for v in value)
    text = str(value)
    if key in OPERATOR_FILTERS and ':' in text and not text.startswith(OPERATORS):
        # Glance would read 'ubuntu:22.04' as operator 'ubuntu'; make the equality explicit.
        text = 'eq:' + text
    return text


def build_query(filters=None, sort=None):
    """List of query pairs for GET /v2/images or /v2/tasks from a filters dict (None values skipped)."""
    pairs = []
    for key, value in (filters or {}).items():
        if value is None:
            continue
        encoded = filter_value(key, value)
        if isinstance(encoded, list):
            pairs.extend((key, v) for v in encoded)
        else:
            pairs.append((key, encoded))
    if sort:
        pairs.append(('sort', sort if isinstance(sort, str) else ','.join(sort)))
    return pairs


class Glance:
    """Thin wrappers over the Glance v2 API: one method per call, JSON in and out, typed errors propagate."""

    def __init__(self, http):
        self.http = http

    # -- images ---------------------------------------------------------------------------
    def get_image(self, image_id):
        return self.http.get_json('/v2/images/{0}', image_id)

    def iter_images(self, filters=None, sort=None, limit=None, page_size=None):
        return self.http.paginate('/v2/images', params=build_query(filters, sort), limit=limit, page_size=page_size)

    def find_images_by_name(self, name, owner=None, member_status='all', hidden=None, sort=None):
        """Every image named name the caller can see, in any visibility; hidden or not unless ``hidden`` says.

        ``owner`` keeps only that project's images; ``member_status`` ('all', 'accepted', ...) which shares of
        other projects count. Glance has no "hidden or not" filter (os_hidden defaults to false), so both take
        two queries.
        """
        found = []
        seen = set()
        for hidden in ((False, True) if hidden is None else (bool(hidden),)):
            filters = {'name': 'eq:' + name, 'visibility': 'all', 'member_status': member_status, 'os_hidden': hidden}
            if owner:
                filters['owner'] = owner
            for image in self.http.paginate('/v2/images', params=build_query(filters, sort)):
                if image.get('id') not in seen and image.get('name') == name:
                    seen.add(image.get('id'))
                    found.append(image)
        return found

    def find_image_by_id_or_name(self, ref, owner=None, member_status='all'):
        """List of images matching ref: a UUID is read directly (one GET), then tried as a name if absent."""
        if is_uuid(ref):
            try:
                image = self.get_image(ref)
            except NotFound:
                image = None
            if image is not None and (not owner or image.get('owner') == owner):
                return [image]
        return self.find_images_by_name(ref, owner=owner, member_status=member_status)

    def create_image(self, body, retry=False):
        """POST /v2/images. retry=True only when body carries a client-chosen 'id' (a resent POST then
        cannot create a duplicate; a 409 on a resent attempt means the first one succeeded)."""
        retry = bool(retry) and bool(body.get('id'))
        try:
            return self.http.request('POST', '/v2/images', json=body, ok=(201,), retry=retry).json()
        except Conflict as e:
            if retry and e.attempts > 1:
                return self.get_image(body['id'])
            raise

    def patch_image(self, image_id, operations):
        resp = self.http.request('PATCH', '/v2/images/{0}', image_id, data=json.dumps(list(operations)),
                                 headers={'Content-Type': JSON_PATCH_TYPE}, ok=(200,))
        return resp.json()

    def delete_image(self, image_id):
        self.http.request('DELETE', '/v2/images/{0}', image_id, ok=(204,))

    def deactivate_image(self, image_id):
        # Repeating deactivate/reactivate is harmless, so these POSTs may be retried.
        self.http.request('POST', '/v2/images/{0}/actions/deactivate', image_id, ok=(204,), retry=True)

    def reactivate_image(self, image_id):
        self.http.request('POST', '/v2/images/{0}/actions/reactivate', image_id, ok=(204,), retry=True)

    def add_tag(self, image_id, tag):
        """PUT the tag; a tag the tag endpoint cannot carry goes in a JSON patch of the tag list instead."""
        if not tag_fits_url_path(tag):
            return self._patch_tags(image_id, add=tag)
        try:
            self.http.request('PUT', '/v2/images/{0}/tags/{1}', image_id, tag, ok=(204,))
        except NotFound:
            if '/' not in tag:
                raise
            # Most web servers decode %2F before routing: then Glance has no such route, only the patch works.
            self._patch_tags(image_id, add=tag)

    def remove_tag(self, image_id, tag):
        if not tag_fits_url_path(tag):
            return self._patch_tags(image_id, remove=tag)
        try:
            self.http.request('DELETE', '/v2/images/{0}/tags/{1}', image_id, tag, ok=(204,))
        except NotFound:
            if '/' not in tag:
                raise
            self._patch_tags(image_id, remove=tag)

    def _patch_tags(self, image_id, add=None, remove=None):
        tags = list(self.get_image(image_id).get('tags') or [])
        wanted = [t for t in tags if t != remove] + ([add] if add is not None and add not in tags else [])
        if wanted != tags:
            self.patch_image(image_id, [{'op': 'replace', 'path': '/tags', 'value': wanted}])

    # -- image data -----------------------------------------------------------------------
    def upload_image_data(self, image_id, body, size=None, store=None, hasher=None):
        headers = {'X-Image-Meta-Store': store} if store else None
        return self.http.upload('/v2/images/{0}/file', image_id, body=body, size=size, headers=headers, hasher=hasher)

    def stage_image_data(self, image_id, body, size=None, hasher=None):
        return self.http.upload('/v2/images/{0}/stage', image_id, body=body, size=size, hasher=hasher)

    def import_image(self, image_id, method_body, stores=None, all_stores=None, all_stores_must_succeed=None):
        body = {'method': method_body}
        if stores is not None:
            body['stores'] = list(stores)
        if all_stores is not None:
            body['all_stores'] = bool(all_stores)
        if all_stores_must_succeed is not None:
            body['all_stores_must_succeed'] = bool(all_stores_must_succeed)
        return self.http.request('POST', '/v2/images/{0}/import', image_id, json=body, ok=(202,))

    def download_image_data(self, image_id, offset=0, hasher=None):
        return self.http.download('/v2/images/{0}/file', image_id, offset=offset, hasher=hasher)

    # -- members --------------------------------------------------------------------------
    def list_members(self, image_id):
        return self.http.get_json('/v2/images/{0}/members', image_id).get('members') or []

    def get_member(self, image_id, member_id):
        return self.http.get_json('/v2/images/{0}/members/{1}', image_id, member_id)

    def add_member(self, image_id, member_id):
        return self.http.request('POST', '/v2/images/{0}/members', image_id, json={'member': member_id},
                                 ok=(200,)).json()

    def update_member(self, image_id, member_id, status):
        return self.http.request('PUT', '/v2/images/{0}/members/{1}', image_id, member_id, json={'status': status},
                                 ok=(200,)).json()

    def remove_member(self, image_id, member_id):
        self.http.request('DELETE', '/v2/images/{0}/members/{1}', image_id, member_id, ok=(204,))

    # -- tasks ----------------------------------------------------------------------------
    def create_task(self, task_type, task_input):
        return self.http.request('POST', '/v2/tasks', json={'type': task_type, 'input': task_input},
                                 ok=(201,)).json()

    def get_task(self, task_id):
        return self.http.get_json('/v2/tasks/{0}', task_id)

    def list_tasks(self, filters=None, sort=None, limit=None):
        """Tasks know only sort_key/sort_dir; sort 'created_at:desc' is translated."""
        pairs = build_query(filters)
        if sort:
            key, dummy, direction = (sort if isinstance(sort, str) else sort[0]).partition(':')
            pairs.append(('sort_key', key.strip()))
            if direction:
                pairs.append(('sort_dir', direction.strip()))
        return list(self.http.paginate('/v2/tasks', key='tasks', params=pairs, limit=limit))

    def list_image_tasks(self, image_id):
        return self.http.get_json('/v2/images/{0}/tasks', image_id).get('tasks') or []

    # -- info and stores ------------------------------------------------------------------
    def get_import_info(self):
        return self.http.get_json('/v2/info/import')

    def get_stores(self):
        return self.http.get_json('/v2/info/stores').get('stores') or []

    # -- Keystone projects ----------------------------------------------------------------
    def get_project(self, ref):
        """Projects matching ref (an id, or a name). Returns a list: [], one, or several same-named projects.

        An id-shaped ref that Keystone refuses to show (403: other projects are hidden from non-admins)
        comes back as [{'id': ref}]: a project id is all Glance needs.
        """
        id_like = bool(re.match(r'^[0-9a-fA-F]{32}$', ref or '')) or is_uuid(ref)
        if id_like:
            try:
                return [self.http.get_json('/projects/{0}', ref, service='identity').get('project')]
            except NotFound:
                pass
            except Forbidden:
                return [{'id': ref}]
        try:
            projects = self.http.get_json('/projects', params={'name': ref}, service='identity').get('projects')
        except Forbidden:
            # Non-admins may not list projects; they can list their own.
            projects = self.http.get_json('/auth/projects', service='identity').get('projects') or []
            projects = [p for p in projects if p.get('name') == ref]
        return projects or []

    # -- discovery, quota usage and the image cache ---------------------------------------------
    # (glance_info, glance_image_cache, glance_image_cache_info and the upload preflight)
    def get_versions(self):
        """The API versions the endpoint lists (GET /versions; GET / would answer 300 with the same body)."""
        return self.http.get_json('/versions').get('versions') or []

    def get_import_methods(self):
        """The enabled import methods (``import-methods.value`` of GET /v2/info/import)."""
        return list((self.get_import_info().get('import-methods') or {}).get('value') or [])

    def get_stores_detail(self):
        """GET /v2/info/stores/detail: the stores with type, weight and properties (admin only by default)."""
        return self.http.get_json('/v2/info/stores/detail').get('stores') or []

    def get_usage(self):
        """Quota usage of the caller's project (GET /v2/info/usage): {resource: {'usage': n, 'limit': n}}.

        Empty when Glance does not use Keystone unified limits (``use_keystone_limits``).
        """
        return self.http.get_json('/v2/info/usage').get('usage') or {}

    def get_cache(self):
        """GET /v2/cache: {'cached_images': [entry dicts], 'queued_images': [image ids]} of the node that answers."""
        try:
            state = self.http.get_json('/v2/cache')
        except Forbidden as err:
            err.hint = 'The image cache API is for admins by default (policy manage_image_cache).'
            raise
        except NotFound as err:
            err.hint = ('The image cache API needs Glance API v2.14 or newer, with an image_cache_dir set by the '
                        'operator.')
            raise
        return {'cached_images': list(state.get('cached_images') or []),
                'queued_images': list(state.get('queued_images') or [])}

    def queue_image_for_caching(self, image_id):
        # Queueing an image that is already queued or cached changes nothing, so the PUT may be retried.
        self.http.request('PUT', '/v2/cache/{0}', image_id, ok=(200, 202, 204))

    def remove_cached_image(self, image_id):
        """DELETE /v2/cache/{id}: the image leaves both the cache and the queue."""
        self.http.request('DELETE', '/v2/cache/{0}', image_id, ok=(200, 204))

    def clear_cache(self, target=None):
        """DELETE /v2/cache; target 'cache' or 'queue' clears only that, None clears both."""
        headers = {'x-image-cache-clear-target': target} if target else None
        self.http.request('DELETE', '/v2/cache', headers=headers, ok=(200, 204))
