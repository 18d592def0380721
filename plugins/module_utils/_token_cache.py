# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Authenticating once per play instead of once per task. For internal collection use only.

Two ways, both conventions of the OpenStack ecosystem:

* A token given with the Glance endpoint and its project (``auth_type: token``, ``auth.token``,
  ``auth.project_id``, ``image_endpoint``, as osimg.glance.glance_auth returns them for ``module_defaults``) is
  used as it is: the run sends nothing to Keystone.
* openstacksdk's ``cache: {auth: true}`` (clouds.yaml): the token Keystone issues is kept in a private file
  (_cache_dir: mode 0600 in a directory only the user can enter) and reused by the next runs until
  TOKEN_MARGIN_SECONDS before it expires. The file is named by a salted, slow hash of the auth parameters, the
  password or secret included, so another password never finds it; the password itself is never written.

A token Glance refuses (401) is forgotten, in the file too, and the next one comes from Keystone.
"""

import hashlib
import json
import re
import time

from ansible_collections.osimg.glance.plugins.module_utils._auth import Authenticator, identity_v3_url
from ansible_collections.osimg.glance.plugins.module_utils._cache_dir import PrivateDirectory
from ansible_collections.osimg.glance.plugins.module_utils._timestamps import epoch_seconds

ENTRY_VERSION = 1
# A cached token is reused only while it has this long left: a run never starts on a token about to expire.
TOKEN_MARGIN_SECONDS = 600
# The auth types whose tokens are cached, and the option that holds their secret.
CACHED_AUTH_TYPES = {'password': 'password', 'v3applicationcredential': 'application_credential_secret'}
# The auth parameters that say whose token it is and for which scope (no secrets).
IDENTITY_KEYS = (
    'username', 'user_id', 'user_domain_name', 'user_domain_id', 'project_name', 'project_id', 'project_domain_name',
    'project_domain_id', 'domain_name', 'domain_id', 'default_domain_id', 'default_domain_name',
    'application_credential_id', 'application_credential_name',
)
# PBKDF2 rounds over the secret in the file name: a few milliseconds per run, a guess as dear to whoever reads
# the directory.
KEY_ROUNDS = 10000
_TOKEN_RE = re.compile(r'^[\x21-\x7e]+$')


def cache_key(config):
    """The name of the cache file for a config's credentials, or None when its tokens are not cached.

    A hash of the auth type, Keystone URL, user, scope and credential, and of the secret through PBKDF2 salted with
    all the rest: the same credentials find the same file, other ones (another password) never do, and the file name
    does not give the secret away.
    """
    secret_key = CACHED_AUTH_TYPES.get(config.auth_type)
    if secret_key is None:
        return None
    auth = config.auth
    identity = [['auth_type', config.auth_type], ['identity_url', identity_v3_url(auth['auth_url'])]]
    identity.extend([key, str(auth[key])] for key in IDENTITY_KEYS if auth.get(key) not in (None, ''))
    salt = hashlib.sha256(json.dumps(identity, sort_keys=True).encode('utf-8')).digest()
    proof = hashlib.pbkdf2_hmac('sha256', str(auth.get(secret_key) or '').encode('utf-8'), salt, KEY_ROUNDS)
    return hashlib.sha256(salt + proof).hexdigest()


def given_token_state(config):
    """The auth state of a token given with its project and the Glance endpoint, or None.

    Such a token is used as it is: Keystone is not asked to check it or to exchange it, and it is taken to be scoped
    to auth.project_id (glance_auth returns the two together). Glance refuses it (401) if it expired.
    """
    auth = config.auth
    if config.auth_type == 'token' and auth.get('token') and auth.get('project_id') and config.image_endpoint:
        return {'token': auth['token'], 'project_id': auth['project_id'], 'user_id': auth.get('user_id'),
                'catalog': [], 'expires_at': None, 'roles': []}
    return None


class TokenCache:
    """One cache file: the token of one set of credentials, with its catalog, project, user and expiry."""

    def __init__(self, directory, key, identity_url, clock=time.time):
        self.directory = directory
        self.name = key + '.json'
        self.identity_url = identity_url
        self.clock = clock

    @classmethod
    def open(cls, config, warn=None):
        """The cache of config's credentials when config asks for it (cache: {auth: true}); else None."""
        if not getattr(config, 'cache_auth', False):
            return None
        key = cache_key(config)
        if key is None:
            return None
        directory, reason = PrivateDirectory.open('tokens')
        if directory is None:
            if warn is not None:
                warn('cache.auth: %s, so the token is not cached (every task asks Keystone for one).' % reason)
            return None
        return cls(directory, key, identity_v3_url(config.auth['auth_url']))

    def usable(self, state):
        """Whether a state read from the file may be used: complete, ours, and not about to expire."""
        if not isinstance(state, dict) or state.get('version') != ENTRY_VERSION:
            return False
        if state.get('identity_url') != self.identity_url or not isinstance(state.get('catalog'), list):
            return False
        if not isinstance(state.get('token'), str) or not _TOKEN_RE.match(state['token']):
            return False
        expires = epoch_seconds(state.get('expires_at'))
        return expires is not None and expires - TOKEN_MARGIN_SECONDS > self.clock()

    def load(self):
        state = self.directory.read_json(self.name)
        return state if self.usable(state) else None

    def store(self, state):
        """Keep a state Keystone just issued (a token that expires too soon, or never says when, is not kept)."""
        state = dict(state, version=ENTRY_VERSION, identity_url=self.identity_url)
        if self.usable(state):
            return self.directory.write_json(self.name, state)
        return False

    def discard(self):
        self.directory.remove(self.name)

    def close(self):
        self.directory.close()


