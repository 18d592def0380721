# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import json

import pytest

from ansible_collections.osimg.glance.plugins.module_utils import _config
from ansible_collections.osimg.glance.plugins.module_utils._config import (
    config_search_paths,
    normalize_auth_type,
    normalize_interface,
    resolve_cloud_config,
)
from ansible_collections.osimg.glance.plugins.module_utils._errors import ConfigError

CLOUDS = """
clouds:
  mycloud:
    auth:
      auth_url: http://cloud.test:5000/v3
      username: clouduser
      project_name: cloudproject
      user_domain_name: Default
      project_domain_name: Default
    region_name: CloudRegion
    interface: internal
    verify: false
    api_timeout: 12
    image_endpoint_override: http://images.test/v2/
  other:
    auth:
      auth_url: http://other.test/v3
      username: u2
      password: inline-pw
"""
SECURE = """
clouds:
  mycloud:
    auth:
      password: secure-pw
"""
ENV = {
    'OS_AUTH_URL': 'http://env.test:5000/v3',
    'OS_USERNAME': 'envuser',
    'OS_PASSWORD': 'env-pw',
    'OS_PROJECT_NAME': 'envproject',
    'OS_USER_DOMAIN_NAME': 'EnvDomain',
    'OS_PROJECT_DOMAIN_NAME': 'EnvDomain',
    'OS_REGION_NAME': 'EnvRegion',
    'OS_INTERFACE': 'admin',
}


@pytest.fixture(autouse=True)
def no_site_config(monkeypatch, tmp_path):
    monkeypatch.setattr(_config, 'SITE_CONFIG_DIR', str(tmp_path / 'etc-openstack'))


@pytest.fixture
def dirs(tmp_path):
    cwd = tmp_path / 'cwd'
    home = tmp_path / 'home'
    cwd.mkdir()
    (home / '.config' / 'openstack').mkdir(parents=True)
    return str(cwd), str(home), tmp_path


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def resolve(params, env=None, dirs=None):
    cwd, home, dummy = dirs
    return resolve_cloud_config(params, environ=env or {}, cwd=cwd, home=home)


@pytest.fixture
def home_clouds(dirs):
    cwd, home, tmp = dirs
    write(tmp / 'home' / '.config' / 'openstack' / 'clouds.yaml', CLOUDS)
    write(tmp / 'home' / '.config' / 'openstack' / 'secure.yaml', SECURE)
    return dirs


# -- precedence matrix ------------------------------------------------------------------------

def test_env_only(dirs):
    c = resolve({}, ENV, dirs)
    assert c.auth['auth_url'] == 'http://env.test:5000/v3'
    assert c.auth['username'] == 'envuser'
    assert c.auth['password'] == 'env-pw'
    assert c.region_name == 'EnvRegion'
    assert c.interface == 'admin'
    assert c.auth_type == 'password'
    assert c.source == 'OS_* environment variables'


def test_cloud_only_merges_secure_yaml(home_clouds):
    c = resolve({'cloud': 'mycloud'}, {}, home_clouds)
    assert c.cloud_name == 'mycloud'
    assert c.auth['username'] == 'clouduser'
    assert c.auth['password'] == 'secure-pw'
    assert c.region_name == 'CloudRegion'
    assert c.interface == 'internal'
    assert c.verify is False
    assert c.api_timeout == 12.0
    assert c.image_endpoint == 'http://images.test/v2/'


def test_cloud_beats_env_and_env_credentials_do_not_leak_into_it(home_clouds):
    c = resolve({'cloud': 'mycloud'}, ENV, home_clouds)
    assert c.auth['auth_url'] == 'http://cloud.test:5000/v3'
    assert c.auth['username'] == 'clouduser'
    assert c.auth['password'] == 'secure-pw'
    assert c.region_name == 'CloudRegion'
    assert c.interface == 'internal'
    # a key the cloud lacks is not borrowed from OS_* either (openstacksdk keeps them apart)
    env = dict(ENV, OS_PROJECT_ID='envprojectid')
    assert resolve({'cloud': 'mycloud'}, env, home_clouds).auth['project_id'] is None


