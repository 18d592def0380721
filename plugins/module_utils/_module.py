# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The module base class: shared auth options, check/diff plumbing, errors to fail_json, for internal collection use only."""

import copy
import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.osimg.glance.plugins.module_utils._config import resolve_cloud_config, secret_values
from ansible_collections.osimg.glance.plugins.module_utils._errors import ApiError, GlanceModuleError
from ansible_collections.osimg.glance.plugins.module_utils._glance import Glance
from ansible_collections.osimg.glance.plugins.module_utils._http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, HttpClient
# jsonpatch applies the patches _image_state builds (check mode predictions) and escapes their pointers.
from ansible_collections.osimg.glance.plugins.module_utils._image_state import HAS_JSONPATCH, JSONPATCH_IMPORT_ERROR

# The shared options, documented once in the osimg.glance.auth doc fragment. No defaults here on
# purpose: an option left out must not hide the value of the cloud config or OS_* variables.
# The effective defaults (interface public, validate_certs true, api_timeout 30) apply last.
# ``auth`` lists its keys so that only the secrets in it are no_log: a no_log dict would mask its
# every value (user names, 'Default', URLs) wherever they appear in the output, image names included.
AUTH_OPTIONS = dict(
    auth_url=dict(type='str'),
    username=dict(type='str'),
    user_id=dict(type='str'),
    password=dict(type='str', no_log=True),
    user_domain_name=dict(type='str'),
    user_domain_id=dict(type='str'),
    project_name=dict(type='str'),
    project_id=dict(type='str'),
    project_domain_name=dict(type='str'),
    project_domain_id=dict(type='str'),
    domain_name=dict(type='str'),
    domain_id=dict(type='str'),
    default_domain_id=dict(type='str'),
    default_domain_name=dict(type='str'),
    token=dict(type='str', no_log=True),
    application_credential_id=dict(type='str'),
    application_credential_name=dict(type='str'),
    application_credential_secret=dict(type='str', no_log=True),
    endpoint=dict(type='str'),
)

AUTH_ARGSPEC = dict(
    cloud=dict(type='raw'),
    auth=dict(type='dict', no_log=False, options=AUTH_OPTIONS),
    auth_type=dict(type='str'),
    region_name=dict(type='str'),
    interface=dict(type='str', choices=['public', 'internal', 'admin'], aliases=['endpoint_type']),
    image_endpoint=dict(type='str'),
    validate_certs=dict(type='bool', aliases=['verify']),
    ca_cert=dict(type='path', aliases=['cacert']),
    client_cert=dict(type='path', aliases=['cert']),
    client_key=dict(type='path', no_log=False, aliases=['key']),
    api_timeout=dict(type='int'),
)

SCRUBBED = '********'


def scrub(text, secrets):
    """Replace every secret value in text."""
    if not isinstance(text, str):
        return text
    for secret in sorted((s for s in secrets if isinstance(s, str) and s), key=len, reverse=True):
        text = text.replace(secret, SCRUBBED)
    return text


class _SecretAwareModule(AnsibleModule):
    """AnsibleModule that knows the secrets of a cloud dict before it logs its invocation (syslog/journald).

    ``cloud`` cannot be no_log (a cloud name or region would then be masked everywhere), so the secrets in a
    cloud dict join no_log_values here, before AnsibleModule.__init__ writes "Invoked with cloud=...". That line
    shows a dict option as Python prints it, a newline or a backslash in a secret escaped: the escaped form of
    each secret (of ``auth`` too) is masked as well.
    """

    def _log_invocation(self):
        for secret in secret_values(self.params.get('cloud')) + secret_values(self.params.get('auth')):
            self.no_log_values.update((secret, repr(secret)[1:-1]))
        super(_SecretAwareModule, self)._log_invocation()


