# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Secrets: every secret-looking option of every module is no_log, and secrets given inside a cloud dict never reach
the module's invocation log (syslog/journald) or its result."""

import importlib
import json
import os
import re

import pytest

from ansible.module_utils import basic

from ansible_collections.osimg.glance.plugins.module_utils import _module
from ansible_collections.osimg.glance.tests.unit.fake_glance import AUTH_URL, IMAGE_URL, run_module

MODULES_DIR = os.path.join(os.path.dirname(_module.__file__), '..', 'modules')
MODULES = sorted(name[:-3] for name in os.listdir(MODULES_DIR) if name.endswith('.py') and not name.startswith('_'))
SECRET_NAME = re.compile(r'(pass|secret|token|private|(^|_)key$)', re.IGNORECASE)
SECRETS = ('password', 'token', 'application_credential_secret')


class Captured(Exception):
    pass


def argument_spec_of(name, monkeypatch):
    """The full argument spec a module hands to AnsibleModule (shared auth options included)."""
    seen = {}

    def fake(**kwargs):
        seen.update(kwargs)
        raise Captured()

    monkeypatch.setattr(_module, '_SecretAwareModule', fake)
    module = importlib.import_module('ansible_collections.osimg.glance.plugins.modules.%s' % name)
    with pytest.raises(Captured):
        module.main()
    return seen['argument_spec']


def options(spec, prefix=''):
    for name, option in spec.items():
        yield prefix + name, name, option
        yield from options(option.get('options') or {}, prefix + name + '.')


@pytest.mark.parametrize('name', MODULES)
def test_every_secret_looking_option_says_no_log(name, monkeypatch):
    assert len(MODULES) >= 8
    undecided = []
    secrets = []
    for path, short, option in options(argument_spec_of(name, monkeypatch)):
        if SECRET_NAME.search(short) and 'no_log' not in option:
            undecided.append(path)
        if short in SECRETS:
            secrets.append((path, option.get('no_log')))
    assert undecided == []
    assert secrets and all(no_log is True for dummy, no_log in secrets), secrets


def test_secrets_in_a_cloud_dict_never_reach_the_invocation_log(fake_cloud, capsys, monkeypatch):
    from ansible_collections.osimg.glance.plugins.modules import glance_image_info
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: logged.append(msg))
    fake_cloud.add_token()
    fake_cloud.add('GET', IMAGE_URL + '/v2/images', json_body={'images': []})
    cloud = {'auth': {'auth_url': AUTH_URL, 'username': 'demo', 'password': 'cloud-dict-pw', 'project_name': 'demo',
                      'application_credential_secret': 'cloud-dict-secret'}}
    rc, result = run_module(glance_image_info.main, {'cloud': cloud, 'auth': {'token': 'auth-token-value'},
                                                     'auth_type': 'password'}, capsys)
    text = json.dumps(result) + '\n'.join(logged)
    assert logged and logged[0].startswith('Invoked with')
    assert 'demo' in logged[0]  # the invocation is logged, only the secrets are masked
    for secret in ('cloud-dict-pw', 'cloud-dict-secret', 'auth-token-value'):
        assert secret not in text
