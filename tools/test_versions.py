#!/usr/bin/env python3
"""Run ansible-test sanity and units against the supported ansible-core releases besides .venv's.

The project venv (.venv) holds the newest ansible-core that installs on the machine's python3 and
runs every suite (make sanity, units, integration). The other supported releases need a newer
controller Python (ansible-core 2.20 and 2.21 run on Python 3.12 to 3.14), so each gets a venv of
its own, built from the first such interpreter found on PATH or under pyenv, and a collection tree
of its own, so that it can run beside the main suites. A release with no interpreter for it is
reported as not tested (or fails the run with --require). With --target-python, the newest
release also runs the compile and import sanity tests on the oldest supported target Python.

Each step's full output goes to a log file; the console gets one line per step and, for a failed
step, the end of its log.
"""

import argparse
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ansible-core release -> the controller Pythons it supports, in the order to look for them. The
# releases take different interpreters where several exist, so more Pythons get tested.
CONTROLLER_PYTHONS = {
    '2.20': ('3.12', '3.13', '3.14'),
    '2.21': ('3.13', '3.14', '3.12'),
}
GET_PIP_CACHE = os.path.expanduser('~/.ansible/test/cache')
LOG_TAIL_LINES = 60


def interpreter_candidates(python_version):
    """Paths where a CPython of the given minor version may live: PATH, then pyenv, newest patch first."""
    found = shutil.which('python%s' % python_version)
    if found:
        yield found
    pyenv_root = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    pattern = os.path.join(pyenv_root, 'versions', '%s.*' % python_version, 'bin', 'python%s' % python_version)

    def patch_level(path):
        version = path.split(os.sep)[-3]
        return [int(part) if part.isdigit() else -1 for part in re.split(r'[.]', version)]
    for path in sorted(glob.glob(pattern), key=patch_level, reverse=True):
        yield path
    for prefix in ('/usr/local/bin', '/usr/bin'):
        yield os.path.join(prefix, 'python%s' % python_version)


def usable(interpreter):
    """The full version of an interpreter that can make venvs and speak TLS (pip needs both), else None."""
    if not os.access(interpreter, os.X_OK):
        return None
    probe = 'import ensurepip, ssl, venv, sys; print("%d.%d.%d" % sys.version_info[:3])'
    try:
        result = subprocess.run([interpreter, '-c', probe], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def find_python(python_versions):
    for python_version in python_versions:
        for candidate in interpreter_candidates(python_version):
            full_version = usable(candidate)
            if full_version:
                return python_version, candidate, full_version
    return None


class Step:
    """One command whose output goes to a log file, reported as one console line."""

    def __init__(self, label, log_dir):
        self.label = label
        self.log_path = os.path.join(log_dir, re.sub(r'[^A-Za-z0-9.]+', '-', label).strip('-') + '.log')

    def run(self, argv, cwd=ROOT, env=None):
        start = time.monotonic()
        with open(self.log_path, 'w') as log:
            log.write('$ %s\n' % ' '.join(argv))
            log.flush()
            returncode = subprocess.call(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        seconds = time.monotonic() - start
        status = 'passed' if returncode == 0 else 'FAILED (exit %d)' % returncode
        print('versions: %-40s %s in %d s (log: %s)' % (self.label, status, seconds,
                                                       os.path.relpath(self.log_path, ROOT)), flush=True)
        if returncode != 0:
            with open(self.log_path, errors='replace') as log:
                tail = log.readlines()[-LOG_TAIL_LINES:]
            sys.stdout.write(''.join('    | ' + line for line in tail))
            sys.stdout.flush()
        return returncode == 0, seconds


def venv_stamp(core_version):
    digest = hashlib.sha256()
    for name in ('tools/requirements-test.txt', 'requirements.txt'):
        with open(os.path.join(ROOT, name), 'rb') as handle:
            digest.update(handle.read())
    digest.update(core_version.encode())
    return digest.hexdigest()


def ensure_venv(venv_dir, interpreter, core_version, log_dir):
    """A venv with ansible-core <core_version>.* and the unit test requirements; reused while they are unchanged."""
    stamp_path = os.path.join(venv_dir, '.installed')
    wanted = venv_stamp(core_version)
    python = os.path.join(venv_dir, 'bin', 'python')
    if os.path.exists(stamp_path) and open(stamp_path).read() == wanted and os.path.exists(python):
        return True
    shutil.rmtree(venv_dir, ignore_errors=True)
    step = Step('%s: venv (%s)' % (core_version, os.path.basename(venv_dir)), log_dir)
    ok, _ = step.run(['sh', '-c', '"$0" -m venv "$1" && "$1/bin/python" -m pip install --disable-pip-version-check '
                      '-r tools/requirements-test.txt "ansible-core==$2.*"', interpreter, venv_dir, core_version])
    if ok:
        with open(stamp_path, 'w') as stamp:
            stamp.write(wanted)
    return ok


def provide_get_pip(venv_dir):
    """ansible-test bootstraps pip from a script it downloads; put the offline stand-in where it looks."""
    pattern = os.path.join(venv_dir, 'lib', 'python*', 'site-packages', 'ansible_test', '_internal',
                           'python_requirements.py')
    for path in glob.glob(pattern):
        with open(path) as handle:
            match = re.search(r"pip='([0-9.]+)'", handle.read())
        if match:
            os.makedirs(GET_PIP_CACHE, exist_ok=True)
            target = os.path.join(GET_PIP_CACHE, 'get_pip_%s.py' % match.group(1).replace('.', '_'))
            shutil.copyfile(os.path.join(ROOT, 'tools', 'get_pip_offline.py'), target)


def test_release(core_version, args, log_dir):
    """Sanity and units of one ansible-core release; returns a summary row."""
    found = find_python(CONTROLLER_PYTHONS[core_version])
    if not found:
        wanted = ', '.join(CONTROLLER_PYTHONS[core_version])
        print('versions: %s: NOT TESTED: no usable Python %s found (PATH, pyenv, /usr/bin)' % (core_version, wanted),
              flush=True)
        return [core_version, '-', 'not tested (no Python %s)' % wanted, '', '']
    python_version, interpreter, full_version = found
    venv_dir = os.path.join(ROOT, '%s%s' % (args.venv_prefix, core_version))
    if not ensure_venv(venv_dir, interpreter, core_version, log_dir):
        return [core_version, full_version, 'venv FAILED', '', '']
    provide_get_pip(venv_dir)
    installed = subprocess.run([os.path.join(venv_dir, 'bin', 'python'), '-c',
                                'import ansible.release; print(ansible.release.__version__)'],
                               capture_output=True, text=True).stdout.strip()
    tree = '%s-core%s' % (args.tree_base, core_version)
    subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'build_tree.py'), '--build-dir', tree],
                   check=True, stdout=subprocess.DEVNULL)
    collection = os.path.join(tree, 'ansible_collections', 'osimg', 'glance')
    env = dict(os.environ, PATH=os.path.join(venv_dir, 'bin') + os.pathsep + os.environ['PATH'])
    ansible_test = os.path.join(venv_dir, 'bin', 'ansible-test')
    row = [installed or core_version, full_version]
    for suite, extra in (('sanity', ['--venv']), ('units', ['--local'])):
        step = Step('%s: %s on Python %s' % (installed, suite, full_version), log_dir)
        ok, seconds = step.run([ansible_test, suite] + extra + ['--python', python_version, '--color', 'no'],
                               cwd=collection, env=env)
        row.append('%s (%d s)' % ('passed' if ok else 'FAILED', seconds))
    if args.target_python and core_version == args.versions[-1]:
        row.append(check_target_python(args.target_python, ansible_test, collection, env, installed, log_dir))
    else:
        row.append('')
    return row


