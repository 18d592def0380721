# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Running a test server of this directory (stdlib only, test code, never shipped to users).

``run_server`` is a server script's main: with ``--daemon`` it starts the script again in the background
(``start_daemon``: a session of its own, ``--port-file``) and prints where it listens, with its pid, once it
does; otherwise it serves in the foreground and writes where it listens to ``--port-file``.
"""

import json
import os
import subprocess
import sys
import time


def write_port_file(path, info):
    """Write info (a JSON object: url, port...) to path in one rename, for start_daemon to read."""
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(info, f)
    os.rename(tmp, path)


def start_daemon(script, argv, log_file, what, timeout=15.0):
    """Run script with argv in its own session; return what it wrote to its port file, with "pid", once it listens."""
    port_file = '%s.ports.%d' % (log_file or os.path.join('/tmp', os.path.basename(script)), os.getpid())
    if os.path.exists(port_file):
        os.unlink(port_file)
    out = open(log_file or os.devnull, 'ab')
    try:
        child = subprocess.Popen([sys.executable, os.path.abspath(script)] + argv + ['--port-file', port_file],
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True, close_fds=True)
    finally:
        out.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit('%s exited at once with %s; see %s' % (what, child.returncode, log_file))
        try:
            with open(port_file) as f:
                info = json.load(f)
            os.unlink(port_file)
            return dict(info, pid=child.pid)
        except (IOError, ValueError):
            time.sleep(0.05)
    child.kill()
    raise SystemExit('%s did not start within %s seconds' % (what, timeout))


def run_server(script, argv, args, what, make_server, where):
    """The main of a server script: args parsed from argv (with daemon, log_file and port_file); make_server(args)
    returns a server with serve_forever(); where(server) is what it tells of itself (a JSON object with url)."""
    if args.daemon:
        print(json.dumps(start_daemon(script, [a for a in argv if a != '--daemon'], args.log_file, what)))
        return 0
    server = make_server(args)
    info = where(server)
    if args.port_file:
        write_port_file(args.port_file, info)
    print('%s: %s' % (what, json.dumps(info)), flush=True)
    server.serve_forever()
    return 0
