#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: glance_auth
short_description: Authenticate once with Keystone, for the other tasks of a play
version_added: 0.1.0
author: osimg.glance contributors (@osimg)
description:
  - Gets a Keystone token for the credentials of the task (O(cloud), O(auth), E(OS_*), as every module of the
    collection takes them) and returns it with its project and the Glance endpoint, so that the tasks that follow
    do not authenticate again.
  - Every task otherwise gets a token of its own, which costs Keystone a password hash (bcrypt) and Glance a token
    validation, typically 0.3 to 0.5 seconds per task. A task given a token, its project and the image endpoint
    sends nothing to Keystone, not even to check the token.
  - Pass RV(cloud) as the O(cloud) of the following tasks through C(module_defaults) (C(group/osimg.glance.glance)).
    Or, as with openstack.cloud's C(auth) module, pass RV(auth_token), RV(project_id) and RV(image_endpoint) as
    O(auth.token), O(auth.project_id) and O(image_endpoint) with O(auth_type=token).
  - The token is a secret and is returned as the result of this task, so give the task C(no_log) (the modules that
    receive it mask it, as every O(auth.token)). Whoever gets it can act as the user in its project until it expires.
  - The token expires (after one hour with Keystone's defaults; see RV(expires_at)). A later task whose token
    expired fails with 401 from Glance, then from Keystone; run this module again before that in long plays. A
    token that Glance refuses is exchanged with Keystone once before a task fails.
  - "The same saving without changing playbooks comes from C(cache: {auth: true}) in C(clouds.yaml), as openstacksdk
    reads it; see O(cloud) and the notes."
extends_documentation_fragment:
  - osimg.glance.auth
  - osimg.glance.attributes
  - osimg.glance.attributes.info
notes:
  - With O(auth_type=token), O(auth.project_id) and O(image_endpoint), a task takes the token to be scoped to that
    project without asking Keystone. Leave out O(image_endpoint) to have Keystone exchange a token for one of another
    scope.
seealso:
  - module: osimg.glance.glance_image
'''

EXAMPLES = r'''
- name: Publish a catalogue of images, authenticating once
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Get a token for the play
      osimg.glance.glance_auth:
        cloud: mycloud
      register: glance_session
      no_log: true

    - name: The image tasks use it
      module_defaults:
        group/osimg.glance.glance:
          cloud: "{{ glance_session.cloud }}"
      block:
        - name: Upload the images
          osimg.glance.glance_image:
            name: "{{ item.name }}"
            filename: "{{ item.file }}"
            disk_format: qcow2
            tags: "{{ item.tags }}"
          loop: "{{ images }}"

        - name: Share one of them
          osimg.glance.glance_image_member:
            image: debian-12
            member: 7a2c1f3b5d9e4c8a9f0b1d2e3c4a5b6d

- name: The same with openstack.cloud's names for the options
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Get a token for the play
      osimg.glance.glance_auth:
        cloud: mycloud
      register: glance_session
      no_log: true

    - name: List the images with it
      osimg.glance.glance_image_info:
        auth_type: token
        auth:
          auth_url: "{{ glance_session.auth_url }}"
          token: "{{ glance_session.auth_token }}"
          project_id: "{{ glance_session.project_id }}"
        image_endpoint: "{{ glance_session.image_endpoint }}"
'''

RETURN = r'''
auth_token:
  description: The Keystone token. A secret.
  returned: success
  type: str
project_id:
  description: The project the token is scoped to (none for a domain-scoped token).
  returned: success
  type: str
user_id:
  description: The user the token belongs to (none when it was given as a token with its project and endpoint).
  returned: success
  type: str
expires_at:
  description: When the token expires, as Keystone says it (none when it was given as a token with its project and
    endpoint).
  returned: success
  type: str
  sample: '2026-11-26T22:26:17.000000Z'
image_endpoint:
  description: The Glance endpoint of the region and interface asked for (from the service catalog, or
    O(image_endpoint)).
  returned: success
  type: str
  sample: https://image.example.com
auth_url:
  description: The Keystone URL the token came from.
  returned: success
  type: str
cloud:
  description:
    - A cloud dictionary to pass as the O(cloud) option of the other modules of the collection. It holds O(auth_type=token),
      the token, its project, the Glance endpoint, and the region, interface, TLS settings and API timeout of this
      task's cloud; with it, a task asks Keystone nothing.
  returned: success
  type: dict
  sample:
    auth_type: token
    auth:
      auth_url: https://keystone.example.com/v3
      token: gAAAAABn...
      project_id: 3a11961d7db04a9db3b204175fb862d0
    image_endpoint_override: https://image.example.com
    interface: public
    region_name: RegionOne
    api_timeout: 30.0
'''

from ansible_collections.osimg.glance.plugins.module_utils._errors import GlanceModuleError
from ansible_collections.osimg.glance.plugins.module_utils._module import GlanceModule
from ansible_collections.osimg.glance.plugins.module_utils._token_cache import token_cloud

ARGUMENT_SPEC = dict()


def run(module):
    http = module.http
    if http.auth is None:
        raise GlanceModuleError('auth_type none has no Keystone token to return; use password, token or '
                                'v3applicationcredential credentials.')
    image_endpoint = http.image_url  # authenticates, and picks the endpoint of the region and interface
    auth = http.auth
    # The token is the result of this module: whatever masks tokens in output lets this one through (the task
    # protects it with no_log); it stays masked in warnings and errors.
    module.module.no_log_values.discard(auth.token)
    return {
        'changed': False,
        'auth_token': auth.token,
        'project_id': auth.project_id,
        'user_id': auth.user_id,
        'expires_at': auth.expires_at,
        'image_endpoint': image_endpoint,
        'auth_url': module.config.auth['auth_url'],
        'cloud': token_cloud(module.config, auth.token, auth.project_id, image_endpoint),
    }


def main():
    GlanceModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True).run(run)


if __name__ == '__main__':
    main()
