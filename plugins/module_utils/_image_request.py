# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a glance_image task asks for, checked before any request, for internal collection use only."""

from ansible_collections.osimg.glance.plugins.module_utils._errors import GlanceModuleError
from ansible_collections.osimg.glance.plugins.module_utils._glance import is_uuid
from ansible_collections.osimg.glance.plugins.module_utils._hashing import parse_checksum
from ansible_collections.osimg.glance.plugins.module_utils._image_data import check_readable_file, source_verify, url_password
from ansible_collections.osimg.glance.plugins.module_utils._image_state import (
    IMAGE_FIELDS,
    image_field_argspec,
    is_reserved_key,
)
from ansible_collections.osimg.glance.plugins.module_utils._options import check_positive

IMPORT_METHODS = ('glance-direct', 'web-download', 'copy-image', 'glance-download')
# The data source each import method takes, and the one it refuses.
METHOD_SOURCES = {'glance-direct': ('filename', 'url', 'web-download'),
                  'web-download': ('url', 'filename', 'glance-direct')}

# glance_image's options beyond the image fields of IMAGE_FIELDS.
IMAGE_OPTIONS = dict(
    id=dict(type='str'),
    state=dict(type='str', default='present', choices=['present', 'absent', 'deactivated']),
    properties=dict(type='dict'),
    purge_properties=dict(type='bool', default=False),
    purge_tags=dict(type='bool', default=True),
    filename=dict(type='path'),
    url=dict(type='str'),
    url_validate_certs=dict(type='bool', default=True),
    url_ca_cert=dict(type='path'),
    import_method=dict(type='str', choices=list(IMPORT_METHODS)),
    stores=dict(type='list', elements='str'),
    all_stores=dict(type='bool'),
    all_stores_must_succeed=dict(type='bool', default=True),
    remote_region=dict(type='str'),
    remote_image_id=dict(type='str'),
    remote_service_interface=dict(type='str'),
    checksum=dict(type='str'),
    decompress=dict(type='str', choices=['auto', 'gzip', 'bzip2', 'xz']),
    source_checksum=dict(type='str'),
    openstacksdk_hashes=dict(type='bool', default=False),
    file_digest_cache=dict(type='bool', default=True),
    on_data_change=dict(type='str', default='warn', choices=['warn', 'fail', 'replace']),
    wait=dict(type='bool', default=True),
    timeout=dict(type='int', default=900),
)


def image_argument_spec():
    """glance_image's whole argument spec: the image fields, then the options of the run."""
    spec = image_field_argspec()
    spec.update(IMAGE_OPTIONS)
    return spec


class ImageRequest:
    """The options of one glance_image task, validated, with what follows from them. Read-only once built.

    Building it sends no request: every refusal that needs no server answer happens here, before any
    write (the local file is checked, the checksum parsed).
    """

    def __init__(self, params):
        self.params = dict(params)
        self._validate()
        self.expected = self._parse_checksum('checksum')
        self.source_expected = self._parse_checksum('source_checksum')
        self.local_size = check_readable_file(self.filename) if self.filename else None

    def __getattr__(self, option):
        # request.name, request.filename...: the validated option values.
        params = self.__dict__.get('params', {})
        if option in params:
            return params[option]
        raise AttributeError(option)

    @property
    def image_id(self):
        return self.params['id']

    @property
    def import_method(self):
        return self.params['import_method']

    @property
    def source_verify(self):
        """requests' verify for the url source: its own TLS settings, never the cloud's."""
        return source_verify(self.url_validate_certs, self.url_ca_cert)

    @property
    def secrets(self):
        """Values to mask in every output: a password in url."""
        return [secret for secret in (url_password(self.url or ''),) if secret]

    @property
    def brings_data(self):
        """Whether the task gives data for the image (a file, a URL, or another region's image)."""
        return bool(self.filename or self.url or self.import_method == 'glance-download')

    @property
    def streams(self):
        """Whether the module itself streams the data (a direct upload or glance-direct staging)."""
        return self.import_method in (None, 'glance-direct') and bool(self.filename or self.url)

    @property
    def compares_data(self):
        """Whether the task says enough about the data to tell whether an existing image's data differs."""
        return bool(self.filename or self.url or self.checksum) and self.import_method != 'copy-image'

    @property
    def wanted_status(self):
        return {'present': 'active', 'deactivated': 'deactivated'}.get(self.state)

    def field_values(self):
        """{image key: option value} of every image field, None where the option was left out."""
        return dict((field.key, self.params[field.option]) for field in IMAGE_FIELDS)

    def store_args(self):
        """Keyword arguments of Glance.import_image for the stores asked for."""
        args = {}
        if self.all_stores:
            args['all_stores'] = True
        elif self.stores:
            args['stores'] = self.stores
        if args:
            args['all_stores_must_succeed'] = self.all_stores_must_succeed
        return args

    def _parse_checksum(self, option):
        if not self.params[option]:
            return None
        try:
            return parse_checksum(self.params[option])
        except ValueError as e:
            raise GlanceModuleError('%s: %s' % (option, e))

    def _validate(self):
        if self.image_id and not is_uuid(self.image_id):
            raise GlanceModuleError('id: %r is not a UUID; Glance image ids look like '
                                    '9b3d4a92-7bd1-4a0d-9a43-6b4d1c2f0e11.' % self.image_id)
        if not self.image_id and not self.name:
            raise GlanceModuleError('name or id is required to find the image.')
        reserved = sorted(k for k in (self.properties or {}) if is_reserved_key(k))
        if reserved:
            raise GlanceModuleError(
                'properties: %s cannot be set as extra properties (read-only, reserved or managed by their own option: '
                'use name, visibility, protected, hidden, min_disk, min_ram, kernel, ramdisk, tags).' % ', '.join(reserved))
        method = self.import_method
        if method in METHOD_SOURCES:
            needed, refused, instead = METHOD_SOURCES[method]
            if not self.params[needed]:
                raise GlanceModuleError('import_method %s needs %s.' % (method, needed))
            if self.params[refused]:
                raise GlanceModuleError('import_method %s takes %s, not %s; use import_method %s for %s.'
                                        % (method, needed, refused, instead, refused))
        if method == 'copy-image' and not (self.stores or self.all_stores):
            raise GlanceModuleError('import_method copy-image needs stores or all_stores.')
        if method == 'glance-download' and not (self.remote_region and self.remote_image_id):
            raise GlanceModuleError('import_method glance-download needs remote_region and remote_image_id.')
        if not method and self.stores and len(self.stores) > 1:
            raise GlanceModuleError('stores: a direct upload goes to one store; use import_method to place data in '
                                    'several.')
        if self.decompress and not (self.filename or self.url):
            raise GlanceModuleError('decompress needs filename or url: it decompresses the data they provide.')
        if self.decompress and method not in (None, 'glance-direct'):
            raise GlanceModuleError('decompress works on data this module streams, but with import_method %s Glance '
                                    'reads the data itself; leave import_method out to decompress.' % method)
        if self.source_checksum and not self.decompress:
            raise GlanceModuleError('source_checksum is the checksum of a compressed source and needs decompress; '
                                    'without decompress the source is the data: give its hash as checksum.')
        check_positive('timeout', self.timeout, 'seconds')
