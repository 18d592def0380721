# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  cloud:
    description:
      - The cloud to use, either the name of a cloud in C(clouds.yaml), or a dictionary with the same
        content as one C(clouds.yaml) entry (C(auth), C(auth_type), C(region_name), C(interface),
        C(verify), C(cacert), C(image_endpoint_override), and so on).
      - When not set, E(OS_CLOUD) names the cloud. When neither is set, the E(OS_*) variables form the cloud
        (E(OS_AUTH_URL), E(OS_USERNAME), E(OS_PASSWORD), E(OS_PROJECT_NAME), ...), as openstacksdk does. Without
        any of these, the only cloud of C(clouds.yaml) is used if it defines exactly one.
      - C(clouds.yaml) is the first file found of E(OS_CLIENT_CONFIG_FILE), C(./clouds.yaml),
        C(~/.config/openstack/clouds.yaml) and C(/etc/openstack/clouds.yaml) (each also as C(.yml) or C(.json)).
        It is merged with the first C(secure.yaml) found in E(OS_CLIENT_SECURE_FILE), next to
        E(OS_CLIENT_CONFIG_FILE), and in the same directories, so passwords can live in a separate file.
      - Precedence is module options, then the selected cloud, then E(OS_*) variables. Like openstacksdk,
        E(OS_*) credentials are not mixed into a cloud named by O(cloud) or E(OS_CLOUD).
      - An unknown cloud name fails with the names that exist and the files searched.
      - "C(cache: {auth: true}) at the top of C(clouds.yaml) (as openstacksdk reads it) or C(secure.yaml), or in the
        cloud's entry (also in a cloud given as a dict), keeps the token Keystone issues between module runs, so a
        play authenticates once instead of once per task (each token costs Keystone a password hash, typically 0.3
        to 0.5 seconds). See the notes for where and how the token is kept, and the risk."
    type: raw
  auth:
    description:
      - Keystone credentials and scope, laid key by key over the ones of the cloud.
      - A user or project given by name without a domain is looked up in the domain with id V(default)
        (or O(auth.default_domain_id)), as python-openstackclient does.
    type: dict
    suboptions:
      auth_url:
        description:
          - Keystone URL. It may end with C(/v3) or have no version; only Keystone v3 is supported.
        type: str
      username:
        description: User name (with O(auth.user_domain_name) or O(auth.user_domain_id)).
        type: str
      user_id:
        description: User id, instead of O(auth.username).
        type: str
      password:
        description: Password for O(auth_type=password).
        type: str
      user_domain_name:
        description: Domain of O(auth.username), by name.
        type: str
      user_domain_id:
        description: Domain of O(auth.username), by id.
        type: str
      project_name:
        description: Project to scope the token to, by name (with its domain).
        type: str
      project_id:
        description: Project to scope the token to, by id.
        type: str
      project_domain_name:
        description: Domain of O(auth.project_name), by name.
        type: str
      project_domain_id:
        description: Domain of O(auth.project_name), by id.
        type: str
      domain_name:
        description:
          - With a project, the default of both the user and the project domain (by name).
          - Without a project, the domain to scope the token to.
        type: str
      domain_id:
        description:
          - With a project, the default of both the user and the project domain (by id).
          - Without a project, the domain to scope the token to.
        type: str
      default_domain_id:
        description: Domain used when a user or project name comes without one. V(default) when not set.
        type: str
      default_domain_name:
        description: Like O(auth.default_domain_id), by name.
        type: str
      token:
        description: An existing Keystone token, for O(auth_type=token) or O(auth_type=none).
        type: str
      application_credential_id:
        description: Application credential id, for O(auth_type=v3applicationcredential).
        type: str
      application_credential_name:
        description: Application credential name, with the user that owns it.
        type: str
      application_credential_secret:
        description: Application credential secret.
        type: str
      endpoint:
        description: With O(auth_type=none), the image endpoint when O(image_endpoint) is not set.
        type: str
  auth_type:
    description:
      - How to authenticate with Keystone v3.
      - V(password) (or V(v3password)) uses a user name or id and password.
      - V(token) (or V(v3token)) uses an existing token from O(auth.token). Without a project or domain
        in O(auth), the token is used as it is, with its own scope; with one, it is exchanged for a token
        of that scope.
      - V(v3applicationcredential) uses O(auth.application_credential_id), or O(auth.application_credential_name)
        with the user, and O(auth.application_credential_secret). The credential carries its own project.
      - V(none) skips Keystone altogether and needs O(image_endpoint) (or C(image_endpoint_override));
        O(auth.token), if given, is sent as it is.
      - When not set here or in the cloud, the type follows from the credentials given (an application
        credential, else a token without a password, else V(password)).
    type: str
  region_name:
    description:
      - Region whose image endpoint is taken from the service catalog.
      - When not set, the region of the cloud, else the first image endpoint of the catalog.
      - A region without an image endpoint fails with the names of the regions that have one.
    type: str
  interface:
    description:
      - Which catalog endpoint of the image service to use.
      - When not set here, in the cloud (C(interface)) or in E(OS_INTERFACE), V(public) is used.
    type: str
    choices: [public, internal, admin]
    aliases: [endpoint_type]
  image_endpoint:
    description:
      - A fixed URL for the Glance API instead of the one in the service catalog, for example
        V(https://image.example.com) or V(https://cloud.example.com/image/v2). A trailing C(/v2) is ignored.
      - The C(clouds.yaml) key C(image_endpoint_override) does the same. Required with O(auth_type=none).
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificates of Keystone and Glance.
      - When not set here nor in the cloud (C(verify), or C(insecure)), certificates are verified.
      - V(false) is never overridden by E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE).
    type: bool
    aliases: [verify]
  ca_cert:
    description:
      - A CA bundle to verify TLS certificates with. Also C(cacert) in the cloud or E(OS_CACERT).
      - It wins over E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE), which apply only when no CA bundle is set and
        certificates are verified.
    type: path
    aliases: [cacert]
  client_cert:
    description:
      - A client certificate for TLS client authentication. Also C(cert) in the cloud or E(OS_CERT).
    type: path
    aliases: [cert]
  client_key:
    description:
      - The private key of O(client_cert), if it is not in the same file. Also C(key) in the cloud or E(OS_KEY).
    type: path
    aliases: [key]
  api_timeout:
    description:
      - Seconds to wait for a connection and for each answer (or each piece of a download).
      - When not set here nor in the cloud, V(30).
    type: int