class GlanceModule:
    """Base of every module: ``GlanceModule(argspec).run(func)`` where func(m) returns the result dict."""

    def __init__(self, argument_spec, supports_check_mode=True, **ansible_module_kwargs):
        own = argument_spec or {}
        spec = copy.deepcopy(AUTH_ARGSPEC)
        for option in spec.values():
            # A module's own option wins over a shared alias of the same name (verify, in
            # glance_image_download, checks the data; it must not also switch TLS off).
            if option.get('aliases'):
                option['aliases'] = [alias for alias in option['aliases'] if alias not in own]
        spec.update(own)
        self.module = _SecretAwareModule(argument_spec=spec, supports_check_mode=supports_check_mode,
                                         **ansible_module_kwargs)
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        if not HAS_JSONPATCH:
            self.module.fail_json(msg=missing_required_lib('jsonpatch'), exception=JSONPATCH_IMPORT_ERROR)
        self._config = None
        self._http = None
        self._glance = None
        self._secrets = set()
        # A cloud given as a dict may hold secrets: mask them before anything can fail, and the secrets of
        # both options without the spaces around them too (no_log masks only the value as given).
        for secret in secret_values(self.params.get('cloud')) + secret_values(self.params.get('auth')):
            self._add_secret(secret)

    # -- state ------------------------------------------------------------------------------
    @property
    def params(self):
        return self.module.params

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff_mode(self):
        return bool(self.module._diff)

    @property
    def config(self):
        """The resolved CloudConfig; its secrets are registered for masking in all output."""
        if self._config is None:
            params = dict((k, self.params.get(k)) for k in AUTH_ARGSPEC)
            config = resolve_cloud_config(params, environ=os.environ)
            for secret in config.secrets():
                self._add_secret(secret)
            for warning in config.warnings:
                self.warn(warning)
            self._config = config
        return self._config

    @property
    def http(self):
        if self._http is None:
            # Every token Keystone issues is masked from the moment it is known.
            self._http = HttpClient(self.config, warn=self.warn, on_secret=self._add_secret)
        return self._http

    @property
    def glance(self):
        if self._glance is None:
            self._glance = Glance(self.http)
        return self._glance

    def diff(self, before, after):
        """A diff dict for the result, or None when diff mode is off."""
        if not self.diff_mode:
            return None
        return {'before': before, 'after': after}

    # -- output -----------------------------------------------------------------------------
    def add_secret(self, secret):
        """Mask secret in every result, warning and error of this run."""
        self._add_secret(secret)

    def _add_secret(self, secret):
        if isinstance(secret, str) and secret:
            self._secrets.add(secret)
            self.module.no_log_values.add(secret)

    def _scrub(self, text):
        return scrub(text, self._secrets)

    def warn(self, msg):
        self.module.warn(self._scrub(msg))

    def fail(self, msg, **kwargs):
        for key, value in kwargs.items():
            if isinstance(value, str):
                kwargs[key] = self._scrub(value)
        self.module.fail_json(msg=self._scrub(msg), **kwargs)

    def fail_from_error(self, err):
        """fail_json for a GlanceModuleError: msg and the result keys it carries, plus status, url and explanation
        for API errors."""
        kwargs = dict(getattr(err, 'result', None) or {})
        if isinstance(err, ApiError):
            kwargs.setdefault('status', err.status)
            kwargs.setdefault('url', err.url)
            kwargs.setdefault('method', err.method)
            kwargs.setdefault('explanation', err.explanation)
            if err.request_id:
                kwargs.setdefault('request_id', err.request_id)
        self.fail(str(err), **kwargs)

    def run(self, func):
        """Call func(self) -> result dict, then exit_json once; typed errors become fail_json."""
        try:
            result = func(self)
        except GlanceModuleError as err:
            self.fail_from_error(err)
            return  # fail_json exits; reached only when it is mocked
        result = dict(result or {})
        result.setdefault('changed', False)
        if not self.diff_mode:
            result.pop('diff', None)
        elif result.get('diff') is None:
            result.pop('diff', None)
        self.module.exit_json(**result)
