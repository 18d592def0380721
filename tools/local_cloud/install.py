"""What must be installed before anything runs: qemu-img and the servers' venv."""

import os
import shutil
import subprocess
import sys
import time

from .errors import LocalCloudError
from .fsutil import tail
from .procs import run_logged

# psycopg2-binary: oslo.db's PostgreSQL driver (a wheel; nothing to compile).
PINS = ("glance==33.0.0", "keystone==30.0.0", "uwsgi", "psycopg2-binary==2.9.10")
PINS_MARKER = ".local-cloud-pins"


def pins_text():
    return "\n".join(PINS) + "\n"


def ensure_qemu_img(settings):
    """Glance runs `qemu-img info` during imports and tests need real qcow2 files."""
    if shutil.which("qemu-img"):
        return
    print(f"qemu-img missing: installing Debian qemu-utils (log: {settings.log_file('apt')})")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run_logged(["apt-get", "update"], settings.log_file("apt"), "apt-get update", env=env)
    run_logged(["apt-get", "install", "-y", "qemu-utils"], settings.log_file("apt"),
               "apt-get install qemu-utils", env=env)
    if not shutil.which("qemu-img"):
        raise LocalCloudError("qemu-utils installed but qemu-img is still not on PATH")


def venv_is_current(settings):
    marker = settings.venv / PINS_MARKER
    try:
        recorded = marker.read_text(encoding="utf-8")
    except OSError:
        return False
    return recorded == pins_text() and os.access(settings.venv_bin("uwsgi"), os.X_OK)


def ensure_venv(settings):
    """Create <state>/venv with the pinned servers, unless the marker says it is already there."""
    if venv_is_current(settings):
        return
    if (settings.venv / PINS_MARKER).exists():
        # pip installs what is new and leaves what already matches, which is quicker than a rebuild.
        print(f"pins changed: updating {settings.venv}")
    if not os.access(settings.venv_bin("python"), os.X_OK):
        run_logged([sys.executable, "-m", "venv", str(settings.venv)], settings.log_file("pip"),
                   "creating the venv (Debian needs the python3-venv package)")
    install_pins(settings)
    (settings.venv / PINS_MARKER).write_text(pins_text(), encoding="utf-8")


def install_pins(settings):
    log_path = settings.log_file("pip")
    started = time.monotonic()
    print(f"pip: installing {' '.join(PINS)} into {settings.venv} (~2 min) ... ", end="", flush=True)
    with open(log_path, "ab") as log:
        result = subprocess.run([settings.venv_bin("pip"), "install", *PINS], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        print("failed")
        raise LocalCloudError(f"pip install failed (exit {result.returncode}); "
                              f"last 30 lines of {log_path}:\n{tail(log_path, 30)}")
    print(f"done in {time.monotonic() - started:.0f} s (log: {log_path})")
