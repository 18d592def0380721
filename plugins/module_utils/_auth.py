# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Keystone v3 authentication and service catalog lookup, for internal collection use only."""

import re

from ansible_collections.osimg.glance.plugins.module_utils._config import normalize_interface, usable_token
from ansible_collections.osimg.glance.plugins.module_utils._errors import (
    ApiError,
    ConfigError,
    ConnectionFailed,
    InvalidResponse,
    NotFound,
    RedirectRefused,
    RequestTimeout,
    Unauthorized,
)
from ansible_collections.osimg.glance.plugins.module_utils._options import is_set

_V3_RE = re.compile(r'/v3(?:\.\d+)?$')
_V2_IDENTITY_RE = re.compile(r'/v2\.0$')
_IMAGE_VERSION_RE = re.compile(r'/v2(?:\.\d+)?$')

DEFAULT_DOMAIN_ID = 'default'


def identity_v3_url(auth_url):
    """Keystone v3 base URL from an auth_url given with /v3, /v2.0 or no version (no discovery request)."""
    url = str(auth_url).strip().rstrip('/')
    if _V3_RE.search(url):
        return _V3_RE.sub('/v3', url)
    if _V2_IDENTITY_RE.search(url):
        return _V2_IDENTITY_RE.sub('/v3', url)
    return url + '/v3'


def normalize_image_url(url):
    """Image endpoint without a trailing /v2 (or /v2.x) and slash: the client always builds /v2/... paths."""
    return _IMAGE_VERSION_RE.sub('', str(url).strip().rstrip('/')).rstrip('/')


def _domain(domain_id, domain_name):
    if is_set(domain_id):
        return {'id': domain_id}
    if is_set(domain_name):
        return {'name': domain_name}
    return None


def _default_domain(auth):
    return _domain(auth.get('default_domain_id'), auth.get('default_domain_name')) or {'id': DEFAULT_DOMAIN_ID}


def _user(auth):
    if is_set(auth.get('user_id')):
        return {'id': auth['user_id']}
    return {
        'name': auth.get('username'),
        'domain': _domain(auth.get('user_domain_id'), auth.get('user_domain_name')) or _default_domain(auth),
    }


def build_scope(auth):
    """The v3 scope for a config's auth dict: project (id, or name + domain), else domain, else None."""
    if is_set(auth.get('project_id')):
        return {'project': {'id': auth['project_id']}}
    if is_set(auth.get('project_name')):
        return {'project': {
            'name': auth['project_name'],
            'domain': _domain(auth.get('project_domain_id'), auth.get('project_domain_name')) or _default_domain(auth),
        }}
    domain = _domain(auth.get('domain_id'), auth.get('domain_name'))
    if domain:
        return {'domain': domain}
    return None


def build_auth_request(config):
    """The JSON body of POST /v3/auth/tokens for a CloudConfig (pure)."""
    auth = config.auth
    kind = config.auth_type
    if kind == 'password':
        user = _user(auth)
        user['password'] = auth.get('password')
        identity = {'methods': ['password'], 'password': {'user': user}}
    elif kind == 'token':
        identity = {'methods': ['token'], 'token': {'id': auth.get('token')}}
    elif kind == 'v3applicationcredential':
        cred = {'secret': auth.get('application_credential_secret')}
        if is_set(auth.get('application_credential_id')):
            cred['id'] = auth['application_credential_id']
        else:
            cred['name'] = auth.get('application_credential_name')
            cred['user'] = _user(auth)
        # An application credential carries its own scope: Keystone refuses any other.
        return {'auth': {'identity': {'methods': ['application_credential'], 'application_credential': cred}}}
    else:
        raise ConfigError('auth_type %s does not authenticate with Keystone' % kind)
    body = {'auth': {'identity': identity}}
    scope = build_scope(auth)
    if scope:
        body['auth']['scope'] = scope
    return body


def _endpoint_region(endpoint):
    return endpoint.get('region_id') or endpoint.get('region')


def select_endpoint(catalog, service_type, region_name, interface):
    """URL of service_type in a Keystone v3 catalog for region_name (None = first) and interface (pure)."""
    interface = normalize_interface(interface or 'public')
    services = [s for s in (catalog or []) if s.get('type') == service_type]
    if not services:
        types = sorted(set(str(s.get('type')) for s in (catalog or [])))
        raise ConfigError('the service catalog has no %r service (it lists: %s); set image_endpoint to use a '
                          'fixed URL' % (service_type, ', '.join(types) or 'nothing, is the token unscoped?'))
    endpoints = [e for s in services for e in (s.get('endpoints') or [])]
    regions = []
    for e in endpoints:
        r = _endpoint_region(e)
        if r not in regions:
            regions.append(r)
    if region_name:
        endpoints = [e for e in endpoints if region_name in (e.get('region_id'), e.get('region'))]
        if not endpoints:
            raise ConfigError('region %r has no %r endpoint; regions that exist: %s'
                              % (region_name, service_type, ', '.join(str(r) for r in regions) or 'none'))
    matches = [e for e in endpoints if e.get('interface') and normalize_interface(e['interface']) == interface]
    if not matches:
        available = sorted(set(str(e.get('interface')) for e in endpoints))
        raise ConfigError('no %s %r endpoint%s; interfaces available: %s'
                          % (interface, service_type, ' in region %r' % region_name if region_name else '',
                             ', '.join(available) or 'none'))
    return matches[0]['url']


