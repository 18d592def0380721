"""Talking to the local cloud directly (requests): the bench's own setup, bookkeeping and clean-up.

Nothing here is timed. The bench runs as its own Keystone project and user (`osimg-bench`), so the
2,000 listing images and the uploads never show up in the demo/alt projects that the integration
tests of other engineers use at the same time.
"""

import json
import os
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

BENCH_PROJECT = 'osimg-bench'
BENCH_USER = 'osimg-bench'
NAME_PREFIX = 'osimg-bench-'          # every image the bench uploads is named like this
LIST_TAG = 'osimg-bench-list'         # every listing image carries this tag


class Cloud:
    """The local cloud as described by .local-cloud/cloud.json, plus the bench's own project and user."""

    def __init__(self, state_dir, work_dir, project=BENCH_PROJECT):
        # The project and the user of the bench share one name (another name: another project and user).
        self.project_name = project
        self.state_dir = state_dir
        self.work_dir = work_dir
        with open(os.path.join(state_dir, 'cloud.json')) as f:
            self.info = json.load(f)
        self.keystone_url = self.info['keystone_url'].rstrip('/')
        self.glance_url = self.info['glance_url'].rstrip('/')
        self.region = self.info.get('region', 'RegionOne')
        self._local = threading.local()
        self.user = None  # dict: username, password, project_name, project_id
        self._token = None

    # -- tokens ---------------------------------------------------------------------------
    def _password_token(self, username, password, project_name):
        body = {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': username, 'domain': {'name': 'Default'}, 'password': password}}},
            'scope': {'project': {'name': project_name, 'domain': {'name': 'Default'}}},
        }}
        resp = requests.post(self.keystone_url + '/auth/tokens', json=body, timeout=60)
        resp.raise_for_status()
        return resp.headers['X-Subject-Token'], resp.json()['token']

    def admin_token(self):
        admin = self.info['users']['admin']
        return self._password_token(admin['username'], admin['password'], admin['project_name'])[0]

    def token(self, refresh=False):
        """A token of the bench user (cached; Keystone tokens live an hour)."""
        if self._token is None or refresh:
            self._token = self._password_token(self.user['username'], self.user['password'],
                                               self.user['project_name'])[0]
        return self._token

    # -- the bench project and user ---------------------------------------------------------
    def ensure_bench_user(self):
        """Create (once) project + user osimg-bench with role member; the password is kept in the work dir."""
        secret_file = os.path.join(self.work_dir, 'bench-user.json')
        if os.path.exists(secret_file):
            with open(secret_file) as f:
                self.user = json.load(f)
            try:
                self.token(refresh=True)
                return self.user
            except requests.HTTPError:
                pass  # the cloud was purged and rebuilt: create again
        token = self.admin_token()
        h = {'X-Auth-Token': token}
        ks = self.keystone_url

        def get_one(kind, name):
            r = requests.get('%s/%s' % (ks, kind), params={'name': name}, headers=h, timeout=60)
            r.raise_for_status()
            items = r.json()[kind]
            return items[0] if items else None

        project = get_one('projects', self.project_name)
        if project is None:
            r = requests.post(ks + '/projects', headers=h, timeout=60, json={'project': {
                'name': self.project_name, 'domain_id': 'default',
                'description': 'osimg.glance benchmarks (bench/run.py)'}})
            r.raise_for_status()
            project = r.json()['project']
        password = secrets.token_urlsafe(18)
        user = get_one('users', self.project_name)
        if user is None:
            r = requests.post(ks + '/users', headers=h, timeout=60, json={'user': {
                'name': self.project_name, 'domain_id': 'default', 'password': password,
                'default_project_id': project['id']}})
            r.raise_for_status()
            user = r.json()['user']
        else:
            r = requests.patch('%s/users/%s' % (ks, user['id']), headers=h, timeout=60,
                               json={'user': {'password': password}})
            r.raise_for_status()
        role = get_one('roles', 'member')
        r = requests.put('%s/projects/%s/users/%s/roles/%s' % (ks, project['id'], user['id'], role['id']),
                         headers=h, timeout=60)
        r.raise_for_status()
        self.user = {'username': self.project_name, 'password': password, 'project_name': self.project_name,
                     'project_id': project['id'], 'user_id': user['id']}
        os.makedirs(self.work_dir, exist_ok=True)
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            json.dump(self.user, f)
        self.token(refresh=True)
        return self.user

    def write_clouds_yaml(self, path, name='bench', auth_url=None, cache_auth=False):
        """clouds.yaml (JSON is YAML) for the bench user; read by both Ansible collections and the SDK.

        cache_auth writes openstacksdk's top-level ``cache: {auth: true}``: osimg.glance then keeps the token
        between tasks (openstacksdk would too, with the keyring library, which the bench venv does not have).
        """
        cfg = {'clouds': {name: {
            'auth': {'auth_url': auth_url or self.keystone_url, 'username': self.user['username'],
                     'password': self.user['password'], 'project_name': self.user['project_name'],
                     'user_domain_name': 'Default', 'project_domain_name': 'Default'},
            'region_name': self.region, 'interface': 'public', 'identity_api_version': 3,
        }}}
        if cache_auth:
            cfg['cache'] = {'auth': True}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            json.dump(cfg, f, indent=2)
        return path

    def os_env(self):
        """OS_* variables for python-glanceclient's CLI."""
        return {
            'OS_AUTH_URL': self.keystone_url, 'OS_USERNAME': self.user['username'],
            'OS_PASSWORD': self.user['password'], 'OS_PROJECT_NAME': self.user['project_name'],
            'OS_USER_DOMAIN_NAME': 'Default', 'OS_PROJECT_DOMAIN_NAME': 'Default',
            'OS_REGION_NAME': self.region, 'OS_IDENTITY_API_VERSION': '3', 'OS_IMAGE_API_VERSION': '2',
            'OS_INTERFACE': 'public',
        }

    def wait_healthy(self, timeout=300):
        """Wait until Keystone and Glance answer again (after a restart by someone else)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if (requests.get(self.keystone_url, timeout=10).status_code == 200
                        and requests.get(self.glance_url + '/healthcheck', timeout=10).status_code == 200):
                    self._local.session = None
                    self._token = None
                    return True
            except requests.RequestException:
                pass
            time.sleep(2)
        return False

    # -- Glance ---------------------------------------------------------------------------
    def _session(self):
        s = getattr(self._local, 'session', None)
        if s is None:
            s = self._local.session = requests.Session()
        return s

    def _req(self, method, path, ok=(200,), **kw):
        """One request; a dropped kept-alive connection (uwsgi closes idle ones) is retried on a new one.

        Only replayable requests come here: uploads pass a file object, which is rewound first.
        """
        headers = dict(kw.pop('headers', None) or {})
        data = kw.get('data')
        for attempt in range(1, 7):
            headers['X-Auth-Token'] = self.token()
            if hasattr(data, 'seek'):
                data.seek(0)
            try:
                resp = self._session().request(method, self.glance_url + path, headers=headers, timeout=600, **kw)
            except requests.ConnectionError:
                self._local.session = None
                if attempt == 6:
                    raise
                if attempt >= 2:
                    self.wait_healthy()  # someone is restarting the shared cloud
                continue
            if resp.status_code == 401 and attempt == 1:
                self.token(refresh=True)
                continue
            if resp.status_code in (500, 503) and attempt < 6 and data is None:
                # Glance on SQLite answers 500 "database is locked" when writers collide: back off, retry.
                time.sleep(min(0.5 * 2 ** attempt, 8))
                continue
            if resp.status_code == 409 and method == 'POST' and attempt > 1 and (kw.get('json') or {}).get('id'):
                return self._req('GET', '/v2/images/%s' % kw['json']['id'])  # the first attempt got through
            if resp.status_code not in ok:
                raise RuntimeError('%s %s: %s %s' % (method, path, resp.status_code, resp.text[:300]))
            return resp

    def create_image(self, **body):
        body.setdefault('id', str(uuid.uuid4()))  # a resent POST cannot create a second image
        resp = self._req('POST', '/v2/images', ok=(201,), json=body)
        return resp.json()

    def upload(self, image_id, path):
        with open(path, 'rb') as f:
            self._req('PUT', '/v2/images/%s/file' % image_id, ok=(204,), data=f,
                      headers={'Content-Type': 'application/octet-stream'})

    def get_image(self, image_id):
        return self._req('GET', '/v2/images/%s' % image_id).json()

    def delete_image(self, image_id):
        try:
            self._req('DELETE', '/v2/images/%s' % image_id, ok=(204, 404))
        except RuntimeError as e:
            # A retried DELETE whose first attempt got through, or a half-deleted image (see cleanup).
            if 'from deleted to deleted' not in str(e):
                raise

    def list_images(self, **params):
        params.setdefault('limit', 1000)
        images, path = [], '/v2/images'
        while True:
            page = self._req('GET', path, params=params).json()
            images.extend(page['images'])
            if not page.get('next') or not page['images']:
                return images
            path, params = page['next'], None

    def own_images(self):
        return self.list_images(owner=self.user['project_id'])

    def find_by_name(self, name):
        return self.list_images(name=name, owner=self.user['project_id'])

    def list_members(self, image_id):
        return self._req('GET', '/v2/images/%s/members' % image_id).json().get('members') or []

    def delete_many(self, ids, threads=1):
        """One at a time by default: Glance on SQLite turns concurrent writes into 500s, and a DELETE that
        fails half-way leaves an image in status "deleted" that can never be deleted again."""
        ids = list(ids)
        if not ids:
            return 0
        if threads == 1:
            for image_id in ids:
                self.delete_image(image_id)
        else:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(self.delete_image, ids))
        return len(ids)

    def cleanup(self, keep_listing=False):
        """Delete every image of the bench project named osimg-bench-* (and the listing set unless kept)."""
        doomed = []
        for image in self.own_images():
            name = image.get('name') or ''
            if image.get('status') == 'deleted':
                continue  # half-deleted by a failed SQLite write in Glance: the API cannot delete it again
            if LIST_TAG in (image.get('tags') or []) or name.startswith('bench-list-'):
                if not keep_listing:
                    doomed.append(image['id'])
            elif name.startswith(NAME_PREFIX):
                doomed.append(image['id'])
        return self.delete_many(doomed)
