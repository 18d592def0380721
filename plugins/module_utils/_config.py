# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloud configuration from module options, clouds.yaml/secure.yaml and OS_* variables, for internal collection use only.

Precedence, as openstacksdk: module options > the selected cloud > OS_* environment.
A cloud is selected by the ``cloud`` option (a clouds.yaml name or a dict) or else by
``OS_CLOUD``. Like openstacksdk, the other ``OS_*`` variables form a cloud of their own that
is used only when no cloud is selected: a password from the environment never leaks into a
different, named cloud. Module options are laid over whichever cloud was chosen, key by key
(``auth`` merged key by key too).
"""

import copy
import json
import os
import re

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None
    HAS_YAML = False

from ansible_collections.osimg.glance.plugins.module_utils._errors import ConfigError
from ansible_collections.osimg.glance.plugins.module_utils._options import as_bool, is_set

AUTH_TYPES = ('password', 'token', 'v3applicationcredential', 'none')
_AUTH_TYPE_ALIASES = {
    'password': 'password',
    'v3password': 'password',
    'token': 'token',
    'v3token': 'token',
    'v3applicationcredential': 'v3applicationcredential',
    'applicationcredential': 'v3applicationcredential',
    'application_credential': 'v3applicationcredential',
    'v3_application_credential': 'v3applicationcredential',
    'none': 'none',
    'noauth': 'none',
    'admin_token': 'none',
    'token_endpoint': 'none',
}
INTERFACES = ('public', 'internal', 'admin')

AUTH_KEYS = (
    'auth_url', 'username', 'user_id', 'password',
    'project_name', 'project_id', 'user_domain_name', 'user_domain_id',
    'project_domain_name', 'project_domain_id', 'domain_name', 'domain_id',
    'token', 'application_credential_id', 'application_credential_name',
    'application_credential_secret',
)
SECRET_AUTH_KEYS = ('password', 'token', 'application_credential_secret')
# Keys ksa/openstacksdk also accept in auth; kept, not used for Keystone v3 bodies.
_EXTRA_AUTH_KEYS = ('endpoint', 'default_domain_id', 'default_domain_name', 'system_scope')
_LEGACY_AUTH_KEYS = {'tenant_name': 'project_name', 'tenant_id': 'project_id'}

# OS_* variable -> (section, key). section 'auth' goes into the auth dict.
ENV_VARS = (
    ('OS_AUTH_URL', 'auth', 'auth_url'),
    ('OS_USERNAME', 'auth', 'username'),
    ('OS_USER_ID', 'auth', 'user_id'),
    ('OS_PASSWORD', 'auth', 'password'),
    ('OS_PROJECT_NAME', 'auth', 'project_name'),
    ('OS_TENANT_NAME', 'auth', 'project_name'),
    ('OS_PROJECT_ID', 'auth', 'project_id'),
    ('OS_TENANT_ID', 'auth', 'project_id'),
    ('OS_USER_DOMAIN_NAME', 'auth', 'user_domain_name'),
    ('OS_USER_DOMAIN_ID', 'auth', 'user_domain_id'),
    ('OS_PROJECT_DOMAIN_NAME', 'auth', 'project_domain_name'),
    ('OS_PROJECT_DOMAIN_ID', 'auth', 'project_domain_id'),
    ('OS_DOMAIN_NAME', 'auth', 'domain_name'),
    ('OS_DOMAIN_ID', 'auth', 'domain_id'),
    ('OS_TOKEN', 'auth', 'token'),
    ('OS_APPLICATION_CREDENTIAL_ID', 'auth', 'application_credential_id'),
    ('OS_APPLICATION_CREDENTIAL_NAME', 'auth', 'application_credential_name'),
    ('OS_APPLICATION_CREDENTIAL_SECRET', 'auth', 'application_credential_secret'),
    ('OS_DEFAULT_DOMAIN', 'auth', 'default_domain_id'),
    ('OS_REGION_NAME', 'top', 'region_name'),
    ('OS_INTERFACE', 'top', 'interface'),
    ('OS_ENDPOINT_TYPE', 'top', 'interface'),
    ('OS_AUTH_TYPE', 'top', 'auth_type'),
    ('OS_CACERT', 'top', 'cacert'),
    ('OS_CERT', 'top', 'cert'),
    ('OS_KEY', 'top', 'key'),
    ('OS_INSECURE', 'top', 'insecure'),
    ('OS_API_TIMEOUT', 'top', 'api_timeout'),
    ('OS_IMAGE_ENDPOINT_OVERRIDE', 'top', 'image_endpoint_override'),
)
# Variables that only select things; alone they do not make an environment cloud.
_ENV_SELECTORS = ('OS_CLOUD', 'OS_REGION_NAME', 'OS_CLIENT_CONFIG_FILE', 'OS_CLIENT_SECURE_FILE', 'OS_CLOUD_NAME')

SITE_CONFIG_DIR = '/etc/openstack'
DEFAULT_INTERFACE = 'public'
DEFAULT_API_TIMEOUT = 30.0
SUFFIXES = ('.yaml', '.yml', '.json')


_TOKEN_RE = re.compile(r'[\x21-\x7e]+')


def usable_token(token):
    """Whether a token can go in an X-Auth-Token header: visible ASCII only, no space, no line break.

    requests refuses a header value with a line break with an error that quotes the value; a token is
    checked here first so that no message ever has to show it.
    """
    return isinstance(token, str) and bool(_TOKEN_RE.fullmatch(token))


def secret_values(value, secret=False):
    """The text of every secret in value (a cloud entry, an auth dict...), for masking in all output.

    A secret is whatever sits under a key of SECRET_AUTH_KEYS, at any depth of dicts and lists (``regions:
    [{values: {auth: ...}}]``), whatever its type (a password YAML read as a number). A secret with spaces
    around it is also masked without them.
    """
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(secret_values(item, secret or key in SECRET_AUTH_KEYS))
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            found.extend(secret_values(item, secret))
    elif secret and value is not None and not isinstance(value, bool):
        text = value.decode('utf-8', 'replace') if isinstance(value, bytes) else str(value)
        found.extend(t for t in (text, text.strip()) if t and t not in found)
    return found


def _bool(value, what):
    return as_bool(value, what, ConfigError)


def normalize_auth_type(value):
    """Map an auth plugin name (password, v3password, token, v3token, ...) to one of AUTH_TYPES."""
    key = str(value).strip().lower().replace('-', '_')
    if key in _AUTH_TYPE_ALIASES:
        return _AUTH_TYPE_ALIASES[key]
    raise ConfigError('auth_type %r is not supported; use one of: password (v3password), token (v3token), '
                      'v3applicationcredential, none' % (value,))


def normalize_interface(value):
    """Map public/publicURL/PUBLIC... to public, internal or admin."""
    text = str(value).strip()
    if text.lower().endswith('url'):
        text = text[:-3]
    text = text.lower()
    if text not in INTERFACES:
        raise ConfigError('interface %r is not valid; use one of: %s' % (value, ', '.join(INTERFACES)))
    return text


def config_search_paths(kind, environ, cwd, home):
    """Candidate files for kind 'clouds' or 'secure', in search order."""
    override = environ.get('OS_CLIENT_CONFIG_FILE' if kind == 'clouds' else 'OS_CLIENT_SECURE_FILE')
    paths = [os.path.expanduser(override)] if override else []
    config_file = environ.get('OS_CLIENT_CONFIG_FILE')
    if kind == 'secure' and config_file:
        # A secure.yaml next to the clouds.yaml named by OS_CLIENT_CONFIG_FILE belongs with it.
        directory = os.path.dirname(os.path.abspath(os.path.expanduser(config_file)))
        paths.extend(os.path.join(directory, kind + suffix) for suffix in SUFFIXES)
    for directory in (cwd, os.path.join(home, '.config', 'openstack'), SITE_CONFIG_DIR):
        for suffix in SUFFIXES:
            paths.append(os.path.join(directory, kind + suffix))
    return paths


def _parse_error_place(error):
    """Where a YAML or JSON parse error is: line and column, never the text there (it may be a password)."""
    mark = getattr(error, 'problem_mark', None) or getattr(error, 'context_mark', None)
    if mark is not None and getattr(mark, 'line', None) is not None:
        return 'line %d, column %d' % (mark.line + 1, mark.column + 1)
    if getattr(error, 'lineno', None) is not None and getattr(error, 'colno', None) is not None:
        return 'line %d, column %d' % (error.lineno, error.colno)
    return None


def _load_file(path):
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except (IOError, OSError) as e:
        raise ConfigError('cannot read %s: %s' % (path, e))
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        raise ConfigError('cannot read %s: it is not UTF-8 text (line %d has a byte that is not)'
                          % (path, raw[:e.start].count(b'\n') + 1))
    try:
        if path.endswith('.json'):
            data = json.loads(text)
        else:
            if not HAS_YAML:
                raise ConfigError('PyYAML is needed to read %s' % path)
            data = yaml.safe_load(text)
    except ConfigError:
        raise
    except Exception as e:  # the parser's message quotes the file around the error: never shown
        place = _parse_error_place(e)
        raise ConfigError('cannot parse %s: %s %s%s (the text there is not shown: it may hold a secret)'
                          % (path, 'invalid JSON' if path.endswith('.json') else 'invalid YAML',
                             'at ' + place if place else '', '' if place else '(%s)' % type(e).__name__))
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get('clouds', {}), dict):
        raise ConfigError('%s must be a mapping with a "clouds" mapping at the top' % path)
    return data


def _first_existing(paths):
    for path in paths:
        if os.path.isfile(path):
            return path
    return None


def _deep_merge(base, over):
    result = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


class CloudFiles:
    """The clouds.yaml and secure.yaml that apply, merged (first file found of each kind wins)."""

    def __init__(self, environ, cwd, home):
        self.clouds_searched = config_search_paths('clouds', environ, cwd, home)
        self.secure_searched = config_search_paths('secure', environ, cwd, home)
        self.clouds_file = _first_existing(self.clouds_searched)
        self.secure_file = _first_existing(self.secure_searched)
        clouds_data = _load_file(self.clouds_file) if self.clouds_file else {}
        secure_data = _load_file(self.secure_file) if self.secure_file else {}
        self.clouds = _deep_merge(clouds_data.get('clouds') or {}, secure_data.get('clouds') or {})
        # openstacksdk's top-level cache section (only its "auth" key is used here).
        self.cache = {}
        for data in (clouds_data, secure_data):
            if isinstance(data.get('cache'), dict):
                self.cache = _deep_merge(self.cache, data['cache'])

    def describe_search(self):
        if self.clouds_file:
            text = 'clouds.yaml: %s' % self.clouds_file
        else:
            text = 'no clouds.yaml found (searched: %s)' % ', '.join(self.clouds_searched)
        return text + '; secure.yaml: %s' % (self.secure_file or 'none found')

    def get(self, name):
        if name not in self.clouds:
            if self.clouds:
                defined = 'clouds defined in %s: %s' % (self.clouds_file or self.secure_file,
                                                        ', '.join(sorted(self.clouds)))
            else:
                defined = 'no clouds are defined'
            raise ConfigError('cloud %r not found; %s. Files searched: %s'
                              % (name, defined, ', '.join(self.clouds_searched)))
        entry = self.clouds[name]
        if not isinstance(entry, dict):
            raise ConfigError('cloud %r in %s is not a mapping' % (name, self.clouds_file))
        return copy.deepcopy(entry)


def _env_cloud(environ):
    """The cloud made of OS_* variables, or None when only selectors are set (as openstacksdk)."""
    present = [v for v in environ if v.startswith('OS_') and is_set(environ.get(v))]
    if not set(present) - set(_ENV_SELECTORS):
        return None
    cloud = {'auth': {}}
    for var, section, key in ENV_VARS:
        value = environ.get(var)
        if not is_set(value):
            continue
        target = cloud['auth'] if section == 'auth' else cloud
        if key not in target:  # first listed variable wins (OS_PROJECT_NAME over OS_TENANT_NAME)
            target[key] = value
    return cloud


def _normalize_entry(entry, where):
    """Move auth keys given at the top level of a cloud entry into auth; map legacy names."""
    entry = copy.deepcopy(entry or {})
    auth = entry.get('auth') or {}
    if not isinstance(auth, dict):
        raise ConfigError('"auth" of %s must be a mapping' % where)
    for key in list(entry):
        if key in AUTH_KEYS or key in _LEGACY_AUTH_KEYS or key in _EXTRA_AUTH_KEYS:
            auth.setdefault(_LEGACY_AUTH_KEYS.get(key, key), entry.pop(key))
    for old, new in _LEGACY_AUTH_KEYS.items():
        if old in auth:
            value = auth.pop(old)
            auth.setdefault(new, value)
    if 'endpoint_type' in entry and 'interface' not in entry:
        entry['interface'] = entry.pop('endpoint_type')
    entry['auth'] = auth
    return entry


def _select_region(entry, region_name, where):
    """Apply openstacksdk's ``regions:`` list: pick the named region (or the first) and merge its values."""
    regions = entry.pop('regions', None)
    if not regions:
        return entry, region_name or entry.get('region_name')
    names = []
    values = {}
    for item in regions:
        if isinstance(item, dict):
            names.append(item.get('name'))
            values[item.get('name')] = item.get('values') or {}
        else:
            names.append(str(item))
    wanted = region_name or entry.get('region_name') or names[0]
    if wanted not in names:
        raise ConfigError('region %r is not a region of %s; its regions are: %s' % (wanted, where, ', '.join(names)))
    merged = _deep_merge(entry, _normalize_entry(values.get(wanted, {}), where))
    return merged, wanted


