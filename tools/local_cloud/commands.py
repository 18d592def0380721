"""The up, down and status commands."""

import contextlib
import dataclasses
import fcntl
import shutil
import time

from . import fileserver, glance, identity, install, keystone, outputs, postgres
from .accounts import DATABASE_SUPERUSER, database_password_key, load_or_create_passwords
from .errors import EXIT_PORT_BUSY, LocalCloudError
from .fsutil import read_json, tail, write_private
from .procs import (OURS, ProcessRecord, current_boot_id, identify, leader_state, load_record, owns_group,
                    port_is_free, remove_record, save_record, start_process, stop_group)
from .servers import SERVER_NAMES, describe_servers
from .settings import DATABASES

EXIT_NOT_RUNNING = 3
# Servers that keep connections to the database: restarted whenever the database is.
DATABASE_CLIENTS = ("keystone", "glance")


def plan_launches(settings, passwords):
    launches = {
        "keystone": keystone.launch(settings, passwords),
        "glance": glance.launch(settings, passwords),
        "files": fileserver.launch(settings),
    }
    if settings.uses_postgresql:
        # Only looked up here, for the digest; `up` installs and creates what is missing before initdb.
        launches["postgres"] = postgres.launch(settings, postgres.find_bindir(), postgres.running_account())
    return launches


def is_healthy(server, record, digest=None, timeout=2.0):
    """Our recorded process is alive, answers, and (if digest given) runs the wanted config."""
    return (record is not None and leader_state(record) == OURS
            and (digest is None or record.digest == digest) and server.answers(timeout))


class Up:
    """One `up` call: remembers what it started so a failure can stop exactly that."""

    def __init__(self, settings):
        self.settings = settings
        self.servers = describe_servers(settings)
        self.passwords = None
        self.launches = None
        self.started = []  # (record, Popen) in start order
        self.actions = {}

    def run(self):
        self.passwords = load_or_create_passwords(self.settings)
        self.launches = plan_launches(self.settings, self.passwords)
        pending = [server for server in self.servers if not self.keep_running(server)]
        if any(server.name == "postgres" for server in pending):
            pending = [server for server in self.servers
                       if server in pending or server.name in DATABASE_CLIENTS]
        users = outputs.recorded_users(self.settings, self.passwords)
        if not pending and users:
            return self.finish(users)
        try:
            users = self.bring_up(pending, users)
            return self.finish(users)
        except BaseException:
            self.stop_started()
            raise

    def keep_running(self, server):
        record = load_record(self.settings.run_dir, server.name)
        # A generous timeout: a busy server (say, mid 1 GiB upload) must not be mistaken for a hung one.
        if is_healthy(server, record, self.launches[server.name].digest(), timeout=10.0):
            self.actions[server.name] = f"already running, pid {record.pid}"
            return True
        return False

    def bring_up(self, pending, users):
        for server in reversed(pending):  # clients of the database before the database
            self.clear_previous(server)
        check_ports_free(pending)
        install.ensure_qemu_img(self.settings)
        install.ensure_venv(self.settings)
        names = {server.name for server in pending}
        if "postgres" in names:
            self.start_postgres()
        if self.settings.uses_postgresql and names & set(DATABASE_CLIENTS):
            postgres.ensure_databases(self.settings, self.passwords)
        if "keystone" in names:
            self.write_config("keystone")
            keystone.initialize(self.settings, self.passwords)
            self.start(self.server("keystone"))
        if users is None:
            users = identity.register(self.settings, self.passwords)
        if "glance" in names:
            self.write_config("glance")
            glance.initialize(self.settings, self.passwords)
            self.start(self.server("glance"))
        if "files" in names:
            fileserver.initialize(self.settings)
            self.start(self.server("files"))
        return users

    def start_postgres(self):
        bindir = postgres.ensure_binaries(self.settings)
        account = postgres.cluster_account(self.settings)
        self.launches["postgres"] = postgres.launch(self.settings, bindir, account)
        postgres.initialize(self.settings, bindir, account,
                            self.passwords[database_password_key(DATABASE_SUPERUSER)])
        self.start(self.server("postgres"))

    def server(self, name):
        return next(server for server in self.servers if server.name == name)

    def clear_previous(self, server):
        """Stop a stale or half-dead earlier instance (ours only) and forget its PID file."""
        record = load_record(self.settings.run_dir, server.name)
        if record is not None:
            if owns_group(record):
                print(f"{server.name}: stopping the earlier instance (pid {record.pid}) to restart it")
                stop_group(record)
            remove_record(self.settings.run_dir, server.name)
        if server.name == "postgres":
            postgres.clear_leftovers(self.settings)

    def write_config(self, name):
        launch = self.launches[name]
        for path, text in launch.files.items():
            if path in launch.private_files:
                write_private(path, text)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")

    def start(self, server):
        launch = self.launches[server.name]
        child = start_process(server.name, launch.argv, launch.environment(),
                              self.settings.log_file(server.name), launch.cwd or self.settings.state_dir,
                              run_as=launch.run_as)
        record = ProcessRecord(name=server.name, pid=child.pid, start_time=identify(child),
                               boot_id=current_boot_id(), port=server.port, url=server.url,
                               digest=launch.digest(), argv=launch.argv, stop_signal=launch.stop_signal)
        save_record(self.settings.run_dir, record)
        self.started.append((record, child))
        began = time.monotonic()
        wait_until_ready(server, child, self.settings)
        self.actions[server.name] = f"started in {time.monotonic() - began:.1f} s, pid {child.pid}"

    def stop_started(self):
        for record, child in reversed(self.started):
            print(f"{record.name}: stopping it again (pid {record.pid})")
            stop_group(record, child)
            remove_record(self.settings.run_dir, record.name)

    def finish(self, users):
        document = outputs.write_outputs(self.settings, users)
        print_summary(self.settings, self.servers, self.actions, document)
        return 0


