# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Resolve one image or one project from what a user wrote (an id or a name), for internal collection use only."""

import re

from ansible_collections.osimg.glance.plugins.module_utils._errors import GlanceModuleError
from ansible_collections.osimg.glance.plugins.module_utils._glance import is_uuid

GONE_STATUSES = ('deleted', 'pending_delete')
_PROJECT_ID_RE = re.compile(r'^[0-9a-fA-F]{32}$')


class NotResolved(GlanceModuleError):
    """An image or project reference matches nothing, or more than one thing."""


def is_project_id(value):
    return isinstance(value, str) and (bool(_PROJECT_ID_RE.match(value)) or is_uuid(value))


def pick_one_image(ref, matches, option='image'):
    """The single live image among matches for ref, or a NotResolved that says what to do."""
    live = [m for m in matches if m.get('status') not in GONE_STATUSES]
    if not live:
        raise NotResolved('%s: no image %r is visible to these credentials (by id, or by name in any visibility '
                          'and member status).' % (option, ref))
    if len(live) > 1:
        raise NotResolved('%s: %d images are named %r (%s); give the id of the one to use.'
                          % (option, len(live), ref, ', '.join(sorted(m['id'] for m in live))))
    return live[0]


def find_one_image(glance, ref, option='image'):
    """Resolve an image id or name to one image dict.

    An id is read directly (GET works for a shared image the caller has not accepted yet); a name is
    searched in every visibility and member status, hidden or not.
    """
    if not ref:
        raise NotResolved('%s is required.' % option)
    return pick_one_image(ref, glance.find_image_by_id_or_name(ref), option)


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