def test_os_cloud_selects_the_cloud(home_clouds):
    c = resolve({}, dict(ENV, OS_CLOUD='mycloud'), home_clouds)
    assert c.cloud_name == 'mycloud'
    assert c.auth['username'] == 'clouduser'


def test_cloud_option_beats_os_cloud(home_clouds):
    c = resolve({'cloud': 'other'}, {'OS_CLOUD': 'mycloud'}, home_clouds)
    assert c.cloud_name == 'other'
    assert c.auth['password'] == 'inline-pw'


def test_options_beat_cloud(home_clouds):
    params = {'cloud': 'mycloud', 'auth': {'username': 'optuser', 'password': 'opt-pw', 'project_name': None},
              'region_name': 'OptRegion', 'interface': 'public', 'validate_certs': True, 'api_timeout': 99,
              'image_endpoint': 'http://opt.test/'}
    c = resolve(params, ENV, home_clouds)
    assert c.auth['username'] == 'optuser'
    assert c.auth['password'] == 'opt-pw'
    assert c.auth['project_name'] == 'cloudproject'  # None in the option means "not set"
    assert c.auth['auth_url'] == 'http://cloud.test:5000/v3'
    assert c.region_name == 'OptRegion'
    assert c.interface == 'public'
    assert c.verify is True
    assert c.api_timeout == 99.0
    assert c.image_endpoint == 'http://opt.test/'


def test_options_beat_env(dirs):
    c = resolve({'auth': {'password': 'opt-pw'}, 'region_name': 'OptRegion'}, ENV, dirs)
    assert c.auth['password'] == 'opt-pw'
    assert c.auth['username'] == 'envuser'
    assert c.region_name == 'OptRegion'
    assert c.interface == 'admin'


def test_options_alone(dirs):
    c = resolve({'auth': {'auth_url': 'http://o.test/v3', 'username': 'u', 'password': 'p'}}, {}, dirs)
    assert c.auth['auth_url'] == 'http://o.test/v3'
    assert c.interface == 'public' and c.verify is True and c.api_timeout == 30.0
    assert c.region_name is None and c.image_endpoint is None


def test_cloud_as_dict(dirs):
    cloud = {'auth': {'auth_url': 'http://d.test', 'username': 'u', 'password': 'p', 'project_id': 'pid'},
             'region_name': 'R', 'insecure': True, 'cacert': '/ca.pem'}
    c = resolve({'cloud': cloud}, ENV, dirs)
    assert c.auth['auth_url'] == 'http://d.test'
    assert c.auth['username'] == 'u'
    assert c.region_name == 'R'
    assert c.verify is False  # insecure wins over cacert
    assert c.source == 'the cloud option (a dict)'


def test_only_selectors_in_env_do_not_make_a_cloud(dirs):
    with pytest.raises(ConfigError, match='no OpenStack configuration found'):
        resolve({}, {'OS_REGION_NAME': 'R'}, dirs)


def test_single_cloud_is_the_default(dirs):
    cwd, home, tmp = dirs
    write(tmp / 'cwd' / 'clouds.yaml', 'clouds:\n  only:\n    auth: {auth_url: "http://x/v3", username: a, '
                                       'password: b}\n')
    c = resolve({}, {}, dirs)
    assert c.cloud_name == 'only'


# -- clouds.yaml search ------------------------------------------------------------------------

def test_search_order(dirs):
    cwd, home, tmp = dirs
    paths = config_search_paths('clouds', {'OS_CLIENT_CONFIG_FILE': '/x/c.yaml'}, cwd, home)
    assert paths[0] == '/x/c.yaml'
    assert paths[1:4] == [cwd + '/clouds.yaml', cwd + '/clouds.yml', cwd + '/clouds.json']
    assert paths[4] == home + '/.config/openstack/clouds.yaml'
    assert paths[7] == _config.SITE_CONFIG_DIR + '/clouds.yaml'
    assert config_search_paths('secure', {'OS_CLIENT_SECURE_FILE': '/x/s.yaml'}, cwd, home)[0] == '/x/s.yaml'