class ReusingAuthenticator(Authenticator):
    """An Authenticator that asks Keystone only when no token can be reused (see the module docstring).

    ``token_source`` says where the token of the run came from: 'given', 'cache' or 'keystone'.
    """

    def __init__(self, config, send, token_cache=None, **kwargs):
        super(ReusingAuthenticator, self).__init__(config, send, **kwargs)
        self.token_cache = token_cache
        self.token_source = None
        self._may_reuse = True

    def state(self):
        return {'token': self.token, 'catalog': self.catalog, 'project_id': self.project_id, 'user_id': self.user_id,
                'expires_at': self.expires_at, 'roles': self.roles}

    def _reusable_state(self):
        if not self._may_reuse:
            return None, None
        state = given_token_state(self.config)
        if state is not None:
            return state, 'given'
        state = self.token_cache.load() if self.token_cache is not None else None
        return state, 'cache' if state is not None else None

    def authenticate(self):
        state, source = self._reusable_state()
        if state is None:
            token = super(ReusingAuthenticator, self).authenticate()
            self.token_source = 'keystone'
            if self.token_cache is not None:
                self.token_cache.store(self.state())
            return token
        self.token = state['token']
        self.catalog = state.get('catalog') or []
        self.project_id = state.get('project_id')
        self.user_id = state.get('user_id')
        self.expires_at = state.get('expires_at')
        self.roles = state.get('roles') or []
        self.token_source = source
        on_token = getattr(self, '_on_token', None)
        if on_token is not None:  # masked in all output, like a token Keystone issues in this run
            on_token(self.token)
        return self.token

    def invalidate(self):
        """Glance refused the token (401): forget it, in the cache too; the next token comes from Keystone."""
        if self.token_cache is not None:
            self.token_cache.discard()
        self._may_reuse = False
        super(ReusingAuthenticator, self).invalidate()


def token_cloud(config, token, project_id, image_endpoint):
    """A cloud dict (the ``cloud`` option) that authenticates with token: the token, its project and the Glance
    endpoint, with the TLS settings, region, interface and timeout of config. A task given it asks Keystone
    nothing."""
    auth = {'auth_url': config.auth['auth_url'], 'token': token}
    if project_id:
        auth['project_id'] = project_id
    cloud = {'auth_type': 'token', 'auth': auth, 'image_endpoint_override': image_endpoint,
             'interface': config.interface}
    if config.region_name:
        cloud['region_name'] = config.region_name
    if config.verify is False:
        cloud['verify'] = False
    elif isinstance(config.verify, str):
        cloud['cacert'] = config.verify
    if isinstance(config.cert, (tuple, list)):
        cloud['cert'], cloud['key'] = config.cert
    elif config.cert:
        cloud['cert'] = config.cert
    cloud['api_timeout'] = config.api_timeout
    return cloud