class CloudConfig:
    """The resolved settings a client needs. Secrets live in ``auth``; never print this object's auth."""

    def __init__(self):
        self.auth_type = 'password'
        self.auth = dict((k, None) for k in AUTH_KEYS)
        self.region_name = None
        self.interface = DEFAULT_INTERFACE
        self.image_endpoint = None
        self.verify = True
        self.cert = None
        self.api_timeout = DEFAULT_API_TIMEOUT
        self.cloud_name = None
        self.source = None
        self.config_files = []
        self.warnings = []
        # openstacksdk's cache: {auth: true}: keep the token between module runs (_token_cache).
        self.cache_auth = False

    def secrets(self):
        """Every secret value present, for scrubbing output."""
        return secret_values(dict((k, self.auth.get(k)) for k in SECRET_AUTH_KEYS))

    def __repr__(self):
        shown = dict((k, ('********' if k in SECRET_AUTH_KEYS else v)) for k, v in self.auth.items() if is_set(v))
        return ('CloudConfig(cloud_name=%r, auth_type=%r, auth=%r, region_name=%r, interface=%r, image_endpoint=%r)'
                % (self.cloud_name, self.auth_type, shown, self.region_name, self.interface, self.image_endpoint))


def _infer_auth_type(auth):
    if is_set(auth.get('application_credential_id')) or (
            is_set(auth.get('application_credential_name')) and is_set(auth.get('application_credential_secret'))):
        return 'v3applicationcredential'
    if is_set(auth.get('token')) and not is_set(auth.get('password')):
        return 'token'
    return 'password'