def test_first_file_found_wins(dirs):
    cwd, home, tmp = dirs
    write(tmp / 'home' / '.config' / 'openstack' / 'clouds.yaml', CLOUDS)
    write(tmp / 'cwd' / 'clouds.yaml', 'clouds:\n  mycloud:\n    auth: {auth_url: "http://cwd/v3", username: a, '
                                       'password: b}\n')
    assert resolve({'cloud': 'mycloud'}, {}, dirs).auth['auth_url'] == 'http://cwd/v3'
    explicit = write(tmp / 'explicit.yaml', CLOUDS)
    # the explicit file has no password and no secure.yaml exists anywhere
    with pytest.raises(ConfigError, match='needs password'):
        resolve({'cloud': 'mycloud'}, {'OS_CLIENT_CONFIG_FILE': explicit}, dirs)
    secure = write(tmp / 'home' / '.config' / 'openstack' / 'secure.yaml', SECURE)
    c = resolve({'cloud': 'mycloud'}, {'OS_CLIENT_CONFIG_FILE': explicit}, dirs)
    assert c.auth['auth_url'] == 'http://cloud.test:5000/v3'
    assert c.auth['password'] == 'secure-pw'
    assert c.config_files == [explicit, secure]


def test_site_dir_and_secure_file_override(dirs, tmp_path):
    write(tmp_path / 'etc-openstack' / 'clouds.yaml', CLOUDS)
    secure = write(tmp_path / 'sec.yaml', 'clouds:\n  mycloud:\n    auth:\n      password: from-override\n')
    c = resolve({'cloud': 'mycloud'}, {'OS_CLIENT_SECURE_FILE': secure}, dirs)
    assert c.auth['password'] == 'from-override'


def test_secure_yaml_next_to_os_client_config_file(dirs, tmp_path):
    clouds = write(tmp_path / 'state' / 'clouds.yaml', CLOUDS)
    write(tmp_path / 'state' / 'secure.yaml', SECURE)
    c = resolve({'cloud': 'mycloud'}, {'OS_CLIENT_CONFIG_FILE': clouds}, dirs)
    assert c.auth['password'] == 'secure-pw'
    paths = config_search_paths('secure', {'OS_CLIENT_CONFIG_FILE': clouds, 'OS_CLIENT_SECURE_FILE': '/s.yaml'},
                                '/cwd', '/home')
    assert paths[:3] == ['/s.yaml', str(tmp_path / 'state' / 'secure.yaml'), str(tmp_path / 'state' / 'secure.yml')]


def test_json_clouds_file(dirs):
    cwd, home, tmp = dirs
    write(tmp / 'cwd' / 'clouds.json', json.dumps({'clouds': {'j': {'auth': {
        'auth_url': 'http://j/v3', 'username': 'a', 'password': 'b'}}}}))
    assert resolve({'cloud': 'j'}, {}, dirs).auth['auth_url'] == 'http://j/v3'


def test_unknown_cloud_names_clouds_and_files(home_clouds):
    with pytest.raises(ConfigError) as err:
        resolve({'cloud': 'nope'}, {'OS_CLIENT_CONFIG_FILE': '/missing/clouds.yaml'}, home_clouds)
    msg = str(err.value)
    assert "cloud 'nope' not found" in msg
    assert 'mycloud, other' in msg
    assert '/missing/clouds.yaml' in msg
    assert '/.config/openstack/clouds.yaml' in msg


def test_unknown_cloud_without_any_file(dirs):
    with pytest.raises(ConfigError, match='no clouds are defined'):
        resolve({'cloud': 'nope'}, {}, dirs)


def test_bad_yaml(dirs):
    cwd, home, tmp = dirs
    write(tmp / 'cwd' / 'clouds.yaml', 'clouds: [unclosed')
    with pytest.raises(ConfigError, match='cannot parse'):
        resolve({'cloud': 'x'}, {}, dirs)


