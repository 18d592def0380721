"""Starting, recognising and stopping the servers this tool runs.

Each server runs in a session of its own, so its PID is also its process group id. The PID file
records the start time from /proc/<pid>/stat and the boot id, so a PID that the kernel handed
to another program later is never mistaken for ours.
"""

import dataclasses
import errno
import os
import signal
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from .errors import LocalCloudError
from .fsutil import read_json, tail, write_json

OURS = "ours"        # the recorded leader is alive and is the process we started
GONE = "gone"        # the recorded leader has exited (or is an unreaped zombie)
FOREIGN = "foreign"  # the PID now belongs to another program, or the machine rebooted

# Loopback calls must never go through a proxy taken from the environment.
LOOPBACK_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclasses.dataclass
class ProcStat:
    state: str
    pgrp: int
    start_time: int


@dataclasses.dataclass
class ProcessRecord:
    name: str
    pid: int
    start_time: int
    boot_id: str
    port: int
    url: str
    digest: str
    argv: list
    stop_signal: int = signal.SIGTERM  # PostgreSQL stops fast (without waiting for clients) on SIGINT


def read_proc_stat(pid):
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name (field 2) may contain spaces; everything after its ')' is positional.
    fields = text[text.rindex(")") + 2:].split()
    return ProcStat(state=fields[0], pgrp=int(fields[2]), start_time=int(fields[19]))


def current_boot_id():
    return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="utf-8").strip()


def record_path(run_dir, name):
    return run_dir / f"{name}.pid"


def load_record(run_dir, name):
    data = read_json(record_path(run_dir, name))
    if not isinstance(data, dict):
        return None
    try:
        return ProcessRecord(**data)
    except TypeError:
        return None


def save_record(run_dir, record):
    write_json(record_path(run_dir, record.name), dataclasses.asdict(record))


def remove_record(run_dir, name):
    try:
        record_path(run_dir, name).unlink()
    except FileNotFoundError:
        pass


def leader_state(record):
    if record.boot_id != current_boot_id():
        return FOREIGN
    stat = read_proc_stat(record.pid)
    if stat is None:
        return GONE
    if stat.start_time != record.start_time:
        return FOREIGN
    return GONE if stat.state in ("Z", "X") else OURS


def group_members(pgid):
    """Live (non-zombie) processes in process group pgid."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = read_proc_stat(int(entry))
            if stat and stat.pgrp == pgid and stat.state not in ("Z", "X"):
                members.append(int(entry))
    return members


def owns_group(record):
    """True if the recorded process group is ours to signal.

    While any process is in group N, the kernel does not hand PID N to a new process, so with the
    leader gone (and its PID not reused) the remaining members are our orphans, e.g. uwsgi
    workers whose master was killed.
    """
    state = leader_state(record)
    if state == OURS:
        return True
    return state == GONE and bool(group_members(record.pid))


def signal_group(pgid, signum):
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def wait_group_gone(pgid, timeout, child=None):
    deadline = time.monotonic() + timeout
    while True:
        if child is not None:
            child.poll()  # reap our own child so it does not linger as a zombie
        if not group_members(pgid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def stop_group(record, child=None, timeout=10.0):
    """Signal the recorded group to stop, SIGKILL after timeout. False if it was not ours to stop."""
    if not owns_group(record):
        return False
    signal_group(record.pid, record.stop_signal)
    if not wait_group_gone(record.pid, timeout, child):
        signal_group(record.pid, signal.SIGKILL)
        wait_group_gone(record.pid, 5.0, child)
    return True


def timestamp():
    return time.strftime("%Y-%m-%d %H:%M:%S")


@dataclasses.dataclass(frozen=True)
class RunAs:
    """Another system account to run a program as (root only), e.g. PostgreSQL, which refuses root."""
    name: str
    uid: int
    gid: int

    def popen_args(self):
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def as_account(run_as):
    return run_as.popen_args() if run_as else {}


def start_process(name, argv, env, log_path, cwd, run_as=None):
    """Start argv in a new session with output appended to log_path; return the Popen."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        log.write(f"\n=== {timestamp()}: starting {name} ===\n".encode())
        log.flush()
        return subprocess.Popen(  # pylint: disable=consider-using-with
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=env, cwd=str(cwd), start_new_session=True, **as_account(run_as))


def identify(child):
    """Start time of a child we just started (it is fixed at fork, before exec)."""
    stat = read_proc_stat(child.pid)
    return stat.start_time if stat else 0


def port_is_free(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def http_status(url, timeout=2.0):
    """HTTP status of a GET, or None if nothing answered."""
    try:
        with LOOPBACK_OPENER.open(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def answers(url, timeout=2.0):
    status = http_status(url, timeout)
    return status is not None and status < 500


def run_logged(argv, log_path, what, env=None, tail_lines=20, run_as=None, cwd=None):
    """Run a one-shot command with its output appended to log_path; fail with the log's tail."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        # The header names the step, not argv, which may carry a password.
        log.write(f"\n=== {timestamp()}: {what} ===\n".encode())
        log.flush()
        result = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=env, cwd=None if cwd is None else str(cwd), check=False,
                                **as_account(run_as))
    if result.returncode != 0:
        raise LocalCloudError(f"{what} failed (exit {result.returncode}); "
                              f"last lines of {log_path}:\n{tail(log_path, tail_lines)}")


POSTGRES_PROBE_USER = b"postgres"  # any role: the server asks for a password before it checks the role


def accepts_connections(port, timeout=2.0, host="127.0.0.1"):
    """True once the server answers a startup message with an authentication request.

    This is what pg_isready does: a server still starting or recovering answers with an error
    instead, and a closed port refuses the connection.
    """
    body = struct.pack("!i", 196608) + b"user\0" + POSTGRES_PROBE_USER + b"\0database\0postgres\0\0"
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.sendall(struct.pack("!i", len(body) + 4) + body)
            if connection.recv(1) != b"R":
                return False
            # Read the whole request before closing: unread bytes would make the close a reset,
            # which the server logs; a plain close during authentication it does not.
            length = struct.unpack("!i", receive_exactly(connection, 4))[0]
            receive_exactly(connection, length - 4)
            return True
    except (OSError, struct.error):
        return False


def receive_exactly(connection, count):
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data
