"""Install and run a real Keystone + Glance on loopback for this collection's tests.

Usage: python3 tools/local_cloud.py up|down|status [--purge] [--state-dir DIR]
       [--keystone-port N] [--glance-port N] [--files-port N] [--postgres-port N]
       [--database postgresql|sqlite] [--integration-config PATH]

Standard library only: it runs with the machine's python3 before any project venv exists.
The code lives in the tools/local_cloud/ package beside this file.
"""

import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__ dirs

from local_cloud.cli import main  # noqa: E402  # pylint: disable=wrong-import-position

if __name__ == "__main__":
    sys.exit(main())