# A parse error right at a password: PyYAML's message quotes the lines around it.
BROKEN_AT_THE_PASSWORD = [
    ('clouds.yaml', 'clouds:\n  c:\n    auth:\n      username: u\n      password: "s3cr3t-pw-value\n      x: [\n',
     'line 7, column 1'),
    ('clouds.yaml', 'clouds:\n  c:\n    auth:\n      password: s3cr3t-pw-value: nested\n', 'line 4, column 32'),
    ('clouds.yaml', 'clouds:\n  c:\n    auth:\n      password: *s3cr3t-pw-value\n', 'line 4, column 17'),
    ('secure.yaml', 'clouds:\n  c:\n    auth:\n\tpassword: s3cr3t-pw-value\n', 'line 4, column 1'),
    ('clouds.json', '{"clouds": {"c": {"auth": {"password": "s3cr3t-pw-value" "x"}}}}', 'line 1, column 58'),
]


@pytest.mark.parametrize('name, text, place', BROKEN_AT_THE_PASSWORD)
def test_parse_errors_give_the_place_never_the_text(dirs, name, text, place):
    cwd, home, tmp = dirs
    if name == 'secure.yaml':
        write(tmp / 'cwd' / 'clouds.yaml', 'clouds:\n  c:\n    auth: {auth_url: "http://x/v3", username: u}\n')
    path = write(tmp / 'cwd' / name, text)
    with pytest.raises(ConfigError) as exc:
        resolve({'cloud': 'c'}, {}, dirs)
    message = str(exc.value)
    assert message.startswith('cannot parse %s: invalid ' % path) and place in message
    assert 's3cr3t' not in message and 'pw-value' not in message


def test_a_file_that_is_not_utf8_names_the_line_only(dirs):
    cwd, home, tmp = dirs
    (tmp / 'cwd' / 'clouds.yaml').write_bytes(b'clouds:\n  c:\n    auth:\n      password: s3cr3t\xff\n')
    with pytest.raises(ConfigError) as exc:
        resolve({'cloud': 'c'}, {}, dirs)
    assert 'is not UTF-8 text (line 4' in str(exc.value) and 's3cr3t' not in str(exc.value)


@pytest.mark.parametrize('value', [12345678, 1.5, True, ['a'], {'a': 'b'}])
def test_a_secret_that_is_not_a_string_is_refused_without_showing_it(dirs, value):
    with pytest.raises(ConfigError) as exc:
        resolve({'cloud': {'auth': {'auth_url': 'http://x/v3', 'username': 'u', 'password': value}}}, {}, dirs)
    assert 'auth.password of the cloud option (a dict) is a %s, not a string: quote it' % type(value).__name__ in str(exc.value)
    assert str(value) not in str(exc.value).replace(type(value).__name__, '')


def test_secret_values_finds_every_secret_at_any_depth_and_type():
    cloud = {'auth': {'password': 12345678, 'username': 'u'},
             'regions': [{'name': 'R1', 'values': {'auth': {'password': 'region-pw'}}},
                         {'name': 'R2', 'values': {'auth': {'token': ' padded-token\n', 'application_credential_secret': 4.5}}}],
             'password': ['list-pw', {'deep': 'dict-pw'}], 'token': None, 'secret_flag': True}
    assert sorted(_config.secret_values(cloud)) == sorted([
        '12345678', 'region-pw', ' padded-token\n', 'padded-token', '4.5', 'list-pw', 'dict-pw'])


# -- normalisation -----------------------------------------------------------------------------

@pytest.mark.parametrize('value, expected', [
    ('password', 'password'), ('v3password', 'password'), ('token', 'token'), ('v3token', 'token'),
    ('v3applicationcredential', 'v3applicationcredential'), ('none', 'none'), ('V3Password', 'password'),
])
def test_normalize_auth_type(value, expected):
    assert normalize_auth_type(value) == expected


