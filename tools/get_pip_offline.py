#!/usr/bin/env python3
"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test bootstraps pip into each fresh venv by running a get-pip script from a file host
that this network cannot reach. This script does the same job from the standard library's
bundled pip (ensurepip), then installs the packages ansible-test asked for from the package
index that pip is configured to use.
"""

import ensurepip
import os
import subprocess
import sys

# get-pip only understands these; plain pip has no equivalent and does not need them.
UNSUPPORTED_ARGS = {'--no-setuptools', '--no-wheel'}


def main(argv):
    ensurepip.bootstrap(upgrade=True)
    args = [arg for arg in argv if arg not in UNSUPPORTED_ARGS]
    env = dict(os.environ)
    # ansible-test strips the environment; without a CA bundle pip fails TLS verification.
    ca_bundle = '/etc/ssl/certs/ca-certificates.crt'
    if 'PIP_CERT' not in env and os.path.exists(ca_bundle):
        env['PIP_CERT'] = ca_bundle
    if not args:
        return 0
    return subprocess.call([sys.executable, '-m', 'pip', 'install'] + args, env=env)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
