"""Run one command and measure it: wall time, and the peak RSS of the process that streams the data.

Why not GNU time: `/usr/bin/time -f %M` (like getrusage/wait4) reports the largest single process
among all waited-for descendants. Under `ansible-playbook` that is usually the controller itself
(ansible-playbook holds 60-90 MiB of Python), not the module process that moves the image bytes,
so it would hide exactly what we want to see.

What we do instead: start the command in its own session and, every 50 ms, walk its process tree
through /proc/<pid>/task/<tid>/children, reading each process's VmHWM (peak RSS, kernel-kept high
water mark), rchar + wchar from /proc/<pid>/io (bytes moved through read/write syscalls, sockets and
the .py files Python imports included) and its open files (/proc/<pid>/fd). The *streaming
process* is the one seen holding the image file open (the file it uploads, or the file it downloads
into); the bytes moved are only a fallback, because an ansible-playbook controller reads more bytes
of Python than a module streams for a small image. Its last VmHWM sample is its peak RSS. Because VmHWM is a high-water mark, a 50 ms sampling interval only
misses growth in the very last 50 ms of a process's life. The tree-wide maximum from wait4() is
recorded as well, for comparison.
"""

import os
import signal
import subprocess
import time

def _read(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')
    except (OSError, IOError):
        return None


def _children(pid):
    kids = []
    tasks = '/proc/%d/task' % pid
    try:
        tids = os.listdir(tasks)
    except OSError:
        return kids
    for tid in tids:
        text = _read('%s/%s/children' % (tasks, tid))
        if text:
            kids.extend(int(x) for x in text.split())
    return kids


def _tree(root):
    seen, stack = [], [root]
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.append(pid)
        stack.extend(_children(pid))
    return seen


def _status_kib(text, key):
    for line in text.splitlines():
        if line.startswith(key + ':'):
            return int(line.split()[1])
    return None


class ProcRecord:
    __slots__ = ('pid', 'cmd', 'hwm_kib', 'moved', 'first_seen', 'last_seen', 'opened_data')

    def __init__(self, pid, cmd, now):
        self.pid, self.cmd, self.hwm_kib, self.moved = pid, cmd, 0, 0
        self.opened_data = False
        self.first_seen = self.last_seen = now


def _has_open(pid, path):
    """Whether pid holds path open (or, for a directory, any file in it)."""
    prefix = path.rstrip('/') + '/' if os.path.isdir(path) else None
    fd_dir = '/proc/%d/fd' % pid
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return False
    for fd in fds:
        try:
            target = os.readlink('%s/%s' % (fd_dir, fd))
            if target == path or (prefix and target.startswith(prefix)):
                return True
        except OSError:
            pass
    return False


def _sample(root, records, now, data_path=None):
    for pid in _tree(root):
        status = _read('/proc/%d/status' % pid)
        if status is None:
            continue
        rec = records.get(pid)
        # Re-read every time: a forked child shows its parent's command line until it execs.
        cmd = (_read('/proc/%d/cmdline' % pid) or '').replace('\0', ' ').strip()[:300]
        if rec is None:
            rec = records[pid] = ProcRecord(pid, cmd, now)
        elif cmd:
            rec.cmd = cmd
        hwm = _status_kib(status, 'VmHWM')
        if hwm is not None:
            rec.hwm_kib = max(rec.hwm_kib, hwm)
        io = _read('/proc/%d/io' % pid)
        if io:
            vals = dict(line.split(': ', 1) for line in io.splitlines() if ': ' in line)
            rec.moved = max(rec.moved, int(vals.get('rchar', 0)) + int(vals.get('wchar', 0)))
        if data_path and not rec.opened_data and _has_open(pid, data_path):
            rec.opened_data = True
        rec.last_seen = now


def run(cmd, env=None, cwd=None, timeout=3600, interval=0.05, stdout_path=None, stderr_path=None, data_path=None):
    """Run cmd (a list); return a dict with wall_s, rc, the streaming process and peak RSS figures.

    data_path: the image file the command reads (upload), or the directory it downloads into. The process seen with
    it open is the streaming process; without it (or if none was seen), the one that moved most bytes.
    """
    data_path = os.path.realpath(data_path) if data_path else None
    out = open(stdout_path, 'wb') if stdout_path else subprocess.DEVNULL
    err = open(stderr_path, 'wb') if stderr_path else subprocess.DEVNULL
    records = {}
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        rusage = None
        status = None
        while True:
            now = time.perf_counter()
            _sample(proc.pid, records, now, data_path)
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if now - t0 > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(interval)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout_path:
            out.close()
        if stderr_path:
            err.close()
    holders = [r for r in records.values() if r.opened_data]
    streamer = max(holders or records.values(), key=lambda r: r.moved) if records else None
    return {
        'cmd': cmd,
        'rc': proc.returncode,
        'wall_s': wall,
        'timed_out': wall > timeout,
        'tree_max_rss_mib': rusage.ru_maxrss / 1024.0 if rusage else None,
        # CPU time (user + sys) of the whole process tree, from wait4(): far less sensitive to a busy
        # machine than wall time, and what competes with Glance for the same cores here.
        'cpu_s': (rusage.ru_utime + rusage.ru_stime) if rusage else None,
        'streamer_rss_mib': streamer.hwm_kib / 1024.0 if streamer else None,
        'streamer_moved_mib': streamer.moved / 1048576.0 if streamer else None,
        'streamer_cmd': streamer.cmd if streamer else None,
        'streamer_found_by': ('open file' if holders else 'bytes moved') if streamer else None,
        'processes': sorted(
            ({'pid': r.pid, 'cmd': r.cmd[:160], 'hwm_mib': round(r.hwm_kib / 1024.0, 1),
              'moved_mib': round(r.moved / 1048576.0, 1)} for r in records.values()),
            key=lambda d: -d['moved_mib'])[:8],
    }