requirements:
  - requests
  - jsonpatch
notes:
  - A module run gets one Keystone token, then sends only the requests it needs. It re-authenticates once
    if Glance answers 401.
  - Reads, V(PUT), V(DELETE) and V(PATCH) are retried with exponential backoff on connection errors and
    on 429, 502, 503 and 504 answers, honouring C(Retry-After). Other V(POST) requests and streamed uploads
    are never resent.
  - Passwords, tokens and application credential secrets are kept out of the output and error messages,
    including ones read from C(clouds.yaml) and C(secure.yaml), secrets nested in a O(cloud) dict (C(regions)) or
    given as numbers, and every token Keystone issues, from the moment it is known. A parse error in C(clouds.yaml)
    or C(secure.yaml) is reported with its line and column only, never the text around it. A token with spaces,
    line breaks or control characters (a trailing newline from a file lookup) is refused before any request,
    without showing it.
  - Credentials never leave the origin (scheme, host and port) they are meant for. A redirect is followed only
    for V(GET) and V(HEAD) requests, only within the origin of the request, and at most 5 times in a row. Any
    other redirect (to another host, port or scheme; of a V(POST), V(PUT), V(PATCH) or V(DELETE), such as the
    Keystone token request or an upload) fails the task with a message that says where it pointed and why. If the
    cloud moved, set O(auth.auth_url) or O(image_endpoint) to its new address.
  - Listings follow C(next) links only within the origin of the endpoint, and at most 1000 pages (25,000 images at
    Glance's default page size; a limit asks for pages of up to 1000). A listing that still has a next page after
    1000 pages, or whose next page lists only images already listed, fails (narrow it with filters, or set a limit).
  - Answers are read within bounds. An error body is read up to 64 KiB; a success answer larger than 64 MiB, or
    one that is not a JSON object, fails the task with a message that says so. Image data is streamed.
  - Proxy variables (E(HTTPS_PROXY), E(NO_PROXY), ...) apply as in requests.
  - With O(auth_type=token), O(auth.token), O(auth.project_id) and O(image_endpoint) (what
    M(osimg.glance.glance_auth) returns), a module run sends nothing to Keystone; the token is taken to be scoped to
    that project.
  - "With C(cache: {auth: true}), the token of password and application credential auth is kept in
    C($XDG_CACHE_HOME/osimg.glance/tokens/) (by default C(~/.cache/osimg.glance/tokens/)) on the host that runs the
    module, in a file of mode 0600 in a directory of mode 0700, used only while both belong to that user and are
    closed to others. The file holds the token, its expiry, project, user, roles and service catalog, never the
    password or secret; its name is a salted, slow hash of the auth parameters and the secret, so other credentials
    never find it. A token is reused until 10 minutes before it expires; a token Glance refuses (401) is deleted
    and a new one requested. The risk: whoever can read that file (the user, or root) can act as the user in its
    project until the token expires, without the password. Delete the directory to forget every token."
'''
