# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""glance_auth: one token for a play; the tasks given it send nothing to Keystone."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.osimg.glance.plugins.modules import glance_auth
from ansible_collections.osimg.glance.tests.unit.fake_glance import (
    AUTH,
    AUTH_URL,
    IMAGE_URL,
    PROJECT_ID,
    TOKEN,
    USER_ID,
    active_image,
    lookup_returns,
    run_image_module,
    run_module,
    writes,
)


def keystone_requests(transport):
    return [r for r in transport.requests if r.url.startswith(AUTH_URL)]


def get_session(fake_cloud, capsys, **args):
    fake_cloud.add_token()
    rc, result = run_module(glance_auth.main, dict({'auth': AUTH}, **args), capsys)
    assert rc == 0, result
    return result


def test_returns_the_token_its_project_and_the_endpoint(fake_cloud, capsys):
    result = get_session(fake_cloud, capsys)
    assert result['changed'] is False
    assert result['auth_token'] == TOKEN
    assert result['project_id'] == PROJECT_ID and result['user_id'] == USER_ID
    assert result['expires_at'] == '2099-01-01T00:00:00.000000Z'
    assert result['image_endpoint'] == IMAGE_URL
    assert result['auth_url'] == AUTH_URL
    assert result['cloud'] == {'auth_type': 'token',
                               'auth': {'auth_url': AUTH_URL, 'token': TOKEN, 'project_id': PROJECT_ID},
                               'image_endpoint_override': IMAGE_URL, 'interface': 'public', 'api_timeout': 30.0}
    assert len(fake_cloud.requests) == 1  # the token request, nothing from Glance


def test_the_password_never_appears_in_the_result(fake_cloud, capsys):
    result = get_session(fake_cloud, capsys)
    assert AUTH['password'] not in repr(result)


def test_the_cloud_keeps_region_interface_and_tls_settings(fake_cloud, capsys, tmp_path):
    ca = tmp_path / 'ca.pem'
    ca.write_text('x')
    result = get_session(fake_cloud, capsys, region_name='RegionOne', interface='internal', ca_cert=str(ca),
                         api_timeout=12)
    cloud = result['cloud']
    assert cloud['region_name'] == 'RegionOne' and cloud['interface'] == 'internal'
    assert cloud['cacert'] == str(ca) and cloud['api_timeout'] == 12.0
    result = get_session(fake_cloud, capsys, validate_certs=False)
    assert result['cloud']['verify'] is False


def test_works_in_check_mode(fake_cloud, capsys):
    result = get_session(fake_cloud, capsys, _ansible_check_mode=True)
    assert result['auth_token'] == TOKEN


def test_a_task_given_the_cloud_asks_keystone_nothing(fake_cloud, capsys, image_file):
    session = get_session(fake_cloud, capsys)
    before = len(fake_cloud.requests)
    lookup_returns(fake_cloud, active_image())
    rc, result = run_image_module({'cloud': session['cloud'], 'auth': None, 'name': 'cirros', 'filename': image_file,
                                   'disk_format': 'qcow2'}, capsys)
    assert rc == 0, result
    assert result['changed'] is False
    sent = fake_cloud.requests[before:]
    assert [(r.method, r.path_url.split('?')[0]) for r in sent] == [('GET', '/v2/images')]
    assert sent[0].headers['X-Auth-Token'] == TOKEN
    assert 'owner=' not in sent[0].path_url or PROJECT_ID in sent[0].path_url
    assert keystone_requests(fake_cloud)[before:] == [] and writes(fake_cloud) == []


def test_a_task_given_openstack_cloud_style_options_asks_keystone_nothing(fake_cloud, capsys):
    session = get_session(fake_cloud, capsys)
    before = len(fake_cloud.requests)
    lookup_returns(fake_cloud, active_image())
    rc, result = run_image_module({'auth_type': 'token', 'image_endpoint': session['image_endpoint'],
                                   'auth': {'auth_url': session['auth_url'], 'token': session['auth_token'],
                                            'project_id': session['project_id']},
                                   'name': 'cirros', 'min_ram': 0}, capsys)
    assert rc == 0, result
    assert len(fake_cloud.requests) - before == 1


def test_the_token_given_to_a_task_is_masked_in_its_output(fake_cloud, capsys):
    session = get_session(fake_cloud, capsys)
    fake_cloud.add('GET', IMAGE_URL + '/v2/images', status=403,
                   json_body={'message': 'token %s is not allowed' % TOKEN})
    rc, result = run_image_module({'cloud': session['cloud'], 'auth': None, 'name': 'cirros'}, capsys)
    assert rc == 1
    assert TOKEN not in repr(result)


def test_auth_type_none_has_no_token_to_return(fake_cloud, capsys):
    rc, result = run_module(glance_auth.main, {'auth_type': 'none', 'image_endpoint': IMAGE_URL}, capsys)
    assert rc == 1
    assert 'auth_type none' in result['msg']
    assert fake_cloud.requests == []