class Authenticator:
    """Gets one Keystone token (and its catalog) per module run.

    ``send(method, url, **kwargs)`` is the HTTP client's raw sender: it returns a requests.Response
    or raises a typed ApiError. ``on_token(token)`` is called with every token Keystone issues, as soon as
    it is known, so that the module masks it in all output.
    """

    def __init__(self, config, send, on_token=None):
        self.config = config
        self._send = send
        self._on_token = on_token
        self.identity_url = identity_v3_url(config.auth['auth_url'])
        self.token = None
        self.catalog = []
        self.project_id = None
        self.user_id = None
        self.expires_at = None
        self.roles = []

    def invalidate(self):
        self.token = None

    def _describe(self):
        auth = self.config.auth
        who = auth.get('user_id') or auth.get('username')
        parts = ['auth_type %s' % self.config.auth_type]
        if self.config.auth_type == 'v3applicationcredential':
            parts.append('application credential %r' % (auth.get('application_credential_id')
                                                        or auth.get('application_credential_name')))
        if who and self.config.auth_type != 'token':
            domain = _user(auth).get('domain')
            parts.append('user %r%s' % (who, ' in domain %r' % list(domain.values())[0] if domain else ''))
        scope = build_scope(auth) if self.config.auth_type != 'v3applicationcredential' else None
        if scope and 'project' in scope:
            p = scope['project']
            domain = p.get('domain')
            parts.append('project %r%s' % (p.get('id') or p.get('name'),
                                           ' in domain %r' % list(domain.values())[0] if domain else ''))
        elif scope:
            parts.append('domain %r' % list(scope['domain'].values())[0])
        if self.config.cloud_name:
            parts.append('cloud %r' % self.config.cloud_name)
        return ', '.join(parts)

    def authenticate(self):
        """Get a token; returns it. Raises typed errors with a hint on what to check."""
        url = self.identity_url + '/auth/tokens'
        try:
            if self.config.auth_type == 'token' and build_scope(self.config.auth) is None:
                # No scope asked: keep the given token and read its own scope and catalog (one GET).
                token = self.config.auth['token']
                resp = self._send('GET', url, headers={'X-Auth-Token': token, 'X-Subject-Token': token},
                                  ok=(200,), auth_request=True)
            else:
                resp = self._send('POST', url, json=build_auth_request(self.config), ok=(200, 201),
                                  auth_request=True)
        except (Unauthorized, NotFound) as e:
            if isinstance(e, NotFound) and self.config.auth_type != 'token':
                e.hint = 'Is auth_url (%s) the Keystone endpoint?' % self.config.auth['auth_url']
            else:
                e.hint = 'Keystone rejected the credentials (%s).' % self._describe()
            raise
        except (ConnectionFailed, RequestTimeout) as e:
            e.hint = 'Cannot reach Keystone: check auth_url (%s).' % self.config.auth['auth_url']
            raise
        except RedirectRefused as e:
            e.hint = 'If Keystone moved, set auth_url (%s) to its new address.' % self.config.auth['auth_url']
            raise
        except ApiError as e:
            if not e.hint:
                e.hint = 'Authentication failed (%s).' % self._describe()
            raise
        token = resp.headers.get('X-Subject-Token')
        if token and self._on_token is not None:
            self._on_token(token)
        try:
            data = resp.json().get('token') or {}
        except InvalidResponse:
            data = None
        if not token or not isinstance(data, dict):
            raise InvalidResponse(method=resp.request.method, url=url, status=resp.status_code, reason='Bad token response',
                                  explanation='Keystone answered without a token (no X-Subject-Token header or JSON body)')
        if not usable_token(token):
            raise InvalidResponse(method=resp.request.method, url=url, status=resp.status_code, reason='Bad token response',
                                  explanation='Keystone answered with a token that has spaces or control characters, '
                                              'which no HTTP header can carry (the token is not shown)')
        self.token = token
        self.catalog = data.get('catalog') or []
        self.project_id = (data.get('project') or {}).get('id')
        self.user_id = (data.get('user') or {}).get('id')
        self.expires_at = data.get('expires_at')
        self.roles = [r.get('name') for r in (data.get('roles') or []) if isinstance(r, dict)]
        return token

    def endpoint(self, service_type='image'):
        return select_endpoint(self.catalog, service_type, self.config.region_name, self.config.interface)