def check_target_python(python_version, ansible_test, collection, env, installed, log_dir):
    """compile and import sanity tests of modules and module_utils on the oldest supported target Python."""
    found = find_python((python_version,))
    if not found:
        print('versions: %s: target Python %s NOT TESTED: no usable interpreter found' % (installed, python_version),
              flush=True)
        return 'Python %s: not tested (no interpreter)' % python_version
    _, interpreter, full_version = found
    # ansible-test looks for python<X.Y> on PATH; show it the one found (pyenv keeps it elsewhere).
    with tempfile.TemporaryDirectory() as bin_dir:
        os.symlink(interpreter, os.path.join(bin_dir, 'python%s' % python_version))
        target_env = dict(env, PATH=env['PATH'] + os.pathsep + bin_dir)
        step = Step('%s: compile+import on Python %s' % (installed, full_version), log_dir)
        ok, seconds = step.run([ansible_test, 'sanity', '--venv', '--test', 'compile', '--test', 'import',
                                '--python', python_version, '--color', 'no'], cwd=collection, env=target_env)
    return 'Python %s compile+import %s (%d s)' % (full_version, 'passed' if ok else 'FAILED', seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('versions', nargs='+', choices=sorted(CONTROLLER_PYTHONS), metavar='CORE_VERSION',
                        help='ansible-core releases to test (%s)' % ', '.join(sorted(CONTROLLER_PYTHONS)))
    parser.add_argument('--tree-base', required=True, help='prefix of the collection trees (<prefix>-core<version>)')
    parser.add_argument('--venv-prefix', default='.venv-core-', help='prefix of the venvs, inside the repository')
    parser.add_argument('--log-dir', default=os.path.join(ROOT, '.build', 'versions'))
    parser.add_argument('--target-python', help='also run compile and import sanity on this target Python')
    parser.add_argument('--require', action='store_true', help='fail when a release has no interpreter')
    args = parser.parse_args()
    os.makedirs(args.log_dir, exist_ok=True)
    start = time.monotonic()
    rows = [test_release(version, args, args.log_dir) for version in args.versions]
    print('versions: summary (%d s)' % (time.monotonic() - start))
    header = ['ansible-core', 'Python', 'sanity', 'units', 'target Python']
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print('  ' + '  '.join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    failed = any('FAILED' in ' '.join(map(str, row)) for row in rows)
    untested = any(row[1] == '-' for row in rows)
    if failed or (untested and args.require):
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