def _apply_domain_shortcut(auth):
    """openstacksdk's rule: with a project scope, domain_id/domain_name default the user and project domains."""
    if is_set(auth.get('project_id')) or is_set(auth.get('project_name')):
        for target, keys in (('domain_id', ('user_domain_id', 'project_domain_id')),
                             ('domain_name', ('user_domain_name', 'project_domain_name'))):
            value = auth.get(target)
            if is_set(value):
                for key in keys:
                    prefix = key.rsplit('_', 1)[0]  # user_domain / project_domain
                    if not is_set(auth.get(prefix + '_id')) and not is_set(auth.get(prefix + '_name')):
                        auth[key] = value
                auth[target] = None


def _require(auth, keys, auth_type, source):
    missing = [k for k in keys if not is_set(auth.get(k))]
    if missing:
        raise ConfigError('auth_type %s needs %s, missing from %s' % (auth_type, ' and '.join(missing), source))


def _validate(config, source):
    auth = config.auth
    kind = config.auth_type
    if kind in ('token', 'none') and is_set(auth.get('token')) and not usable_token(auth['token']):
        raise ConfigError('auth.token of %s is not a usable token: it has spaces, a line break or other characters '
                          'no token has (a trailing newline from a file lookup?). Strip it; it is not shown here.'
                          % source)
    if kind == 'none':
        if not config.image_endpoint:
            raise ConfigError('auth_type none needs an image endpoint: set image_endpoint (or image_endpoint_override '
                              'in clouds.yaml)')
        return
    if not is_set(auth.get('auth_url')):
        raise ConfigError('no auth_url: set a cloud (clouds.yaml name or dict), auth.auth_url or OS_AUTH_URL '
                          '(configuration came from %s)' % source)
    if kind == 'password':
        _require(auth, ['password'], kind, source)
        if not (is_set(auth.get('username')) or is_set(auth.get('user_id'))):
            raise ConfigError('auth_type password needs username or user_id, missing from %s' % source)
    elif kind == 'token':
        _require(auth, ['token'], kind, source)
    elif kind == 'v3applicationcredential':
        _require(auth, ['application_credential_secret'], kind, source)
        if not is_set(auth.get('application_credential_id')):
            if not is_set(auth.get('application_credential_name')):
                raise ConfigError('auth_type v3applicationcredential needs application_credential_id, or '
                                  'application_credential_name with username or user_id (%s)' % source)
            if not (is_set(auth.get('username')) or is_set(auth.get('user_id'))):
                raise ConfigError('an application credential given by name needs its user: set username '
                                  '(with user_domain_name or user_domain_id) or user_id (%s)' % source)


