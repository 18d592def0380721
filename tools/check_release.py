#!/usr/bin/env python3
"""Release checks that need no cloud: a trial changelog release, the tarball's file list, the EE build context.

  changelog  copy the collection into a scratch tree and run `antsibull-changelog release` there:
             the release must succeed, consume every fragment, and list the release summary and
             every module as new.
  tarball    the built tarball holds every file a user needs (everything git tracks, less the
             development-only paths below) and nothing else: no untracked file, no venv, cache or
             local cloud state that a developer's tree holds.
  ee         `ansible-builder create` makes a build context from examples/execution-environment/,
             with the collection tarball in it, and `ansible-builder introspect` reads the
             collection's Python and system requirements from meta/execution-environment.yml.

Each prints what it checked and exits non-zero with a list of what is wrong.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMESPACE, NAME = 'osimg', 'glance'
# Tracked paths that serve development only and stay out of the tarball (galaxy.yml build_ignore).
DEVELOPMENT_ONLY = ('.ci/', 'bench/', 'tools/', 'Makefile', '.gitignore', '.ansible-lint', 'docs/benchmarks.',
                    'docs/developing.md')
# ansible-galaxy turns galaxy.yml into MANIFEST.json and adds FILES.json.
GENERATED = {'MANIFEST.json', 'FILES.json'}
REQUIRED = ('README.md', 'LICENSES/GPL-3.0-or-later.txt', 'meta/runtime.yml', 'meta/execution-environment.yml',
            'requirements.txt', 'bindep.txt', 'changelogs/changelog.yaml')


def galaxy_version():
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        return yaml.safe_load(handle)['version']


def module_names():
    return sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                  if name.endswith('.py') and not name.startswith('_'))


def tracked_files():
    out = subprocess.run(['git', 'ls-files', '-z'], cwd=ROOT, check=True, capture_output=True).stdout.decode()
    return {name for name in out.split('\0') if name and os.path.isfile(os.path.join(ROOT, name))}


def run(argv, **kwargs):
    print('$ ' + ' '.join(argv), flush=True)
    return subprocess.run(argv, check=True, **kwargs)


def report(checked, problems):
    for line in checked:
        print('ok: ' + line)
    for line in problems:
        print('FAILED: ' + line)
    return 1 if problems else 0


def check_changelog(args):
    version = galaxy_version()
    shutil.rmtree(args.work_dir, ignore_errors=True)
    run([sys.executable, os.path.join(ROOT, 'tools', 'build_tree.py'), '--build-dir', args.work_dir],
        stdout=subprocess.DEVNULL)
    collection = os.path.join(args.work_dir, 'ansible_collections', NAMESPACE, NAME)
    fragments_dir = os.path.join(collection, 'changelogs', 'fragments')
    fragments = [name for name in os.listdir(fragments_dir) if name.endswith(('.yml', '.yaml'))]
    run(['antsibull-changelog', 'release', '--version', version], cwd=collection)

    checked, problems = [], []
    with open(os.path.join(collection, 'changelogs', 'changelog.yaml')) as handle:
        release = (yaml.safe_load(handle).get('releases') or {}).get(version) or {}
    rst_path = os.path.join(collection, 'CHANGELOG.rst')
    rst = open(rst_path).read() if os.path.exists(rst_path) else ''
    if not rst:
        problems.append('no CHANGELOG.rst was written')
    if 'v%s' % version not in rst:
        problems.append('CHANGELOG.rst has no section for v%s' % version)
    if not (release.get('changes') or {}).get('release_summary'):
        problems.append('release %s has no release summary' % version)
    else:
        checked.append('release %s has a release summary' % version)
    released_modules = sorted(module['name'] for module in release.get('modules') or [])
    missing = sorted(set(module_names()) - set(released_modules))
    if missing:
        problems.append('modules not listed as new in %s (is version_added right?): %s' % (version, ', '.join(missing)))
    else:
        checked.append('all %d modules are listed as new in %s' % (len(released_modules), version))
    left = [name for name in os.listdir(fragments_dir) if name.endswith(('.yml', '.yaml'))]
    if left:
        problems.append('fragments left after the release: %s' % ', '.join(sorted(left)))
    else:
        checked.append('the release consumed all %d fragments' % len(fragments))
    return report(checked, problems)


def check_tarball(args):
    with tarfile.open(args.tarball) as tar:
        members = {member.name for member in tar.getmembers() if member.isfile()}
    tracked = tracked_files()
    shipped_tracked = {name for name in tracked
                       if not name.startswith(DEVELOPMENT_ONLY) and name != 'galaxy.yml'}
    checked, problems = [], []
    unexpected = sorted(members - shipped_tracked - GENERATED)
    untracked = [name for name in unexpected if name not in tracked]
    dev_only = [name for name in unexpected if name in tracked]
    if untracked:
        problems.append('%d files that git does not track are in the tarball (commit them, or add them to build_ignore in galaxy.yml): %s'
                        % (len(untracked), ', '.join(untracked[:20]) + (' ...' if len(untracked) > 20 else '')))
    if dev_only:
        problems.append('development-only files are in the tarball: %s' % ', '.join(dev_only))
    missing = sorted(shipped_tracked - members)
    if missing:
        problems.append('tracked files missing from the tarball (build_ignore too wide?): %s' % ', '.join(missing))
    for name in REQUIRED + tuple('plugins/modules/%s.py' % module for module in module_names()):
        if name not in members:
            problems.append('%s is not in the tarball' % name)
    if not problems:
        checked.append('%s: %d files, exactly the %d tracked files a user needs plus %s'
                       % (os.path.basename(args.tarball), len(members), len(shipped_tracked),
                          ' and '.join(sorted(GENERATED))))
    return report(checked, problems)


def check_ee(args):
    version = galaxy_version()
    tarball = os.path.join(ROOT, 'dist', '%s-%s-%s.tar.gz' % (NAMESPACE, NAME, version))
    definition = os.path.join(ROOT, 'examples', 'execution-environment', 'execution-environment.yml')
    shutil.rmtree(args.work_dir, ignore_errors=True)
    context = os.path.join(args.work_dir, 'context')
    checked, problems = [], []

    run(['ansible-builder', 'create', '--file', definition, '--context', context, '--output-filename', 'Containerfile'])
    containerfile_path = os.path.join(context, 'Containerfile')
    containerfile = open(containerfile_path).read() if os.path.exists(containerfile_path) else ''
    if 'ansible-galaxy' not in containerfile:
        problems.append('the Containerfile installs no collections')
    requirements_path = os.path.join(context, '_build', 'requirements.yml')
    collections = []
    if os.path.exists(requirements_path):
        with open(requirements_path) as handle:
            collections = yaml.safe_load(handle).get('collections') or []
    sources = [entry.get('name') for entry in collections if isinstance(entry, dict) and entry.get('type') == 'file']
    expected = 'collections/%s' % os.path.basename(tarball)
    if expected not in sources:
        problems.append('examples/execution-environment/requirements.yml installs %s, not %s (the version in galaxy.yml)'
                        % (', '.join(map(str, sources)) or 'nothing from a file', expected))
    elif not os.path.exists(os.path.join(context, '_build', expected)):
        problems.append('the build context lacks %s (additional_build_files)' % expected)
    else:
        checked.append('ansible-builder create: a build context with a Containerfile that installs %s' % expected)

    collections_dir = os.path.join(args.work_dir, 'collections')
    run(['ansible-galaxy', 'collection', 'install', '--force', '-p', collections_dir, tarball],
        stdout=subprocess.DEVNULL)
    introspected = run(['ansible-builder', 'introspect', '--sanitize', collections_dir],
                       capture_output=True, text=True).stdout
    print(introspected)
    data = yaml.safe_load(introspected[introspected.index('---'):]) if '---' in introspected else {}
    python = [line for line in (data.get('python') or []) if '%s.%s' % (NAMESPACE, NAME) in line]
    with open(os.path.join(ROOT, 'requirements.txt')) as handle:
        wanted = [re.split(r'[<>=!~ ]', line.strip())[0] for line in handle
                  if line.strip() and not line.startswith('#')]
    absent = [name for name in wanted if not any(line.startswith(name) for line in python)]
    if absent:
        problems.append('ansible-builder introspect does not see %s from %s.%s (meta/execution-environment.yml)'
                        % (', '.join(absent), NAMESPACE, NAME))
    else:
        checked.append('ansible-builder introspect: %s from %s.%s; system packages: %s'
                       % (', '.join(wanted), NAMESPACE, NAME, ', '.join(data.get('system') or []) or 'none'))
    return report(checked, problems)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    changelog = commands.add_parser('changelog', help='trial antsibull-changelog release in a scratch tree')
    changelog.add_argument('--work-dir', required=True)
    tarball = commands.add_parser('tarball', help="check the built tarball's file list")
    tarball.add_argument('tarball')
    ee = commands.add_parser('ee', help='ansible-builder create and introspect')
    ee.add_argument('--work-dir', required=True)
    args = parser.parse_args()
    args.work_dir = os.path.abspath(args.work_dir) if getattr(args, 'work_dir', None) else None
    return {'changelog': check_changelog, 'tarball': check_tarball, 'ee': check_ee}[args.command](args)


if __name__ == '__main__':
    sys.exit(main())
