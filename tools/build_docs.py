#!/usr/bin/env python3
"""Build the collection's docs site (antsibull-docs + Sphinx) into <dest>/html, failing on any broken reference.

antsibull-docs renders the module and role pages and the guides of docs/docsite/ to RST; Sphinx
builds HTML with warnings as errors and nitpicky references, so a link to a missing module, option,
role or guide fails the build. References into the Ansible docsite (ansible.builtin plugins, the
common return values, the configuration settings) resolve through a small intersphinx inventory
written here, since the build runs offline: their URLs follow the published docsite layout but
cannot be checked from here.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import zlib

COLLECTION = 'osimg.glance'
ANSIBLE_DOCSITE = 'https://docs.ansible.com/projects/ansible/devel/'
# Labels of the Ansible docsite that antsibull-docs' pages refer to: label -> (path#anchor, title).
DOCSITE_LABELS = {
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values',
                             'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
    'module_defaults': ('playbook_guide/playbooks_module_defaults.html#module-defaults',
                        'Module defaults'),
    'check_mode_dry': ('playbook_guide/playbooks_checkmode.html#check-mode-dry',
                       'Validating tasks: check mode and diff mode'),
}
BUILTIN_PLUGIN_TYPES = ('module', 'lookup', 'filter', 'test')


def builtin_plugin_labels():
    """antsibull-docs' label of every ansible.builtin plugin of the types docs refer to."""
    labels = {}
    for plugin_type in BUILTIN_PLUGIN_TYPES:
        out = subprocess.run(['ansible-doc', '--list', '--json', '-t', plugin_type, 'ansible.builtin'],
                             check=True, capture_output=True, text=True).stdout
        for fqcn in json.loads(out):
            name = fqcn.split('.')[-1]
            label = 'ansible_collections.ansible.builtin.%s_%s' % (name, plugin_type)
            anchor = label.replace('.', '-').replace('_', '-')
            labels[label] = ('collections/ansible/builtin/%s_%s.html#%s' % (name, plugin_type, anchor),
                             '%s %s' % (fqcn, plugin_type))
    return labels


def write_inventory(path, labels):
    """An intersphinx inventory (format version 2) of std:label entries."""
    lines = ''.join('%s std:label -1 %s %s\n' % (label, uri, title) for label, (uri, title) in sorted(labels.items()))
    with open(path, 'wb') as handle:
        handle.write(b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
                     b'# The remainder of this file is compressed using zlib.\n')
        handle.write(zlib.compress(lines.encode('utf-8')))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--collections-path', required=True, help='directory that holds ansible_collections/')
    parser.add_argument('--dest', required=True, help='output folder: src/ (the generated Sphinx project), html/')
    args = parser.parse_args()
    dest = os.path.abspath(args.dest)
    src = os.path.join(dest, 'src')
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(src)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.abspath(args.collections_path))

    subprocess.run(['antsibull-docs', 'sphinx-init', '--use-current', '--squash-hierarchy', '--fail-on-error',
                    '--dest-dir', src, '--project', COLLECTION, '--title', '%s documentation' % COLLECTION,
                    '--html-short-title', COLLECTION, '--copyright', '%s contributors' % COLLECTION, COLLECTION],
                   check=True, env=env, stdout=subprocess.DEVNULL)

    labels = dict(DOCSITE_LABELS)
    labels.update(builtin_plugin_labels())
    inventory = os.path.join(src, 'ansible_devel.inv')
    write_inventory(inventory, labels)
    with open(os.path.join(src, 'conf.py'), 'a') as conf:
        conf.write('\n# Offline build: references into the Ansible docsite resolve through a local inventory.\n'
                   'intersphinx_mapping = {%r: (%r, %r)}\n' % ('ansible_devel', ANSIBLE_DOCSITE, inventory))

    # build.sh: antsibull-docs collection into rst/, then sphinx-build -W --keep-going into build/.
    subprocess.run(['bash', os.path.join(src, 'build.sh')], check=True, env=env)
    os.rename(os.path.join(src, 'build', 'html'), os.path.join(dest, 'html'))
    print('docs site: %s' % os.path.join(dest, 'html', 'index.html'))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as error:
        print('docs build FAILED: %s exited %d' % (' '.join(error.cmd[:3]), error.returncode), file=sys.stderr)
        sys.exit(1)