def resolve_cloud_config(params, environ=None, cwd=None, home=None):
    """Build a CloudConfig from module params (None = not set), the selected cloud and OS_* variables."""
    params = params or {}
    environ = os.environ if environ is None else environ
    cwd = cwd if cwd is not None else os.getcwd()
    home = home if home is not None else os.path.expanduser('~')
    config = CloudConfig()

    cloud = params.get('cloud')
    module_auth = params.get('auth') or {}
    if not isinstance(module_auth, dict):
        raise ConfigError('auth must be a dictionary')
    files = None
    entry = None
    if isinstance(cloud, dict):
        entry, source = cloud, 'the cloud option (a dict)'
        config.cloud_name = cloud.get('name') if isinstance(cloud.get('name'), str) else None
    elif cloud is not None and not isinstance(cloud, str):
        raise ConfigError('cloud must be a clouds.yaml cloud name or a dict, got %s' % type(cloud).__name__)
    else:
        name = cloud or environ.get('OS_CLOUD') or None
        if name:
            files = CloudFiles(environ, cwd, home)
            entry = files.get(name)
            config.cloud_name = name
            source = 'cloud %r from %s%s' % (name, files.clouds_file or files.secure_file,
                                             ' + %s' % files.secure_file if files.secure_file and files.clouds_file else '')
        else:
            entry = _env_cloud(environ)
            source = 'OS_* environment variables'
            if entry is None and not is_set(module_auth.get('auth_url')) and not params.get('image_endpoint'):
                # Nothing anywhere else: like openstacksdk, use the only cloud of clouds.yaml if there is exactly one.
                files = CloudFiles(environ, cwd, home)
                if len(files.clouds) == 1:
                    config.cloud_name = list(files.clouds)[0]
                    entry = files.get(config.cloud_name)
                    source = 'cloud %r, the only cloud in %s' % (config.cloud_name, files.clouds_file)
            if entry is None:
                entry = {}
                source = 'module options'
                if not module_auth and not params.get('image_endpoint') and not params.get('auth_type'):
                    files = files or CloudFiles(environ, cwd, home)
                    raise ConfigError('no OpenStack configuration found: set cloud (a clouds.yaml name or dict), '
                                      'auth, OS_CLOUD or OS_AUTH_URL and friends. %s' % files.describe_search())
    if files is not None:
        config.config_files = [p for p in (files.clouds_file, files.secure_file) if p]
    config.source = source

    entry = _normalize_entry(entry, source)
    entry, region_name = _select_region(entry, params.get('region_name'), source)
    if entry.get('profile'):
        config.warnings.append('vendor profile %r of %s is ignored: this collection does not read clouds-public.yaml'
                               % (entry.get('profile'), source))
    if str(entry.get('identity_api_version') or '3').split('.', maxsplit=1)[0] != '3':
        raise ConfigError('identity_api_version %r of %s is not supported: only Keystone v3 is'
                          % (entry.get('identity_api_version'), source))

    # auth: cloud auth, then module auth key by key (None in the module dict means "not set")
    auth = dict((k, v) for k, v in (entry.get('auth') or {}).items() if is_set(v))
    for key, value in _normalize_entry({'auth': module_auth}, 'the auth option')['auth'].items():
        if is_set(value):
            auth[key] = value
    unknown = sorted(set(auth) - set(AUTH_KEYS) - set(_EXTRA_AUTH_KEYS))
    if unknown:
        config.warnings.append('auth keys ignored (not used by Keystone v3 auth here): %s' % ', '.join(unknown))
    _apply_domain_shortcut(auth)
    for key in SECRET_AUTH_KEYS:
        if is_set(auth.get(key)) and not isinstance(auth[key], str):
            # YAML reads 12345678 or 0123 as a number: sending it would fail, or send another value.
            raise ConfigError('auth.%s of %s is a %s, not a string: quote it (the value is not shown)'
                              % (key, source, type(auth[key]).__name__))
    for key in AUTH_KEYS:
        config.auth[key] = auth.get(key) if is_set(auth.get(key)) else None
    config.auth['default_domain_id'] = auth.get('default_domain_id')
    config.auth['default_domain_name'] = auth.get('default_domain_name')

    auth_type = params.get('auth_type') or entry.get('auth_type')
    config.auth_type = normalize_auth_type(auth_type) if auth_type else _infer_auth_type(config.auth)

    config.region_name = region_name or None
    interface = params.get('interface') or entry.get('interface')
    config.interface = normalize_interface(interface) if interface else DEFAULT_INTERFACE

    endpoint = params.get('image_endpoint') or entry.get('image_endpoint_override') or entry.get('image_endpoint')
    if not endpoint and config.auth_type == 'none':
        endpoint = auth.get('endpoint')
    if endpoint:
        endpoint = str(endpoint).strip()
        if not endpoint.lower().startswith(('http://', 'https://')):
            raise ConfigError('image endpoint %r must be an http:// or https:// URL' % endpoint)
    config.image_endpoint = endpoint or None

    # TLS: validate_certs > verify/insecure of the cloud > True; a CA bundle replaces True.
    if params.get('validate_certs') is not None:
        verify = _bool(params['validate_certs'], 'validate_certs')
    elif entry.get('verify') is not None:
        verify = _bool(entry['verify'], 'verify of %s' % source)
    elif entry.get('insecure') is not None:
        verify = not _bool(entry['insecure'], 'insecure of %s' % source)
    else:
        verify = True
    cacert = params.get('ca_cert') or entry.get('cacert')
    if verify and cacert:
        verify = os.path.expanduser(str(cacert))
    config.verify = verify
    cert = params.get('client_cert') or entry.get('cert')
    key = params.get('client_key') or entry.get('key')
    if key and not cert:
        raise ConfigError('client_key is set but client_cert is not')
    if cert:
        cert = os.path.expanduser(str(cert))
        config.cert = (cert, os.path.expanduser(str(key))) if key else cert

    timeout = params.get('api_timeout')
    if timeout is None:
        timeout = entry.get('api_timeout')
    if timeout is not None:
        try:
            timeout = float(timeout)
        except (TypeError, ValueError):
            raise ConfigError('api_timeout must be a number of seconds, got %r' % (timeout,))
        if timeout <= 0:
            raise ConfigError('api_timeout must be positive, got %r' % (timeout,))
        config.api_timeout = timeout

    cache = entry.get('cache') if isinstance(entry.get('cache'), dict) else (files.cache if files is not None else {})
    if (cache or {}).get('auth') is not None:
        config.cache_auth = _bool(cache['auth'], 'cache.auth of %s' % source)

    _validate(config, source)
    return config
