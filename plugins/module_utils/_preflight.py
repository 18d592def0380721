# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Checks before image data moves (quota, store, import method), for internal collection use only.

Glance refuses an upload it has no quota, store or import method for, but a client that streams the
data learns it late or not at all (a cut connection instead of the answer). ``check_upload`` asks
Glance first and raises a typed error that names the quota and its numbers, or what the cloud offers.

The quota arithmetic is Glance 33's own (glance/quota/keystone.py with oslo.limit): a claim is refused
when ``usage + delta > limit``; a limit below 0 is unlimited; sizes count in whole MiB, rounded down.
"""

from ansible_collections.osimg.glance.plugins.module_utils._errors import Forbidden, GlanceModuleError, NotFound

MIB = 1024 * 1024

# What each of Glance's unified limits counts, and what the user can do when it is reached.
QUOTAS = {
    'image_size_total': ("the total size of the project's image data, in MiB",
                         'delete images the project no longer needs, or ask the cloud operator to raise the limit'),
    'image_stage_total': ("the project's data in Glance's staging area (glance-direct, imports under way), in MiB",
                          'wait for the imports under way to finish, or ask the cloud operator to raise the limit'),
    'image_count_total': ("the number of the project's images",
                          'delete images the project no longer needs, or ask the cloud operator to raise the limit'),
    'image_count_uploading': ("the number of the project's images being uploaded or imported at once",
                              "wait for the project's other uploads and imports to finish, or ask the cloud operator "
                              'to raise the limit'),
}
SIZE_QUOTAS = ('image_size_total', 'image_stage_total')


class PreflightError(GlanceModuleError):
    """Glance would refuse the data transfer; nothing was sent."""


class QuotaExceeded(PreflightError):
    def __init__(self, message, resource, usage, limit, delta):
        super(QuotaExceeded, self).__init__(message)
        self.resource = resource
        self.usage = usage
        self.limit = limit
        self.delta = delta


class StoreNotOffered(PreflightError):
    def __init__(self, message, missing, offered):
        super(StoreNotOffered, self).__init__(message)
        self.missing = missing
        self.offered = offered


class ImportMethodNotOffered(PreflightError):
    def __init__(self, message, method, offered):
        super(ImportMethodNotOffered, self).__init__(message)
        self.method = method
        self.offered = offered


def quota_claims(size=None, import_method=None, new_image=False):
    """[(resource, delta)] that Glance checks for this transfer, in the order it checks them.

    size is the data size in bytes (None when unknown: Glance then claims 0 MiB). new_image: the image is still
    to be created. The image must not be counted as uploading yet (status queued, or active for copy-image):
    Glance marks it uploading, then checks ``image_count_uploading`` with itself included, hence a delta of 1.
    """
    size_mib = int(size) // MIB if size else 0
    claims = [('image_count_total', 1)] if new_image else []
    if import_method is None:  # PUT /file: the total with the announced size, before the body is read
        claims += [('image_size_total', size_mib), ('image_count_uploading', 1)]
    elif import_method == 'glance-direct':  # PUT /stage, then the import checks the total with the staged size
        claims += [('image_stage_total', size_mib), ('image_count_uploading', 1), ('image_size_total', size_mib)]
    else:  # web-download, glance-download, copy-image: the total as it is, then staging room for the data
        claims += [('image_size_total', 0), ('image_stage_total', size_mib), ('image_count_uploading', 1)]
    return claims


def refused_claim(usage, claims):
    """The first claim Glance would refuse, as (resource, used, delta, limit), or None.

    usage is what GET /v2/info/usage returns; resources it does not list are not limited.
    """
    for resource, delta in claims:
        entry = usage.get(resource)
        if not isinstance(entry, dict):
            continue
        used, limit = entry.get('usage'), entry.get('limit')
        if not isinstance(used, int) or not isinstance(limit, int) or limit < 0:
            continue
        if used + delta > limit:
            return resource, used, delta, limit
    return None


def quota_message(resource, used, delta, limit, project_id=None):
    what, advice = QUOTAS.get(resource, ('a Glance quota', 'ask the cloud operator to raise the limit'))
    unit = ' MiB' if resource in SIZE_QUOTAS else ''
    project = ' of project %s' % project_id if project_id else ''
    if delta:
        numbers = ('is at %d%s of its limit of %d%s, and the transfer needs %d%s more'
                   % (used, unit, limit, unit, delta, unit))
    else:
        numbers = 'is at %d%s, over its limit of %d%s' % (used, unit, limit, unit)
    return ('quota: Glance would refuse this transfer: %s%s %s (%s: %s). No data was sent; %s.'
            % (resource, project, numbers, resource, what, advice))


def describe_stores(stores):
    names = []
    for store in stores:
        notes = [note for note, key in (('default', 'default'), ('read-only', 'read-only')) if is_true(store.get(key))]
        names.append('%s (%s)' % (store.get('id'), ', '.join(notes)) if notes else str(store.get('id')))
    return ', '.join(names) if names else 'none'


def is_true(value):
    """Glance writes the store flags as strings ("true")."""
    return value is True or str(value).lower() == 'true'


def check_import_method(glance, method, option='import_method'):
    """Raise ImportMethodNotOffered unless the cloud enables method (GET /v2/info/import)."""
    try:
        offered = glance.get_import_methods()
    except NotFound:  # a Glance without interoperable image import
        offered = []
    if method not in offered:
        if offered:
            hint = 'it offers %s.' % ', '.join(offered)
        else:
            hint = 'it offers no import method: upload the data directly (leave %s unset).' % option
        raise ImportMethodNotOffered('%s: this cloud does not offer the import method %r; %s' % (option, method, hint),
                                     method, offered)
    return offered


def check_stores(glance, stores, option='stores'):
    """Raise StoreNotOffered unless every store exists and takes data (GET /v2/info/stores)."""
    try:
        offered = glance.get_stores()
    except NotFound as err:
        raise StoreNotOffered('%s: this cloud has no multiple stores (%s); leave %s unset so that Glance uses its '
                              'only store.' % (option, err.explanation or 'GET /v2/info/stores: 404', option),
                              list(stores), [])
    ids = [store.get('id') for store in offered]
    missing = [store for store in stores if store not in ids]
    if missing:
        raise StoreNotOffered('%s: this cloud has no store %s; it offers %s.'
                              % (option, ', '.join(repr(store) for store in missing), describe_stores(offered)),
                              missing, offered)
    read_only = [store.get('id') for store in offered if store.get('id') in stores and is_true(store.get('read-only'))]
    if read_only:
        raise StoreNotOffered('%s: the store %s is read-only and takes no data; the cloud offers %s.'
                              % (option, ', '.join(repr(store) for store in read_only), describe_stores(offered)),
                              read_only, offered)
    return offered


def read_usage(glance):
    """The project's quota usage, or {} when the cloud does not say (no unified limits, an older Glance, a policy)."""
    try:
        return glance.get_usage()
    except (NotFound, Forbidden):
        return {}


def check_upload(glance, size=None, stores=None, import_method=None, new_image=False):
    """Raise a PreflightError when Glance would refuse this transfer for lack of quota, store or import method.

    glance: the Glance client. size: bytes to send (None when unknown). stores: the store ids the data is meant for
    (None: the default store). import_method: None for a direct upload (PUT /file), else the import method.
    new_image: the image is still to be created (checks the image count too).

    It sends one request per question: GET /v2/info/import with an import method, GET /v2/info/stores with
    stores, and GET /v2/info/usage. Returns the usage read ({} when the cloud reports none).
    """
    if import_method:
        check_import_method(glance, import_method)
    if stores:
        check_stores(glance, list(stores))
    usage = read_usage(glance)
    refused = refused_claim(usage, quota_claims(size, import_method, new_image))
    if refused:
        resource, used, delta, limit = refused
        raise QuotaExceeded(quota_message(resource, used, delta, limit, project_id=glance.http.project_id),
                            resource, used, limit, delta)
    return usage