def test_unsupported_auth_type():
    with pytest.raises(ConfigError, match='v3oidcpassword.*not supported'):
        normalize_auth_type('v3oidcpassword')


@pytest.mark.parametrize('value, expected', [
    ('public', 'public'), ('publicURL', 'public'), ('internalURL', 'internal'), ('ADMIN', 'admin'),
])
def test_normalize_interface(value, expected):
    assert normalize_interface(value) == expected


def test_bad_interface():
    with pytest.raises(ConfigError, match='interface'):
        normalize_interface('private')


@pytest.mark.parametrize('auth, expected', [
    ({'application_credential_id': 'i', 'application_credential_secret': 's'}, 'v3applicationcredential'),
    ({'application_credential_name': 'n', 'application_credential_secret': 's', 'username': 'u'},
     'v3applicationcredential'),
    ({'token': 't'}, 'token'),
    ({'token': 't', 'username': 'u', 'password': 'p'}, 'password'),
    ({'username': 'u', 'password': 'p'}, 'password'),
])
def test_auth_type_inferred(dirs, auth, expected):
    auth = dict(auth, auth_url='http://k/v3')
    assert resolve({'auth': auth}, {}, dirs).auth_type == expected


def test_env_token_and_app_credentials(dirs):
    c = resolve({}, {'OS_AUTH_URL': 'http://k/v3', 'OS_AUTH_TYPE': 'v3token', 'OS_TOKEN': 'tkn'}, dirs)
    assert c.auth_type == 'token' and c.auth['token'] == 'tkn'
    c = resolve({}, {'OS_AUTH_URL': 'http://k/v3', 'OS_APPLICATION_CREDENTIAL_ID': 'id',
                     'OS_APPLICATION_CREDENTIAL_SECRET': 'sec'}, dirs)
    assert c.auth_type == 'v3applicationcredential'
    assert c.secrets() == ['sec']


def test_env_tls_and_ids(dirs):
    env = {'OS_AUTH_URL': 'http://k/v3', 'OS_USER_ID': 'uid', 'OS_PASSWORD': 'p', 'OS_PROJECT_ID': 'pid',
           'OS_CACERT': '/ca.pem', 'OS_CERT': '/c.pem', 'OS_KEY': '/k.pem', 'OS_DOMAIN_ID': 'dom'}
    c = resolve({}, env, dirs)
    assert c.auth['user_id'] == 'uid' and c.auth['project_id'] == 'pid'
    assert c.verify == '/ca.pem'
    assert c.cert == ('/c.pem', '/k.pem')
    # with a project, OS_DOMAIN_ID defaults the user and project domains instead of scoping to a domain
    assert c.auth['domain_id'] is None
    assert c.auth['user_domain_id'] == 'dom' and c.auth['project_domain_id'] == 'dom'


def test_domain_scope_without_project(dirs):
    c = resolve({'auth': {'auth_url': 'http://k/v3', 'username': 'u', 'password': 'p', 'domain_name': 'D'}}, {}, dirs)
    assert c.auth['domain_name'] == 'D'
    assert c.auth['user_domain_name'] is None


def test_explicit_domains_are_kept(dirs):
    c = resolve({'auth': {'auth_url': 'http://k/v3', 'username': 'u', 'password': 'p', 'project_name': 'P',
                          'domain_id': 'D', 'user_domain_name': 'UD'}}, {}, dirs)
    assert c.auth['user_domain_name'] == 'UD' and c.auth['user_domain_id'] is None
    assert c.auth['project_domain_id'] == 'D'


def test_regions_list(dirs):
    cwd, home, tmp = dirs
    write(tmp / 'cwd' / 'clouds.yaml', """
clouds:
  multi:
    auth: {auth_url: "http://k/v3", username: u, password: p}
    regions:
      - name: R1
      - name: R2
        values:
          interface: internal
""")
    assert resolve({'cloud': 'multi'}, {}, dirs).region_name == 'R1'
    c = resolve({'cloud': 'multi', 'region_name': 'R2'}, {}, dirs)
    assert c.region_name == 'R2' and c.interface == 'internal'
    with pytest.raises(ConfigError, match='R1, R2'):
        resolve({'cloud': 'multi', 'region_name': 'R3'}, {}, dirs)


