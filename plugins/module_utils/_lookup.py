# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Resolve one image or one project from what a user wrote (an id or a name), for internal collection use only."""

import re

from ansible_collections.osimg.glance.plugins.module_utils._errors import GlanceModuleError, NotFound
from ansible_collections.osimg.glance.plugins.module_utils._glance import is_uuid

GONE_STATUSES = ('deleted', 'pending_delete')
_PROJECT_ID_RE = re.compile(r'^[0-9a-fA-F]{32}$')


class NotResolved(GlanceModuleError):
    """An image or project reference matches nothing, or more than one thing."""


def is_project_id(value):
    return isinstance(value, str) and (bool(_PROJECT_ID_RE.match(value)) or is_uuid(value))


# Why an image is looked up, which decides whose images a name may resolve to (docs/security.md):
READ = 'read'      # to read it: the caller's own images first, then accepted shares, public and community ones
WRITE = 'write'    # to change or delete it: only images of the project the task acts for
ACCEPT = 'accept'  # to accept or reject a share: images other projects share with the caller, in any member status
READABLE_VISIBILITIES = ('public', 'community', 'shared')


def is_live(image):
    return image.get('status') not in GONE_STATUSES


def pick_one_image(ref, matches, option='image'):
    """The single live image among matches for ref, or a NotResolved that says what to do."""
    live = [m for m in matches if is_live(m)]
    if not live:
        raise NotResolved('%s: no image %r is visible to these credentials (by id, or by name among the project\'s '
                          'own images, accepted shares, public and community images).' % (option, ref))
    if len(live) > 1:
        raise NotResolved('%s: %d images are named %r (%s); give the id of the one to use.'
                          % (option, len(live), ref, ', '.join(sorted(m['id'] for m in live))))
    return live[0]


def owned_by(images, project_id):
    """The live images of project_id (every live image when the project is unknown, with auth_type none)."""
    return [i for i in images if is_live(i) and (project_id is None or i.get('owner') == project_id)]


def describe_others(images, project_id):
    """'<ids> of project <ids>' for the live images of other projects among images, or ''."""
    others = [i for i in images if is_live(i) and i.get('owner') != project_id]
    if not others:
        return ''
    return '%s of project %s' % (', '.join(sorted(i['id'] for i in others)),
                                 ', '.join(sorted(set(str(i.get('owner')) for i in others))))


def find_one_image(glance, ref, option='image', purpose=READ):
    """Resolve an image id or name to one image dict, for the given purpose (READ, WRITE or ACCEPT).

    An id is read directly, whatever the purpose (GET works for a share the caller has not accepted yet): an
    id says which image is meant. A name resolves only among the images the purpose allows, so that an image
    another project names like ours (a share we never accepted, a community image) is never taken for ours.
    """
    if not ref:
        raise NotResolved('%s is required.' % option)
    if is_uuid(ref):
        try:
            return pick_one_image(ref, [glance.get_image(ref)], option)
        except NotFound:
            pass  # an id-shaped name
    project_id = glance.http.project_id
    if purpose == WRITE:
        # Hidden images need a query of their own; a visible image of the project answers without it.
        own = owned_by(glance.find_images_by_name(ref, owner=project_id, hidden=False), project_id)
        if not own:
            own = owned_by(glance.find_images_by_name(ref, owner=project_id, hidden=True), project_id)
        if not own:
            others = describe_others(glance.find_images_by_name(ref), project_id)
            if others:
                raise NotResolved('%s: project %s has no image named %r; %s has that name and is left alone. Give its '
                                  'id to act on another project\'s image.' % (option, project_id, ref, others))
        return pick_one_image(ref, own, option)
    if purpose == ACCEPT:
        shared = [i for i in glance.find_images_by_name(ref)
                  if i.get('owner') != project_id and i.get('visibility') == 'shared']
        return pick_one_image(ref, shared, option)
    readable = glance.find_images_by_name(ref, member_status='accepted')
    own = owned_by(readable, project_id)
    if own:
        return pick_one_image(ref, own, option)
    return pick_one_image(ref, [i for i in readable if i.get('visibility') in READABLE_VISIBILITIES], option)


def pick_one_project(ref, matches, option='member'):
    """The single project among matches for ref (a project id or name)."""
    if not matches:
        if is_project_id(ref):
            raise NotResolved('%s: Keystone knows no project with id %r.' % (option, ref))
        raise NotResolved('%s: no project named %r is visible to these credentials. Keystone lets only admins '
                          'look up other projects by name (identity:list_projects); without admin credentials, give '
                          'the project id instead.' % (option, ref))
    if len(matches) > 1:
        raise NotResolved('%s: %d projects are named %r (%s), in different domains; give the project id.'
                          % (option, len(matches), ref, ', '.join(sorted(p['id'] for p in matches))))
    return matches[0]


def resolve_project_id(glance, ref, option='member'):
    """Resolve a project id or name to a project id through Keystone.

    An id that a non-admin may not look up is accepted as given (Glance itself never checks member ids).
    """
    return pick_one_project(ref, glance.get_project(ref), option)['id']
