# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The module base class, run for real (AnsibleModule, exit_json/fail_json) against the fake transport.

"""

import json

import pytest
from ansible.module_utils.common.parameters import PASS_VARS

from ansible_collections.osimg.glance.plugins.module_utils import _module
from ansible_collections.osimg.glance.plugins.module_utils._errors import ConfigError, Forbidden
from ansible_collections.osimg.glance.plugins.module_utils._module import AUTH_ARGSPEC, GlanceModule, scrub
from ansible_collections.osimg.glance.tests.unit.fake_glance import (
    AUTH,
    AUTH_URL,
    IMAGE_URL,
    patch_module_args,
    run_module,
)


def _main_factory(func, spec=None, **kwargs):
    def main():
        GlanceModule(spec or {}, **kwargs).run(func)
    return main


def test_argspec_names_and_secrets():
    assert sorted(AUTH_ARGSPEC) == sorted(['cloud', 'auth', 'auth_type', 'region_name', 'interface', 'image_endpoint',
                                           'validate_certs', 'ca_cert', 'client_cert', 'client_key', 'api_timeout'])
    assert AUTH_ARGSPEC['client_key']['no_log'] is False
    options = AUTH_ARGSPEC['auth']['options']
    assert [k for k, v in options.items() if v.get('no_log')] == ['password', 'token', 'application_credential_secret']
    assert AUTH_ARGSPEC['interface']['choices'] == ['public', 'internal', 'admin']
    assert AUTH_ARGSPEC['validate_certs']['aliases'] == ['verify']


def test_scrub():
    assert scrub('a pw1 b pw12', ['pw1', 'pw12']) == 'a ******** b ********'
    assert scrub(None, ['x']) is None


def test_run_exits_with_result(fake_cloud, capsys):
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE_URL + '/v2/images/x', json_body={'id': 'x'})
    main = _main_factory(lambda m: {'image': m.glance.get_image('x'), 'diff': m.diff({'a': 1}, {'a': 2})})
    rc, result = run_module(main, {'auth': AUTH}, capsys)
    assert rc == 0
    assert result['changed'] is False
    assert result['image'] == {'id': 'x'}
    assert 'diff' not in result  # not in diff mode
    rc, result = run_module(main, {'auth': AUTH, '_ansible_diff': True}, capsys)
    assert result['diff'] == {'before': {'a': 1}, 'after': {'a': 2}}


def test_api_errors_become_fail_json_with_status_url_explanation(fake_cloud, capsys):
    def func(m):
        raise Forbidden(method='PATCH', url='http://g/v2/images/x', status=403,
                        explanation='You are not authorized to complete publicize_image action.')
    rc, result = run_module(_main_factory(func), {'auth': AUTH}, capsys)
    assert rc == 1 and result['failed'] is True
    assert result['msg'] == ('403 Forbidden for PATCH http://g/v2/images/x: '
                             'You are not authorized to complete publicize_image action.')
    assert result['status'] == 403
    assert result['url'] == 'http://g/v2/images/x'
    assert result['explanation'] == 'You are not authorized to complete publicize_image action.'


def test_secrets_never_reach_the_output(fake_cloud, capsys):
    fake_cloud.add_token()

    def func(m):
        m.http.project_id
        m.warn('warning with Sup3r-Secret and cloud-pw')
        raise ConfigError('oops Sup3r-Secret, cloud-pw and tok-zzz')

    cloud = {'auth': {'auth_url': AUTH_URL, 'username': 'demo', 'password': 'cloud-pw', 'token': 'tok-zzz'}}
    args = {'cloud': cloud, 'auth': {'password': 'Sup3r-Secret'}}
    if 'inject_invocation' in PASS_VARS:
        # ansible-core 2.21 returns the invocation only when asked (INJECT_INVOCATION); earlier releases always do
        args['_ansible_inject_invocation'] = True
    rc, result = run_module(_main_factory(func), args, capsys)
    text = json.dumps(result)
    assert rc == 1
    assert 'Sup3r-Secret' not in text and 'cloud-pw' not in text and 'tok-zzz' not in text
    assert result['msg'] == 'oops ********, ******** and ********'
    # non-secret auth values are not masked (a no_log dict would mask 'demo' and 'Default' everywhere)
    assert 'demo' in text


def test_config_errors_fail_cleanly(fake_cloud, capsys):
    rc, result = run_module(_main_factory(lambda m: {'x': m.http.image_url}),
                            {'auth': {'username': 'u', 'password': 'p'}}, capsys)
    assert rc == 1
    assert 'no auth_url' in result['msg']
    assert 'status' not in result


def test_unexpected_errors_propagate(fake_cloud, capsys):
    def func(m):
        raise KeyError('bug')
    with patch_module_args({'auth': AUTH}):
        with pytest.raises(KeyError):
            _main_factory(func)()


def test_missing_requests_fails_with_missing_required_lib(fake_cloud, capsys, monkeypatch):
    monkeypatch.setattr(_module, 'HAS_REQUESTS', False)
    rc, result = run_module(_main_factory(lambda m: {}), {'auth': AUTH}, capsys)
    assert rc == 1
    assert 'requests' in result['msg'] and 'Failed to import the required Python library' in result['msg']


def test_missing_jsonpatch_fails_with_missing_required_lib(fake_cloud, capsys, monkeypatch):
    monkeypatch.setattr(_module, 'HAS_JSONPATCH', False)
    rc, result = run_module(_main_factory(lambda m: {}), {'auth': AUTH}, capsys)
    assert rc == 1
    assert 'jsonpatch' in result['msg']


def test_check_mode_and_lazy_http(fake_cloud, capsys):
    seen = {}

    def func(m):
        seen['check'] = m.check_mode
        seen['http_built'] = m._http is not None
        return {}

    rc, result = run_module(_main_factory(func), {'auth': AUTH, '_ansible_check_mode': True}, capsys)
    assert rc == 0 and seen == {'check': True, 'http_built': False}
    assert fake_cloud.requests == []


def test_module_specific_options_are_merged(fake_cloud, capsys):
    main = _main_factory(lambda m: {'name': m.params['name'], 'interface': m.params['interface']},
                         spec={'name': dict(type='str', required=True)})
    rc, result = run_module(main, {'auth': AUTH, 'name': 'x'}, capsys)
    assert result['name'] == 'x'
    assert result['interface'] is None  # no argspec default: the cloud config decides, then 'public'