def test_top_level_and_legacy_auth_keys(dirs):
    cloud = {'auth_url': 'http://k/v3', 'username': 'u', 'password': 'p', 'auth': {'tenant_name': 'T'},
             'endpoint_type': 'internalURL'}
    c = resolve({'cloud': cloud}, {}, dirs)
    assert c.auth['auth_url'] == 'http://k/v3'
    assert c.auth['project_name'] == 'T'
    assert c.interface == 'internal'


@pytest.mark.parametrize('params, message', [
    ({'auth': {'username': 'u', 'password': 'p'}}, 'no auth_url'),
    ({'auth': {'auth_url': 'http://k', 'username': 'u'}}, 'needs password'),
    ({'auth': {'auth_url': 'http://k', 'password': 'p'}}, 'needs username or user_id'),
    ({'auth': {'auth_url': 'http://k'}, 'auth_type': 'token'}, 'needs token'),
    ({'auth': {'auth_url': 'http://k', 'application_credential_secret': 's'}, 'auth_type': 'v3applicationcredential'},
     'application_credential_id'),
    ({'auth': {'auth_url': 'http://k', 'application_credential_name': 'n', 'application_credential_secret': 's'}},
     'needs its user'),
    ({'auth_type': 'none', 'auth': {}}, 'needs an image endpoint'),
    ({'auth_type': 'none', 'image_endpoint': 'ftp://x'}, 'http'),
    ({'auth': {'auth_url': 'http://k', 'username': 'u', 'password': 'p'}, 'client_key': '/k'}, 'client_cert'),
    ({'auth': {'auth_url': 'http://k', 'username': 'u', 'password': 'p'}, 'api_timeout': 0}, 'positive'),
    ({'cloud': 42}, 'cloud must be'),
    ({'cloud': {'auth': {'auth_url': 'http://k', 'username': 'u', 'password': 'p'}, 'identity_api_version': 2}},
     'only Keystone v3'),
])
def test_validation_errors(dirs, params, message):
    with pytest.raises(ConfigError, match=message):
        resolve(params, {}, dirs)


def test_auth_none(dirs):
    c = resolve({'auth_type': 'none', 'image_endpoint': 'http://g:9292'}, {}, dirs)
    assert c.auth_type == 'none' and c.image_endpoint == 'http://g:9292'
    c = resolve({'auth_type': 'none', 'auth': {'endpoint': 'http://e/v2', 'token': 't'}}, {}, dirs)
    assert c.image_endpoint == 'http://e/v2'


def test_tls_options(dirs):
    base = {'auth': {'auth_url': 'http://k', 'username': 'u', 'password': 'p'}}
    assert resolve(dict(base, ca_cert='/ca'), {}, dirs).verify == '/ca'
    assert resolve(dict(base, ca_cert='/ca', validate_certs=False), {}, dirs).verify is False
    assert resolve(dict(base, client_cert='/c'), {}, dirs).cert == '/c'
    assert resolve(dict(base, client_cert='/c', client_key='/k'), {}, dirs).cert == ('/c', '/k')


def test_secrets_and_repr_hide_values(dirs):
    c = resolve({'auth': {'auth_url': 'http://k', 'username': 'u', 'password': 'pw1', 'token': 'tk1'}}, {}, dirs)
    assert sorted(c.secrets()) == ['pw1', 'tk1']
    assert 'pw1' not in repr(c) and 'tk1' not in repr(c)


def test_vendor_profile_warns(dirs):
    auth = {'auth_url': 'http://k', 'username': 'u', 'password': 'p'}
    c = resolve({'cloud': {'profile': 'vexxhost', 'auth': auth}}, {}, dirs)
    assert any('profile' in w for w in c.warnings)