def check_ports_free(servers):
    for server in servers:
        if not port_is_free(server.port):
            raise LocalCloudError(
                f"port {server.port} (for {server.name}) on 127.0.0.1 is already in use by another "
                f"program; stop that program or choose another port with {server.how_to_move}",
                EXIT_PORT_BUSY)


def wait_until_ready(server, child, settings):
    deadline = time.monotonic() + server.ready_timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            fail_start(server, settings, f"exited with code {child.returncode}")
        if server.answers(timeout=5.0):
            return
        time.sleep(0.5)
    fail_start(server, settings, f"did not answer {server.health_url} within {server.ready_timeout:.0f} s")


def fail_start(server, settings, reason):
    log_path = settings.log_file(server.name)
    # Only what this start wrote: the lines of earlier runs would hide the reason.
    lines = tail(log_path, 20, since="=== ")
    raise LocalCloudError(f"{server.name} {reason}; last lines of {log_path}:\n{lines}")


def print_summary(settings, servers, actions, document):
    print(f"local cloud is up (state: {settings.state_dir})")
    for server in servers:
        print(f"  {server.name:<8} {server.url:<28} {actions.get(server.name, '')}")
    print(f"  database: {document['database']['description']}")
    print(f"  image files served from {settings.files_dir} (e.g. {document['tiny_qcow2_url']})")
    clouds = ", ".join(user["cloud"] for user in document["users"].values())
    print(f"  clouds: {clouds}")
    print(f"  integration config: {settings.integration_config}")
    print(f"  export OS_CLIENT_CONFIG_FILE={settings.clouds_yaml}")
    print(f"  export OS_CLIENT_SECURE_FILE={settings.secure_yaml}")


@contextlib.contextmanager
def state_lock(settings):
    """Serialise up/down calls on one state dir, e.g. two test runs starting at once."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.state_dir / ".lock", "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def command_up(settings):
    with state_lock(settings):
        return Up(settings).run()


def command_down(settings):
    if not settings.state_dir.exists():
        print(f"local cloud: nothing was running (no state dir at {settings.state_dir})")
        if settings.purge:
            purge(settings)
        return 0
    with state_lock(settings):
        return stop_all(settings)


def stop_all(settings):
    """Every server with a PID file, whichever database this call names: clients before what they call."""
    stopped = 0
    for name in reversed(SERVER_NAMES):
        record = load_record(settings.run_dir, name)
        if record is None:
            continue
        if stop_group(record):
            print(f"{name}: stopped (pid {record.pid})")
            stopped += 1
        else:
            print(f"{name}: was not running (pid {record.pid} is gone or no longer ours)")
        remove_record(settings.run_dir, name)
    if not stopped:
        print("local cloud: nothing was running")
    if settings.purge:
        purge(settings)
    return 0


def purge(settings):
    if settings.postgres_data_dir.exists():
        postgres.clear_leftovers(settings)  # a cluster running without a PID file must not lose its files
    if settings.state_dir.exists():
        shutil.rmtree(settings.state_dir)
        print(f"removed {settings.state_dir}")
    if written_by_us(settings.integration_config):
        settings.integration_config.unlink()
        print(f"removed {settings.integration_config}")


def written_by_us(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline() == outputs.HEADER
    except OSError:
        return False


def command_status(settings):
    started = (read_json(settings.cloud_json, {}) or {}).get("database") or {}
    asked = settings.database
    if started.get("kind") in DATABASES and started["kind"] != asked:
        settings = dataclasses.replace(settings, database=started["kind"])  # report the cloud as it runs
    all_running = True
    for server in describe_servers(settings):
        record = load_record(settings.run_dir, server.name)
        print(f"{server.name:<8} {server_status(server, record)}")
        all_running = all_running and is_healthy(server, record)
    print(f"database {database_status(settings, started, asked)}")
    return 0 if all_running else EXIT_NOT_RUNNING


def server_status(server, record):
    if record is None:
        return "stopped"
    if leader_state(record) != OURS:
        return f"crashed (recorded pid {record.pid} is gone; run `up` to restart it)"
    if not server.answers():
        return f"not answering (pid {record.pid}, {record.url})"
    return f"running (pid {record.pid}, {record.url})"


def database_status(settings, started, asked):
    """The database of the cloud as last brought up, and whether `up` with this call's settings keeps it."""
    if not started:
        return f"{outputs.database_document(settings)['description']} (once `up` has run)"
    if started.get("kind") != asked:
        return f"{started.get('description')}; `up` with this call's settings would switch it to {asked}"
    return started.get("description")


COMMANDS = {"up": command_up, "down": command_down, "status": command_status}
