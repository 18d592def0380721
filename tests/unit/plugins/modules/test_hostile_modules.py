# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Modules run for real (AnsibleModule, the HTTP client, requests) against the hostile server of
tests/servers/hostile_server.py on loopback: secrets stay masked in results, errors and the invocation log, and broken
answers fail the task with a message, never a traceback."""

import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.parameters import PASS_VARS

from ansible_collections.osimg.glance.plugins.modules import glance_image, glance_image_download, glance_image_info
from ansible_collections.osimg.glance.tests.servers.hostile_server import IMAGE_ID, HostileCloud
from ansible_collections.osimg.glance.tests.unit.fake_glance import run_module


@pytest.fixture(scope='module')
def hostile():
    server = HostileCloud().start_in_thread()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean(hostile, monkeypatch):
    hostile.reset()
    for var in list(os.environ):
        if var.startswith('OS_'):
            monkeypatch.delenv(var)


@pytest.fixture
def logged(monkeypatch):
    """What the modules log to syslog/journald (AnsibleModule.log), first of all the invocation."""
    lines = []
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: lines.append(msg))
    return lines


def auth(hostile, scenario='ok', **extra):
    return dict({'auth_url': hostile.auth_url(scenario), 'username': 'demo', 'password': hostile.password,
                 'project_name': 'demo'}, **extra)


def everything(result, logged):
    return json.dumps(result) + '\n'.join(logged)


# -- secrets ----------------------------------------------------------------------------------------

def test_a_password_given_as_a_number_is_masked_everywhere(hostile, capsys, logged):
    cloud = {'auth': {'auth_url': hostile.auth_url(), 'username': 'demo', 'password': 87654321}}
    args = {'cloud': cloud}
    if 'inject_invocation' in PASS_VARS:  # ansible-core 2.21 returns the invocation only when asked
        args['_ansible_inject_invocation'] = True
    rc, result = run_module(glance_image_info.main, args, capsys)
    assert rc == 1 and 'auth.password of the cloud option (a dict) is a int, not a string' in result['msg']
    assert '87654321' not in everything(result, logged)
    assert result['invocation']['module_args']['cloud']['auth']['password'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert hostile.state()['received'] == []


def test_secrets_nested_in_regions_are_masked_everywhere(hostile, capsys, logged):
    cloud = {'auth': {'auth_url': hostile.auth_url('token-401-echo'), 'username': 'demo', 'password': 'top-pw-4f1c'},
             'regions': [{'name': 'R1', 'values': {'auth': {'password': 'r1-pw-9a2b'}}},
                         {'name': 'R2', 'values': {'auth': {'password': 'r2-pw-7c3d', 'token': 'r2-token-5e4f'}}}]}
    rc, result = run_module(glance_image_info.main, {'cloud': cloud, 'region_name': 'R1'}, capsys)
    assert rc == 1 and result['status'] == 401
    assert 'Invalid credentials in' in result['msg'] and '"password": "********"' in result['msg']  # Keystone echoed it
    text = everything(result, logged)
    assert logged and logged[0].startswith('Invoked with')
    for secret in ('top-pw-4f1c', 'r1-pw-9a2b', 'r2-pw-7c3d', 'r2-token-5e4f'):
        assert secret not in text, secret


def test_a_token_keystone_issued_is_masked_when_glance_echoes_it(hostile, capsys, logged):
    rc, result = run_module(glance_image_info.main, {'auth': auth(hostile, 'echo-token')}, capsys)
    token = hostile.state()['tokens'][-1]
    assert rc == 1 and result['status'] == 500
    assert 'X-Auth-Token: ********' in result['msg'] and 'X-Auth-Token: ********' in result['explanation']
    assert token not in everything(result, logged)


def test_a_given_token_is_masked_when_glance_echoes_it(hostile, capsys, logged):
    token = hostile.issue_token()
    args = {'auth_type': 'none', 'image_endpoint': hostile.image_url('echo-token'), 'auth': {'token': token}}
    rc, result = run_module(glance_image_info.main, args, capsys)
    assert rc == 1 and 'X-Auth-Token: ********' in result['msg']
    assert token not in everything(result, logged)


@pytest.mark.parametrize('token', ['tok-nl-3c1d9e\n', 'tok-nl-3c1d9e\r\n', 'tok-nl-3c1d9e '])
def test_a_token_with_a_trailing_newline_is_refused_without_showing_it(hostile, capsys, logged, token):
    args = {'auth_type': 'none', 'image_endpoint': hostile.image_url(), 'auth': {'token': token}}
    rc, result = run_module(glance_image_info.main, args, capsys)
    assert rc == 1 and 'not a usable token' in result['msg'] and 'exception' not in result
    assert 'tok-nl-3c1d9e' not in everything(result, logged)
    assert hostile.state()['received'] == []


def test_a_token_keystone_issues_with_a_control_character_is_refused(hostile, capsys, logged):
    rc, result = run_module(glance_image_info.main, {'auth': auth(hostile, 'token-malformed')}, capsys)
    token = hostile.state()['tokens'][-1]
    assert rc == 1 and 'Keystone answered with a token that has spaces or control characters' in result['msg']
    assert token[10:] not in everything(result, logged)


# -- redirects and links, as a user meets them -------------------------------------------------------

def test_a_redirected_token_request_fails_the_task_and_sends_nothing_elsewhere(hostile, capsys, logged):
    rc, result = run_module(glance_image_info.main, {'auth': auth(hostile, 'token-redirect-cross')}, capsys)
    assert rc == 1 and result['status'] == 307 and result['method'] == 'POST'
    assert 'redirect to another origin, %s, refused' % hostile.elsewhere_url in result['msg']
    assert hostile.state()['elsewhere'] == []
    assert hostile.password not in everything(result, logged)


def test_a_redirected_patch_fails_the_task_and_sends_nothing_elsewhere(hostile, capsys):
    args = {'auth': auth(hostile, 'patch-redirect-cross'), 'id': IMAGE_ID, 'name': 'hostile-image',
            'properties': {'purpose': 'changed'}}
    rc, result = run_module(glance_image.main, args, capsys)
    assert rc == 1 and result['method'] == 'PATCH' and 'redirect to another origin' in result['msg'], result
    assert hostile.state()['elsewhere'] == []


def test_an_absolute_next_link_fails_the_task(hostile, capsys):
    rc, result = run_module(glance_image_info.main, {'auth': auth(hostile, 'next-absolute')}, capsys)
    assert rc == 1 and 'the next link points to another origin, %s' % hostile.elsewhere_url in result['msg']
    assert hostile.state()['elsewhere'] == []


# -- broken answers -----------------------------------------------------------------------------------

@pytest.mark.parametrize('scenario, message', [
    ('invalid-json', 'which is not JSON'),
    ('json-not-object', 'a JSON list where a JSON object was expected'),
])
def test_an_answer_that_is_no_json_object_fails_without_a_traceback(hostile, capsys, scenario, message):
    rc, result = run_module(glance_image_info.main, {'auth': auth(hostile, scenario), 'image': IMAGE_ID}, capsys)
    assert rc == 1 and message in result['msg'] and 'exception' not in result, result


def test_a_download_longer_than_the_image_stops_and_renames_nothing(hostile, capsys, tmp_path):
    dest = tmp_path / 'image.raw'
    args = {'auth': auth(hostile, 'download-oversized'), 'image': IMAGE_ID, 'dest': str(dest)}
    rc, result = run_module(glance_image_download.main, args, capsys)
    assert rc == 1 and 'Glance sent more data than the size of image %s' % IMAGE_ID in result['msg']
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('password', ['back\\slash-pw-61d2', 'quote\'"-pw-61d2', 'new\nline-pw-61d2'])
def test_a_password_with_characters_python_escapes_stays_out_of_the_invocation_log(hostile, capsys, logged, password):
    rc, result = run_module(glance_image_info.main, {'auth': dict(auth(hostile), password=password)}, capsys)
    assert rc == 1 and result['status'] == 401
    text = everything(result, logged)
    assert password not in text and repr(password)[1:-1] not in text and '61d2' not in text
