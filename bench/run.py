#!/usr/bin/env python3
"""Benchmarks of osimg.glance against openstack.cloud, python-glanceclient, openstacksdk and curl.

Run by `make bench` with the bench venv's Python (.bench-venv: ansible 12.x with openstack.cloud,
openstacksdk, python-glanceclient, matplotlib). The osimg.glance side runs from the project venv
(.venv: ansible-core + requests + jsonpatch only). Every contender talks to the same local Glance.

    bench/run.py [--size 1G] [--repeat 3] [--format raw|qcow2]
                 [--cases upload,download,noop,listing,catalogue,scaling] [--quick] [--keep]

Results: <work>/results.json (raw runs), docs/benchmarks.md and docs/benchmarks.png.
Benchmarks are not tests: nothing here asserts a time.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import cloud as cloudmod  # noqa: E402
import measure  # noqa: E402
import proxy as proxymod  # noqa: E402
import report  # noqa: E402

MiB = 1024 * 1024
GiB = 1024 * MiB
ALL_CASES = ('upload', 'download', 'noop', 'listing', 'crowded', 'catalogue', 'scaling')
UPLOAD_CONTENDERS = ('ours', 'ours-module', 'osc', 'glance', 'curl')
SCALING_CONTENDERS = ('ours', 'osc', 'glance', 'curl')
DOWNLOAD_CONTENDERS = ('ours', 'ours-module', 'ours-unverified', 'glance', 'sdk', 'curl')
NOOP_CONTENDERS = ('floor', 'ours', 'ours-cached', 'osc', 'ours-module', 'ours-cached-module', 'osc-module')
CATALOGUE_CONTENDERS = ('ours', 'ours-plain', 'osc')
CATALOGUE_PREFIX = 'osimg-bench-cat-'
OURS_IMAGE = 'ansible_collections.osimg.glance.plugins.modules.glance_image'
OSC_IMAGE = 'ansible_collections.openstack.cloud.plugins.modules.image'
LISTING_CONTENDERS = ('ours', 'osc')
DOWNLOAD_MODULE = 'glance_image_download'


def parse_size(text):
    m = re.match(r'^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$', str(text), re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError('not a size: %r (use e.g. 64M, 1G, 4GiB)' % text)
    mult = {'': 1, 'k': 1024, 'm': MiB, 'g': GiB, 't': 1024 * GiB}[m.group(2).lower()]
    return int(float(m.group(1)) * mult)


def human(n):
    for unit, div in (('GiB', GiB), ('MiB', MiB)):
        if n >= div and n % div == 0:
            return '%d %s' % (n // div, unit)
    return '%.1f MiB' % (n / MiB)


def rotate(items, n):
    items = list(items)
    n %= len(items) if items else 1
    return items[n:] + items[:n]


def log(msg):
    print('[bench %s] %s' % (time.strftime('%H:%M:%S'), msg), flush=True)


class GlanceLog:
    """Server-side request times from uwsgi's access log (.local-cloud/logs/glance.log).

    uwsgi logs `PUT /v2/images/<id>/file => generated N bytes in T msecs (HTTP/1.1 204)` once the
    request is done: T covers reading the request body (upload) or writing the response body to the
    client (download), so it is the data transfer as Glance saw it, the same way for every client.
    """

    LINE = re.compile(r'\] (PUT|GET) /v2/images/([0-9a-f-]{36})/(file|stage)\S* => generated (\d+) bytes in '
                      r'(\d+) msecs \(HTTP/[\d.]+ (\d+)\)')

    def __init__(self, path):
        self.path = path

    def mark(self):
        try:
            return os.path.getsize(self.path)
        except OSError:
            return None

    def transfer_ms(self, mark, image_id, method):
        if mark is None:
            return None
        time.sleep(0.2)  # uwsgi writes the line as the response completes; let it land
        try:
            if os.path.getsize(self.path) < mark:
                mark = 0  # the cloud was restarted meanwhile, and its log started anew
            with open(self.path, 'rb') as f:
                f.seek(mark)
                text = f.read().decode('utf-8', 'replace')
        except OSError:
            return None
        total = None
        for m in self.LINE.finditer(text):
            if m.group(1) == method and m.group(2) == image_id and m.group(6).startswith('2'):
                total = (total or 0) + int(m.group(5))
        return total


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work_dir)
        self.state_dir = os.path.abspath(args.state_dir)
        self.project_venv = os.path.abspath(args.project_venv)
        self.bench_venv = os.path.abspath(sys.prefix)
        for d in ('data', 'playbooks', 'out', 'logs', 'empty-collections'):
            os.makedirs(os.path.join(self.work, d), exist_ok=True)
        self.cloud = cloudmod.Cloud(self.state_dir, self.work, project=args.bench_project)
        self.glance_log = GlanceLog(os.path.join(self.state_dir, 'logs', 'glance.log'))
        self.results_path = os.path.join(self.work, 'results.json')
        self.results = {'meta': {}, 'cases': {}}
        self.clouds_file = os.path.join(self.work, 'clouds.yaml')
        self.tree = os.path.join(self.work, 'tree')
        self.proxy = None
        self.proxy_clouds_file = os.path.join(self.work, 'clouds-proxy.yaml')
        # The same clouds with openstacksdk's cache: {auth: true}, which osimg.glance honours.
        self.cached_clouds_file = os.path.join(self.work, 'clouds-cached.yaml')
        self.cached_proxy_clouds_file = os.path.join(self.work, 'clouds-cached-proxy.yaml')
        self.generated = []
        self.run_counter = 0

    # ---- setup -----------------------------------------------------------------------------
    def setup(self):
        log('bench user and project in the local cloud')
        self.cloud.ensure_bench_user()
        self.cloud.write_clouds_yaml(self.clouds_file)
        left = self.cloud.cleanup(keep_listing=True)
        if left:
            log('deleted %d leftover bench images' % left)
        log('collection tree for osimg.glance under %s' % self.tree)
        subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'build_tree.py'), '--build-dir', self.tree],
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(self.work, 'ansible.cfg'), 'w') as f:
            f.write('[defaults]\nretry_files_enabled = False\nnocolor = True\n')
        self.proxy = proxymod.CountingProxy(self.cloud.keystone_url, self.cloud.glance_url).start()
        self.cloud.write_clouds_yaml(self.proxy_clouds_file, auth_url=self.proxy.url('identity') + '/v3')
        self.cloud.write_clouds_yaml(self.cached_clouds_file, cache_auth=True)
        self.cloud.write_clouds_yaml(self.cached_proxy_clouds_file, auth_url=self.proxy.url('identity') + '/v3',
                                     cache_auth=True)
        # osimg.glance's caches (file digests, and tokens with cache: {auth: true}) live in the work directory.
        shutil.rmtree(os.path.join(self.work, 'xdg-cache'), ignore_errors=True)
        self.results['meta'] = self.meta()
        self.has_download_module = os.path.exists(
            os.path.join(ROOT, 'plugins', 'modules', DOWNLOAD_MODULE + '.py'))

    def ours_module_available(self, module):
        return os.path.exists(os.path.join(self.tree, 'ansible_collections', 'osimg', 'glance', 'plugins',
                                           'modules', module + '.py'))

    def meta(self):
        def cmd_out(cmd):
            try:
                return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                return None

        def dists(python, names):
            code = ('import importlib.metadata as m, json, sys\nout = {}\nfor n in sys.argv[1:]:\n'
                    '    try:\n        out[n] = m.version(n)\n    except Exception:\n        out[n] = None\n'
                    'print(json.dumps(out))')
            text = cmd_out([python, '-c', code] + list(names))
            return json.loads(text) if text else {}

        bench_py = os.path.join(self.bench_venv, 'bin', 'python')
        ours_py = os.path.join(self.project_venv, 'bin', 'python')
        cloud_py = os.path.join(self.state_dir, 'venv', 'bin', 'python')
        osc_version = None
        manifest = cmd_out([bench_py, '-c', 'import ansible_collections.openstack.cloud as c, os; '
                                            'print(os.path.join(list(c.__path__)[0], "MANIFEST.json"))'])
        if manifest and os.path.exists(manifest):
            with open(manifest) as f:
                osc_version = json.load(f)['collection_info']['version']
        with open(os.path.join(ROOT, 'galaxy.yml')) as f:
            ours_version = re.search(r'^version:\s*(\S+)', f.read(), re.M).group(1)
        cpu = None
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
        with open('/proc/meminfo') as f:
            mem_kib = int(f.readline().split()[1])
        port = re.search(r':(\d+)', self.cloud.glance_url.split('//', 1)[-1])
        glance_cmd = cmd_out(['sh', '-c', 'ps -eo args | grep -E "[u]wsgi .*--http-socket [^ ]*:%s( |$)" | head -1'
                              % (port.group(1) if port else '9292')])
        procs = re.search(r'--processes (\d+)', glance_cmd or '')
        threads = re.search(r'--threads (\d+)', glance_cmd or '')
        app = re.search(r'--module (\S+)', glance_cmd or '')
        return {
            'date': time.strftime('%Y-%m-%d %H:%M:%S %Z'),
            'git_commit': cmd_out(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD']),
            'git_dirty': bool(cmd_out(['git', '-C', ROOT, 'status', '--porcelain', '--', 'plugins'])),
            'machine': {'cpu': cpu, 'cores': os.cpu_count(), 'mem_gib': round(mem_kib / 1048576.0, 1),
                        'kernel': platform.release(), 'os': cmd_out(['sh', '-c', '. /etc/os-release; echo $PRETTY_NAME']),
                        'python': platform.python_version()},
            'load_at_start': os.getloadavg(),
            'ours': dict(dists(ours_py, ['ansible-core', 'requests', 'jsonpatch']),
                         **{'osimg.glance': ours_version}),
            'bench': dict(dists(bench_py, ['ansible', 'ansible-core', 'openstacksdk', 'keystoneauth1',
                                           'python-glanceclient', 'requests', 'matplotlib']),
                          **{'openstack.cloud': osc_version}),
            'cloud': dict(dists(cloud_py, ['glance', 'keystone', 'uWSGI']),
                          glance_processes=procs and int(procs.group(1)), glance_threads=threads and int(threads.group(1)),
                          glance_app=app and app.group(1),
                          connection_close='Connection: close' in (glance_cmd or '')),
            'curl': (cmd_out(['curl', '--version']) or '').split('\n')[0],
            'args': {k: v for k, v in vars(self.args).items()},
        }

    # ---- generated image data ----------------------------------------------------------------
    def image_file(self, size, fmt):
        path = os.path.join(self.work, 'data', 'bench-%d.%s' % (size, fmt))
        if os.path.exists(path):
            return path
        raw = path if fmt == 'raw' else path + '.raw.tmp'
        log('generating %s of random data (%s)' % (human(size), fmt))
        block = 4 * MiB
        with open(raw + '.part', 'wb') as f:
            left = size
            while left > 0:
                n = min(block, left)
                f.write(os.urandom(n))
                left -= n
        os.rename(raw + '.part', raw)
        if fmt == 'qcow2':
            subprocess.run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', raw, path + '.part'], check=True)
            os.rename(path + '.part', path)
            os.unlink(raw)
        self.generated.append(path)
        return path

    # ---- running contenders ------------------------------------------------------------------
    def base_env(self, venv):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(('OS_', 'ANSIBLE_', 'PYTHON', 'VIRTUAL_ENV', 'XDG_CACHE_HOME'))}
        env['PATH'] = os.path.join(venv, 'bin') + ':/usr/local/bin:/usr/bin:/bin'
        env['XDG_CACHE_HOME'] = os.path.join(self.work, 'xdg-cache')
        return env

    def cached(self, clouds_file):
        """The clouds.yaml with cache: {auth: true} that matches clouds_file (the proxy's, or the direct one)."""
        return self.cached_proxy_clouds_file if clouds_file == self.proxy_clouds_file else self.cached_clouds_file

    def ansible(self, side, tasks, label, clouds_file=None):
        """(cmd, env) for one playbook: ours from the project venv, openstack.cloud from the bench venv."""
        venv = self.project_venv if side == 'ours' else self.bench_venv
        self.run_counter += 1
        path = os.path.join(self.work, 'playbooks', '%s.yml' % label)
        with open(path, 'w') as f:
            json.dump([{'name': label, 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], f, indent=1)
        env = self.base_env(venv)
        env.update({
            'ANSIBLE_CONFIG': os.path.join(self.work, 'ansible.cfg'),
            'ANSIBLE_COLLECTIONS_PATH': self.tree if side == 'ours' else os.path.join(self.work, 'empty-collections'),
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false' if side == 'ours' else 'true',
            'ANSIBLE_LOCALHOST_WARNING': 'false',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
            'ANSIBLE_DEPRECATION_WARNINGS': 'false',
            'OS_CLIENT_CONFIG_FILE': clouds_file or self.clouds_file,
        })
        cmd = [os.path.join(venv, 'bin', 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               '-e', 'ansible_python_interpreter=%s' % os.path.join(venv, 'bin', 'python'), path]
        return cmd, env

    def module_direct(self, side, module, args, label, clouds_file=None):
        """(cmd, env) running a module file directly with a JSON args file: the module's own cost, no controller."""
        venv = self.project_venv if side == 'ours' else self.bench_venv
        path = os.path.join(self.work, 'playbooks', '%s.json' % label)
        with open(path, 'w') as f:
            json.dump({'ANSIBLE_MODULE_ARGS': args}, f)
        env = self.base_env(venv)
        env['OS_CLIENT_CONFIG_FILE'] = clouds_file or self.clouds_file
        if side == 'ours':
            env['PYTHONPATH'] = self.tree
        return [os.path.join(venv, 'bin', 'python'), '-m', module, path], env

    def measure(self, label, cmd, env, data_path=None):
        out = os.path.join(self.work, 'logs', label + '.out')
        err = os.path.join(self.work, 'logs', label + '.err')
        res = measure.run(cmd, env=env, cwd=self.work, stdout_path=out, stderr_path=err,
                          timeout=self.args.timeout, data_path=data_path)
        with open(out, 'rb') as f:
            res['stdout'] = f.read().decode('utf-8', 'replace')
        with open(err, 'rb') as f:
            res['stderr'] = f.read().decode('utf-8', 'replace')
        return res

    @staticmethod
    def recap(stdout):
        m = re.search(r'localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', stdout)
        return {'ok': int(m.group(1)), 'changed': int(m.group(2)), 'failed': int(m.group(4))} if m else None

    @staticmethod
    def failure_text(res):
        text = (res.get('stdout') or '') + '\n' + (res.get('stderr') or '')
        for pat in (r'"msg": "([^"]{0,400})', r'fatal: .{0,400}', r'Error.{0,300}'):
            m = re.search(pat, text)
            if m:
                return m.group(0)[:400]
        return text.strip()[-400:]

    def record(self, case, contender, rep, res, ok, error=None, **extra):
        entry = {
            'case': case, 'contender': contender, 'rep': rep, 'ok': ok, 'error': error,
            'wall_s': round(res['wall_s'], 3),
            'streamer_rss_mib': res['streamer_rss_mib'] and round(res['streamer_rss_mib'], 1),
            'streamer_cmd': res['streamer_cmd'],
            'streamer_found_by': res['streamer_found_by'],
            'streamer_moved_mib': res['streamer_moved_mib'] and round(res['streamer_moved_mib'], 1),
            'tree_max_rss_mib': res['tree_max_rss_mib'] and round(res['tree_max_rss_mib'], 1),
            'cpu_s': res['cpu_s'] is not None and round(res['cpu_s'], 2) or None,
            'processes': res['processes'],
        }
        entry.update(extra)
        flag = 'ok' if ok else 'FAILED: %s' % error
        rss = ' rss %.0f MiB' % entry['streamer_rss_mib'] if entry['streamer_rss_mib'] else ''
        log('  %-8s %-12s rep %d  %7.2fs%s  %s' % (case, contender, rep, res['wall_s'], rss, flag))
        return entry

    def save(self):
        self.results['meta']['load_at_end'] = os.getloadavg()
        with open(self.results_path, 'w') as f:
            json.dump(self.results, f, indent=1)

    # ---- upload ------------------------------------------------------------------------------
    # Connection errors, and the 500s of Glance's SQLite database ("database is locked") when other
    # engineers' tests write at the same time.
    TRANSIENT = re.compile(r'Connection (aborted|refused|reset)|ConnectionResetError|Unable to establish connection|'
                           r'RemoteDisconnected|Max retries exceeded|Service Unavailable|50[0234] |'
                           r'Internal Server Error|HTTP 500', re.I)

    def with_retry(self, fn, *args):
        """Run fn(*args); a run that failed on a connection error (the local cloud's uwsgi closes connections
        that clients believe kept alive, and other engineers restart the cloud) is run once more. Returns the
        list of attempts: the failed one stays in the results, counted but never timed."""
        attempts = [fn(*args)]
        while (not attempts[-1]['ok'] and len(attempts) < 1 + self.args.retries
               and self.TRANSIENT.search(attempts[-1].get('error') or '')):
            log('  transient failure; waiting for the cloud, then running it again')
            self.cloud.wait_healthy()
            attempts.append(fn(*args))
            attempts[-1]['retry_of_failed_run'] = True
        return attempts

    def upload_once(self, *args):
        return self.with_retry(self._upload_once, *args)

    def _upload_once(self, case, contender, src, size, fmt, rep):
        name = '%sup-%s-%s-%d-%s' % (cloudmod.NAME_PREFIX, contender, human(size).replace(' ', ''), rep,
                                     uuid.uuid4().hex[:6])
        label = '%s-%s-%d-%s' % (case, contender, rep, uuid.uuid4().hex[:4])
        file_size = os.path.getsize(src)
        pre_id = None
        ours_args = {'cloud': 'bench', 'name': name, 'filename': src, 'disk_format': fmt,
                     'container_format': 'bare', 'timeout': 3600}
        if contender == 'ours':
            cmd, env = self.ansible('ours', [{'osimg.glance.glance_image': ours_args}], label)
        elif contender == 'ours-module':
            cmd, env = self.module_direct('ours', OURS_IMAGE, ours_args, label)
        elif contender == 'osc':
            cmd, env = self.ansible('osc', [{'openstack.cloud.image': {
                'cloud': 'bench', 'name': name, 'filename': src, 'disk_format': fmt,
                'container_format': 'bare', 'timeout': 3600}}], label)
        elif contender == 'glance':
            env = self.base_env(self.bench_venv)
            env.update(self.cloud.os_env())
            cmd = [os.path.join(self.bench_venv, 'bin', 'glance'), 'image-create', '--name', name,
                   '--disk-format', fmt, '--container-format', 'bare', '--file', src]
        elif contender == 'curl':
            pre_id = self.cloud.create_image(name=name, disk_format=fmt, container_format='bare')['id']
            cmd = ['curl', '-sS', '-f', '-o', '/dev/null', '-X', 'PUT', '-T', src,
                   '-H', '@' + self.curl_headers(), '-H', 'Content-Type: application/octet-stream',
                   '-H', 'Expect:', '%s/v2/images/%s/file' % (self.cloud.glance_url, pre_id)]
            env = self.base_env(self.bench_venv)
        else:
            raise ValueError(contender)
        mark = self.glance_log.mark()
        res = self.measure(label, cmd, env, data_path=src)
        found = self.cloud.find_by_name(name)
        error = None
        image = found[0] if len(found) == 1 else None
        if res['rc'] != 0:
            error = 'rc %d: %s' % (res['rc'], self.failure_text(res))
        elif image is None:
            error = '%d images named %s after the run' % (len(found), name)
        elif image.get('status') != 'active' or image.get('size') != file_size:
            error = 'image %s is %s with size %s, not active with %d bytes' % (
                image['id'], image.get('status'), image.get('size'), file_size)
        server_ms = self.glance_log.transfer_ms(mark, image['id'], 'PUT') if image else None
        self.cloud.delete_many([i['id'] for i in found] + ([pre_id] if pre_id and not found else []))
        return self.record(case, contender, rep, res, error is None, error, size=file_size,
                           nominal_size=size, format=fmt, server_ms=server_ms)

    def curl_headers(self):
        """A header file for curl (-H @file), so the token never appears on a command line."""
        path = os.path.join(self.work, 'curl-headers.txt')
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write('X-Auth-Token: %s\n' % self.cloud.token(refresh=True))
        return path

    def case_upload(self, size, fmt, case='upload', contenders=UPLOAD_CONTENDERS):
        src = self.image_file(size, fmt)
        log('%s: %s %s file, %d repeats, contenders %s' % (case, human(size), fmt, self.args.repeat,
                                                         ', '.join(contenders)))
        runs = []
        for rep in range(self.args.repeat):
            for contender in rotate(contenders, rep):
                runs.extend(self.upload_once(case, contender, src, size, fmt, rep))
        return {'size': os.path.getsize(src), 'nominal_size': size, 'format': fmt, 'runs': runs}

    # ---- download ----------------------------------------------------------------------------
    def case_download(self, size, fmt):
        src = self.image_file(size, fmt)
        contenders = [c for c in DOWNLOAD_CONTENDERS if not c.startswith('ours') or self.has_download_module]
        log('download: %s %s image, %d repeats, contenders %s' % (human(size), fmt, self.args.repeat,
                                                                ', '.join(contenders)))
        sha = hashlib.sha256()
        with open(src, 'rb') as f:
            for chunk in iter(lambda: f.read(4 * MiB), b''):
                sha.update(chunk)
        expected = sha.hexdigest()
        image = self.cloud.create_image(name='%sdl-src-%s' % (cloudmod.NAME_PREFIX, uuid.uuid4().hex[:6]),
                                        disk_format=fmt, container_format='bare')
        runs = []
        try:
            self.cloud.upload(image['id'], src)
            file_size = os.path.getsize(src)
            for rep in range(self.args.repeat):
                for contender in rotate(contenders, rep):
                    runs.extend(self.download_once(contender, image['id'], file_size, expected, rep))
        finally:
            self.cloud.delete_image(image['id'])
        return {'size': os.path.getsize(src), 'nominal_size': size, 'format': fmt, 'runs': runs,
                'ours_available': self.has_download_module}

    def download_once(self, *args):
        return self.with_retry(self._download_once, *args)

    def _download_once(self, contender, image_id, file_size, expected, rep):
        label = 'download-%s-%d-%s' % (contender, rep, uuid.uuid4().hex[:4])
        out_dir = os.path.join(self.work, 'out')
        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(out_dir)
        out = os.path.join(out_dir, 'download-%s.img' % contender)
        if contender == 'ours':
            cmd, env = self.ansible('ours', [{'osimg.glance.%s' % DOWNLOAD_MODULE: self.download_args(image_id, out)}],
                                    label)
        elif contender in ('ours-module', 'ours-unverified'):
            # verify: false shows what the transfer costs without the hash that verifies it.
            args = dict(self.download_args(image_id, out), verify=contender == 'ours-module')
            cmd, env = self.module_direct('ours', 'ansible_collections.osimg.glance.plugins.modules.' + DOWNLOAD_MODULE,
                                          args, label)
        elif contender == 'glance':
            env = self.base_env(self.bench_venv)
            env.update(self.cloud.os_env())
            cmd = [os.path.join(self.bench_venv, 'bin', 'glance'), 'image-download', '--file', out, image_id]
        elif contender == 'sdk':
            env = self.base_env(self.bench_venv)
            env['OS_CLIENT_CONFIG_FILE'] = self.clouds_file
            cmd = [os.path.join(self.bench_venv, 'bin', 'python'), os.path.join(HERE, 'sdk_download.py'),
                   '--cloud', 'bench', '--image', image_id, '--output', out]
        elif contender == 'curl':
            env = self.base_env(self.bench_venv)
            cmd = ['curl', '-sS', '-f', '-o', out, '-H', '@' + self.curl_headers(),
                   '%s/v2/images/%s/file' % (self.cloud.glance_url, image_id)]
        else:
            raise ValueError(contender)
        mark = self.glance_log.mark()
        # A tool may download into a temporary file beside out and rename it: watch the directory.
        res = self.measure(label, cmd, env, data_path=os.path.dirname(out))
        error = None
        if res['rc'] != 0:
            error = 'rc %d: %s' % (res['rc'], self.failure_text(res))
        elif not os.path.exists(out) or os.path.getsize(out) != file_size:
            error = 'output has %s bytes, not %d' % (os.path.exists(out) and os.path.getsize(out), file_size)
        else:
            sha = hashlib.sha256()
            with open(out, 'rb') as f:
                for chunk in iter(lambda: f.read(4 * MiB), b''):
                    sha.update(chunk)
            if sha.hexdigest() != expected:
                error = 'downloaded data differs from the image'
        server_ms = self.glance_log.transfer_ms(mark, image_id, 'GET')
        if os.path.exists(out):
            os.unlink(out)
        return self.record('download', contender, rep, res, error is None, error, size=file_size,
                           server_ms=server_ms)

    @staticmethod
    def download_args(image_id, out):
        """Options of osimg.glance.glance_image_download: verification is on by default there."""
        return {'cloud': 'bench', 'image': image_id, 'dest': out}

    # ---- no-op -------------------------------------------------------------------------------
    def small_file(self):
        small = os.path.join(self.work, 'data', 'noop.raw')
        if not os.path.exists(small):
            with open(small, 'wb') as f:
                f.write(os.urandom(MiB))
            self.generated.append(small)
        return small

    def case_noop(self, src, label, size_text, contenders=NOOP_CONTENDERS):
        """A task that changes nothing, on an existing image whose data is the file src."""
        name = cloudmod.NAME_PREFIX + 'noop-' + label
        fields = {'name': name, 'disk_format': 'raw', 'container_format': 'bare', 'visibility': 'private',
                  'min_disk': 1, 'min_ram': 128, 'tags': ['bench', 'noop']}
        props = {'os_distro': 'cirros', 'hw_disk_bus': 'scsi'}
        for old in self.cloud.find_by_name(name):
            self.cloud.delete_image(old['id'])
        image = self.cloud.create_image(**dict(fields, **props))
        self.cloud.upload(image['id'], src)
        task_args = dict(fields, cloud='bench', filename=src, properties=props)
        log('no-op (%s): image %s exists (%s of data, 2 properties, 2 tags); the task names the same fields and '
            'file' % (label, name, size_text))
        variants = {
            'floor': lambda label, cf=None: self.ansible('ours', [{'ansible.builtin.ping': {}}], label, cf),
            'ours': lambda label, cf=None: self.ansible('ours', [{'osimg.glance.glance_image': task_args}], label, cf),
            'ours-cached': lambda label, cf=None: self.ansible('ours', [{'osimg.glance.glance_image': task_args}],
                                                              label, self.cached(cf)),
            'osc': lambda label, cf=None: self.ansible('osc', [{'openstack.cloud.image': task_args}], label, cf),
            'ours-module': lambda label, cf=None: self.module_direct('ours', OURS_IMAGE, task_args, label, cf),
            'ours-cached-module': lambda label, cf=None: self.module_direct('ours', OURS_IMAGE, task_args, label,
                                                                            self.cached(cf)),
            'osc-module': lambda label, cf=None: self.module_direct('osc', OSC_IMAGE, task_args, label, cf),
        }
        try:
            project_images = len(self.cloud.own_images())
            result = self.run_metadata_case('noop-' + label, variants, contenders, self.check_noop)
        finally:
            self.cloud.delete_image(image['id'])
        result['data_size'] = os.path.getsize(src)
        result['project_images'] = project_images
        return result

    def check_noop(self, contender, res):
        if res['rc'] != 0:
            return 'rc %d: %s' % (res['rc'], self.failure_text(res))
        if contender.endswith('-module'):
            if not re.search(r'"changed": false', res['stdout']):
                return 'module reported a change: %s' % res['stdout'][:300]
            return None
        recap = self.recap(res['stdout'])
        if not recap or recap['changed'] != 0 or recap['failed'] != 0:
            return 'not a no-op run: %s' % recap
        return None

    def run_metadata_case(self, case, variants, contenders, check):
        """Per contender: one counting run through the proxy (also the warm-up), then timed runs, interleaved."""
        counts = {}
        for contender in contenders:
            if 'cached' in contender:
                # Counted with a warm cache: a first run through the proxy gets the token it keeps.
                cmd, env = variants[contender]('%s-%s-warm' % (case, contender), self.proxy_clouds_file)
                self.measure('%s-%s-warm' % (case, contender), cmd, env)
            self.proxy.reset()
            cmd, env = variants[contender]('%s-%s-count' % (case, contender), self.proxy_clouds_file)
            res = self.measure('%s-%s-count' % (case, contender), cmd, env)
            error = check(contender, res)
            counts[contender] = dict(self.proxy.counts(), ok=error is None, error=error)
            log('  %-8s %-12s http: %d requests (%d identity, %d image)%s' % (
                case, contender, counts[contender]['total'], counts[contender]['identity'],
                counts[contender]['image'], '' if error is None else '  FAILED: %s' % error))
        runs = []
        for rep in range(self.args.metadata_repeat):
            for contender in rotate(contenders, rep):
                def once(contender=contender, rep=rep):
                    label = '%s-%s-%d-%s' % (case, contender, rep, uuid.uuid4().hex[:4])
                    cmd, env = variants[contender](label)
                    res = self.measure(label, cmd, env)
                    error = check(contender, res)
                    return self.record(case, contender, rep, res, error is None, error)
                runs.extend(self.with_retry(once))
        return {'runs': runs, 'http': counts}

    # ---- catalogue ---------------------------------------------------------------------------
    def catalogue_items(self, count=20):
        """The catalogue a user publishes: count images of 1 MiB each with properties, tags and a visibility;
        the last one is shared with another project."""
        items = []
        for i in range(count):
            path = os.path.join(self.work, 'data', 'catalogue-%02d.raw' % i)
            if not os.path.exists(path):
                with open(path, 'wb') as f:
                    f.write(os.urandom(MiB))
                self.generated.append(path)
            items.append({'name': '%s%02d' % (CATALOGUE_PREFIX, i), 'file': path,
                          'visibility': 'shared' if i == count - 1 else ('community' if i % 4 == 3 else 'private'),
                          'min_disk': 1, 'min_ram': 256 if i % 2 else 512,
                          'properties': {'os_distro': 'cirros', 'os_version': '0.%d' % i, 'hw_disk_bus': 'scsi'},
                          'tags': ['catalogue', 'batch-%d' % (i % 3)]})
        return items

    def catalogue_tasks(self, side, items, member):
        """The same playbook for both collections: one image task in a loop, then the share."""
        shared = items[-1]['name']
        loop_item = {'name': '{{ item.name }}', 'filename': '{{ item.file }}', 'disk_format': 'raw',
                     'container_format': 'bare', 'visibility': '{{ item.visibility }}', 'min_disk': '{{ item.min_disk }}',
                     'min_ram': '{{ item.min_ram }}', 'properties': '{{ item.properties }}', 'tags': '{{ item.tags }}'}
        if side == 'osc':
            return [
                {'name': 'Publish the catalogue', 'openstack.cloud.image': dict(loop_item, cloud='bench'),
                 'loop': items, 'loop_control': {'label': '{{ item.name }}'}},
                # openstack.cloud has no module for image members: users shell out to the openstack CLI, which
                # fails with 409 when the project is a member already.
                {'name': 'Share one image', 'ansible.builtin.command': 'openstack --os-cloud bench image add project '
                 '%s %s' % (shared, member), 'register': 'share', 'changed_when': 'share.rc == 0',
                 'failed_when': "share.rc != 0 and '409' not in share.stderr and 'already' not in share.stderr"},
            ]
        image_tasks = [
            {'name': 'Publish the catalogue', 'osimg.glance.glance_image': loop_item, 'loop': items,
             'loop_control': {'label': '{{ item.name }}'}},
            {'name': 'Share one image', 'osimg.glance.glance_image_member': {'image': shared, 'member': member}},
        ]
        if side == 'ours-plain':
            return [{'name': 'Every task authenticates', 'module_defaults': {'group/osimg.glance.glance': {
                'cloud': 'bench'}}, 'block': image_tasks}]
        return [
            {'name': 'Authenticate once', 'osimg.glance.glance_auth': {'cloud': 'bench'}, 'register': 'session',
             'no_log': True},
            {'name': 'The image tasks use the token', 'module_defaults': {'group/osimg.glance.glance': {
                'cloud': '{{ session.cloud }}'}}, 'block': image_tasks},
        ]

    def clear_catalogue(self):
        self.cloud.delete_many([i['id'] for i in self.cloud.own_images()
                                if (i.get('name') or '').startswith(CATALOGUE_PREFIX) and i.get('status') != 'deleted'])

    def check_catalogue(self, items, member, contender, res, noop):
        if res['rc'] != 0:
            return 'rc %d: %s' % (res['rc'], self.failure_text(res))
        recap = self.recap(res['stdout'])
        if not recap or recap['failed'] != 0:
            return 'unexpected recap %s' % recap
        if noop and contender.startswith('ours') and recap['changed'] != 0:
            return 'not a no-op run: %s' % recap
        found = dict((i['name'], i) for i in self.cloud.own_images()
                     if (i.get('name') or '').startswith(CATALOGUE_PREFIX))
        for item in items:
            image = found.get(item['name'])
            if image is None or image.get('status') != 'active' or image.get('size') != MiB:
                return '%s is missing or not active with 1 MiB: %s' % (item['name'], image and image.get('status'))
            wrong = [k for k, v in item['properties'].items() if image.get(k) != v]
            if wrong or sorted(image.get('tags') or []) != sorted(item['tags']) or \
                    image.get('visibility') != item['visibility'] or image.get('min_ram') != item['min_ram']:
                return '%s does not match the catalogue (%s)' % (item['name'], wrong or 'tags/visibility/min_ram')
        members = [m['member_id'] for m in self.cloud.list_members(found[items[-1]['name']]['id'])]
        if members != [member]:
            return 'the shared image has members %s, not %s' % (members, member)
        return None

    def case_catalogue(self, count=20):
        """A playbook a user runs: publish a catalogue (first run), then run it again (no-op)."""
        items = self.catalogue_items(count)
        member = self.cloud.info['users']['alt']['project_id']
        log('catalogue: %d images of 1 MiB (properties, tags, visibility), one shared; first run and no-op run'
            % count)

        def once(contender, label, clouds_file=None, noop=False):
            side = 'osc' if contender == 'osc' else 'ours'
            cmd, env = self.ansible(side, self.catalogue_tasks(contender, items, member), label, clouds_file)
            if side == 'osc':
                env['OS_CLIENT_CONFIG_FILE'] = clouds_file or self.clouds_file  # the openstack CLI too
            res = self.measure(label, cmd, env)
            return res, self.check_catalogue(items, member, contender, res, noop)

        counts = {}
        for contender in CATALOGUE_CONTENDERS:
            self.clear_catalogue()
            for phase in ('first', 'noop'):
                self.proxy.reset()
                label = 'catalogue-%s-%s-count' % (contender, phase)
                res, error = once(contender, label, self.proxy_clouds_file, noop=phase == 'noop')
                counts['%s:%s' % (contender, phase)] = dict(self.proxy.counts(), ok=error is None, error=error)
                log('  catalogue %-10s %-5s http: %d requests (%d identity, %d image)%s' % (
                    contender, phase, counts['%s:%s' % (contender, phase)]['total'],
                    counts['%s:%s' % (contender, phase)]['identity'], counts['%s:%s' % (contender, phase)]['image'],
                    '' if error is None else '  FAILED: %s' % error))
        runs = []
        for rep in range(self.args.repeat):
            for contender in rotate(CATALOGUE_CONTENDERS, rep):
                for phase in ('first', 'noop'):
                    def one(contender=contender, phase=phase, rep=rep):
                        if phase == 'first':
                            self.clear_catalogue()
                        label = 'catalogue-%s-%s-%d-%s' % (contender, phase, rep, uuid.uuid4().hex[:4])
                        res, error = once(contender, label, noop=phase == 'noop')
                        recap = self.recap(res['stdout']) or {}
                        return self.record('catalogue-' + phase, contender, rep, res, error is None, error,
                                           phase=phase, changed=recap.get('changed'))
                    runs.extend(self.with_retry(one))
        self.clear_catalogue()
        return {'runs': runs, 'http': counts, 'images': count}

    # ---- listing -----------------------------------------------------------------------------
    def ensure_listing_images(self, count):
        """count images without data, half named <prefix>a-NNNN, half <prefix>b-NNNN; 10 of each carry the gold tag.

        The set is reused across runs (--keep). Its names and gold tag carry a generation id: Glance on
        SQLite can leave an image half-deleted (status "deleted" but still listed, and no longer
        deletable) when writers collide, and such a leftover must not be counted by the next run. A set
        with such a member, or of another size, is replaced by a new generation.
        """
        state_file = os.path.join(self.work, 'listing.json')
        state = {}
        if os.path.exists(state_file):
            with open(state_file) as f:
                state = json.load(f)
        listed = self.cloud.list_images(owner=self.cloud.user['project_id'], tag=cloudmod.LIST_TAG)
        gen = state.get('generation')
        mine = [i for i in listed if gen and (i.get('name') or '').startswith('bench-list-%s-' % gen)]
        usable = (gen and state.get('count') == count and len(mine) == count
                  and all(i.get('status') == 'queued' for i in mine))
        if not usable:
            gen = uuid.uuid4().hex[:6]
            state = {'generation': gen, 'count': count}
        layout = {'prefix': 'bench-list-%s-a-' % gen, 'tag': 'bench-gold-%s' % gen}
        half = count // 2
        step = max(1, half // 10)
        wanted = {}
        for part in ('a', 'b'):
            for i in range(half):
                tags = [cloudmod.LIST_TAG]
                if i % step == 0 and i // step < 10:
                    tags.append(layout['tag'])
                wanted['bench-list-%s-%s-%04d' % (gen, part, i)] = tags
        doomed = [i['id'] for i in listed if i['name'] not in wanted and i.get('status') != 'deleted']
        if doomed:
            log('listing: deleting %d images of an older listing set' % len(doomed))
            self.cloud.delete_many(doomed)
        for image in listed:
            if image['name'] in wanted and image.get('status') == 'queued':
                del wanted[image['name']]
        if wanted:
            # Glance keeps its database in SQLite here: concurrent writers only produce "database is
            # locked" errors (for the integration tests others run at the same time, too). So the
            # "thread pool" has --create-threads threads, 1 by default.
            threads = self.args.create_threads
            log('listing: creating %d images (metadata only, %d thread%s), generation %s'
                % (len(wanted), threads, 's' if threads > 1 else '', gen))
            from concurrent.futures import ThreadPoolExecutor
            t0 = time.time()
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(lambda item: self.cloud.create_image(
                    name=item[0], tags=item[1], disk_format='raw', container_format='bare'), wanted.items()))
            log('listing: created in %.0fs' % (time.time() - t0))
        with open(state_file, 'w') as f:
            json.dump(state, f)
        return layout

    def case_listing(self, count):
        layout = self.ensure_listing_images(count)
        prefix, tag = layout['prefix'], layout['tag']
        expr_ours = "{{ r.images | selectattr('name', 'match', '%s') | list }}" % prefix
        expr_osc = "{{ r.images | selectattr('tags', 'contains', '%s') | list }}" % tag
        check = {'assert': {'that': ['found | length == 10'], 'quiet': True}}
        ours_tasks = [
            {'osimg.glance.glance_image_info': {'cloud': 'bench', 'filters': {'tag': tag}}, 'register': 'r'},
            {'set_fact': {'found': expr_ours}}, check]
        osc_tasks = [
            {'openstack.cloud.image_info': {'cloud': 'bench', 'image': prefix + '*'}, 'register': 'r'},
            {'set_fact': {'found': expr_osc}}, check]
        variants = {
            'ours': lambda label, cf=None: self.ansible('ours', ours_tasks, label, cf),
            'osc': lambda label, cf=None: self.ansible('osc', osc_tasks, label, cf),
        }
        log('listing: %d images, find the 10 tagged %s named %s*' % (count, tag, prefix))

        def check_run(contender, res):
            if res['rc'] != 0:
                return 'rc %d: %s' % (res['rc'], self.failure_text(res))
            recap = self.recap(res['stdout'])
            if not recap or recap['failed'] != 0 or recap['ok'] != 3:
                return 'unexpected recap %s' % recap
            return None

        result = self.run_metadata_case('listing', variants, LISTING_CONTENDERS, check_run)
        result['images'] = count
        result['layout'] = layout
        return result

    # ---- scaling -----------------------------------------------------------------------------
    def case_scaling(self, sizes, fmt, reuse):
        result = {'format': fmt, 'sizes': {}}
        for size in sizes:
            if reuse and reuse.get('nominal_size') == size and reuse.get('format') == fmt:
                log('scaling: %s reuses the upload case' % human(size))
                runs = [r for r in reuse['runs'] if r['contender'] in self.args.scaling_contenders]
                result['sizes'][str(size)] = dict(reuse, runs=runs, reused_from='upload')
                continue
            result['sizes'][str(size)] = self.case_upload(size, fmt, case='scaling-%s' % human(size).replace(' ', ''),
                                                          contenders=self.args.scaling_contenders)
            self.drop_file(size, fmt)
            self.save()
        return result

    def drop_file(self, size, fmt):
        path = os.path.join(self.work, 'data', 'bench-%d.%s' % (size, fmt))
        if path in self.generated and os.path.exists(path) and not self.args.keep_files:
            os.unlink(path)

    # ---- the run -----------------------------------------------------------------------------
    def run(self):
        cases = self.args.cases
        self.setup()
        fmt, size = self.args.format, self.args.size
        try:
            if 'upload' in cases:
                self.results['cases']['upload'] = self.case_upload(size, fmt)
                self.save()
            if 'download' in cases:
                self.results['cases']['download'] = self.case_download(size, fmt)
                self.save()
            if 'noop' in cases:
                self.results['cases']['noop'] = self.case_noop(self.small_file(), 'small', '1 MiB')
                self.save()
                # The same task when the image is big: the file is named in the task, and a module that
                # checks whether the data changed has to read it.
                self.results['cases']['noop_large'] = self.case_noop(self.image_file(size, 'raw'), 'large', human(size))
                self.save()
            if 'listing' in cases:
                self.results['cases']['listing'] = self.case_listing(self.args.list_images)
                self.save()
            if 'crowded' in cases:
                if 'listing' not in cases:
                    self.ensure_listing_images(self.args.list_images)
                # The 1 MiB no-op again, in the project that holds the listing images: a lookup by name that
                # lists every image pays for each of them.
                self.results['cases']['noop_crowded'] = self.case_noop(
                    self.small_file(), 'crowded', '1 MiB',
                    contenders=('ours', 'ours-cached', 'osc', 'ours-cached-module'))
                self.save()
            if 'catalogue' in cases:
                self.results['cases']['catalogue'] = self.case_catalogue()
                self.save()
            if 'scaling' in cases:
                self.results['cases']['scaling'] = self.case_scaling(
                    self.args.scaling_sizes, fmt, self.results['cases'].get('upload'))
                self.save()
        finally:
            self.teardown()
        return self.results

    def merge(self, path):
        """Add the cases of another run (results.json) that this run did not measure, marked with their run."""
        with open(path) as f:
            other = json.load(f)
        for name, case in other.get('cases', {}).items():
            if name not in self.results['cases']:
                # A case the other run merged in itself keeps the run that measured it.
                self.results['cases'][name] = dict(case, measured_in=case.get('measured_in') or {
                    'date': other['meta'].get('date'), 'git_commit': other['meta'].get('git_commit'),
                    'project': (other['meta'].get('args') or {}).get('bench_project'),
                    'load_at_start': other['meta'].get('load_at_start'),
                    'load_at_end': other['meta'].get('load_at_end')})
        self.save()

    def teardown(self):
        if self.proxy:
            self.proxy.stop()
        headers = os.path.join(self.work, 'curl-headers.txt')
        if os.path.exists(headers):
            os.unlink(headers)  # it holds a token
        try:
            n = self.cloud.cleanup(keep_listing=self.args.keep)
            log('clean-up: deleted %d bench images%s' % (n, ' (listing images kept)' if self.args.keep else ''))
        except Exception as e:  # report, but keep the results
            log('clean-up failed: %s' % e)
        if not self.args.keep_files:
            for path in self.generated:
                if os.path.exists(path):
                    os.unlink(path)
            shutil.rmtree(os.path.join(self.work, 'out'), ignore_errors=True)
        self.save()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--size', type=parse_size, default=None, help='image size for upload/download (default 1G)')
    parser.add_argument('--repeat', type=int, default=None, help='runs per contender and case (default 3)')
    parser.add_argument('--metadata-repeat', type=int, default=None,
                        help='runs per contender in the no-op and listing cases, which take seconds (default 5)')
    parser.add_argument('--format', choices=('raw', 'qcow2'), default='raw')
    parser.add_argument('--cases', default=','.join(ALL_CASES),
                        help='comma-separated subset of %s' % ','.join(ALL_CASES))
    parser.add_argument('--scaling-sizes', default=None, help='comma-separated sizes (default 256M,1G,4G)')
    parser.add_argument('--scaling-contenders', default=','.join(SCALING_CONTENDERS))
    parser.add_argument('--list-images', type=int, default=None, help='images in the listing case (default 2000)')
    parser.add_argument('--quick', action='store_true',
                        help='a fast smoke run: 64M images, scaling 16M,32M,64M, 200 listing images, 1 repeat')
    parser.add_argument('--keep', action='store_true', help='keep the listing images for the next run')
    parser.add_argument('--create-threads', type=int, default=1,
                        help='threads creating the listing images (Glance on SQLite: more than 1 or 2 only adds errors)')
    parser.add_argument('--keep-files', action='store_true', help='keep the generated image files')
    parser.add_argument('--timeout', type=int, default=3600, help='seconds before one run is killed')
    parser.add_argument('--retries', type=int, default=4,
                        help='extra attempts for a run that failed on a connection error (all attempts are reported)')
    parser.add_argument('--work-dir', default=os.path.join(ROOT, '.bench-work'))
    parser.add_argument('--state-dir', default=os.environ.get('LOCAL_CLOUD_STATE_DIR') or os.path.join(ROOT, '.local-cloud'))
    parser.add_argument('--project-venv', default=os.path.join(ROOT, '.venv'))
    parser.add_argument('--docs', default=os.path.join(ROOT, 'docs'), help='where benchmarks.md/.png are written')
    parser.add_argument('--no-report', action='store_true', help='only write results.json')
    parser.add_argument('--bench-project', default=cloudmod.BENCH_PROJECT,
                        help='the Keystone project and user the bench runs as (default osimg-bench); the listing '
                             'images stay in it with --keep, so the other cases may run in another one')
    parser.add_argument('--merge-from', default=None,
                        help='a results.json of another run whose cases this run did not measure go in the report')
    args = parser.parse_args(argv)
    quick = args.quick
    if args.size is None:
        args.size = 64 * MiB if quick else GiB
    if args.repeat is None:
        args.repeat = 1 if quick else 3
    if args.metadata_repeat is None:
        args.metadata_repeat = 1 if quick else max(5, args.repeat)
    if args.list_images is None:
        args.list_images = 200 if quick else 2000
    if args.scaling_sizes is None:
        args.scaling_sizes = '16M,32M,64M' if quick else '256M,1G,4G'
    args.scaling_sizes = [parse_size(s) for s in args.scaling_sizes.split(',') if s]
    args.scaling_contenders = [c for c in args.scaling_contenders.split(',') if c]
    args.cases = [c.strip() for c in args.cases.split(',') if c.strip()]
    unknown = set(args.cases) - set(ALL_CASES)
    if unknown:
        parser.error('unknown cases: %s' % ', '.join(sorted(unknown)))
    if args.list_images < 40 or args.list_images % 2:
        parser.error('--list-images must be an even number of at least 40')
    bench = Bench(args)
    results = bench.run()
    if args.merge_from:
        bench.merge(args.merge_from)
    log('raw results: %s' % bench.results_path)
    if not args.no_report:
        md, png = report.write(results, args.docs)
        log('wrote %s and %s' % (md, png))
    failed = [r for case in results['cases'].values() for r in report.all_runs(case) if not r['ok']]
    if failed:
        log('%d runs failed; see the report' % len(failed))
    return 0


if __name__ == '__main__':
    sys.exit(main())
