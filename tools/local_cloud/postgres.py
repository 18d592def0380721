"""PostgreSQL: a cluster of the tool's own under the state dir, the account that runs it, its databases.

The cluster lives in <state>/postgres/data, listens on 127.0.0.1 only (TCP, no Unix socket) and is
started and stopped by PID like the other servers. `initdb` and `postgres` refuse to run as root, so
when the tool runs as root the cluster runs as the `postgres` system account (Debian's packages
create it), or as an account the tool creates when that one is missing. No system service is used.
"""

import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import stat
import subprocess
import time

from .accounts import DATABASE_SUPERUSER, SERVICE_DATABASES, database_password_key
from .errors import LocalCloudError
from .fsutil import write_private
from .procs import RunAs, accepts_connections, run_logged
from .servers import Launch
from .settings import HOST

SYSTEM_ACCOUNT = "postgres"
CREATED_ACCOUNT = "local-cloud-pg"     # made only when the system account is missing
APT_PACKAGE = "postgresql-15"
SQLITE_HINT = "or use SQLite instead: --database sqlite (LOCAL_CLOUD_DATABASE=sqlite)"

# Only loopback TCP, password (SCRAM) for every role; no Unix socket, so no socket file to go stale.
HBA_TEXT = """\
# Written by tools/local_cloud.py: loopback TCP only, a password for every role.
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   127.0.0.1/32  scram-sha-256
"""

# Server settings, given on the command line so that a change restarts the server (see Launch.digest).
SERVER_SETTINGS = {
    "listen_addresses": HOST,
    "unix_socket_directories": "",
    # Each Glance and Keystone worker process keeps a pool of its own (oslo.db: 5, plus 50 overflow).
    "max_connections": "200",
    "shared_buffers": "64MB",
    # Test data on a throw-away cluster: durability is not needed, and not waiting for the disk on
    # every commit keeps the machine free for the tests. Row locks, isolation and constraints, what
    # concurrent requests race on, are the same as with the defaults.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "log_line_prefix": "%m [%p] %q%u@%d ",
    "log_checkpoints": "off",
}


def connection_url(settings, passwords, database):
    """SQLAlchemy URL for oslo.db; the password is URL-safe (secrets.token_urlsafe)."""
    password = passwords[database_password_key(database)]
    return (f"postgresql+psycopg2://{database}:{password}@{HOST}:{settings.port('postgres')}"
            f"/{database}")


# ---- binaries ---------------------------------------------------------------------------------

def has_server_binaries(directory):
    return all(os.access(os.path.join(directory, name), os.X_OK) for name in ("initdb", "postgres"))


def find_bindir():
    """The directory holding initdb and postgres, or None.

    pg_config may come from libpq-dev alone and name a directory without the server, so every
    candidate is checked for the programs themselves.
    """
    candidates = []
    if shutil.which("pg_config"):
        result = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        if result.returncode == 0:
            candidates.append(result.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=major_of_path, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(os.path.dirname(os.path.realpath(initdb)))
    return next((directory for directory in candidates if directory and has_server_binaries(directory)),
                None)


def major_of_path(path):
    match = re.search(r"/postgresql/(\d+)/", path)
    return int(match.group(1)) if match else 0


def ensure_binaries(settings):
    """The server binaries' directory; installs Debian's postgresql-15 when they are missing."""
    bindir = find_bindir()
    if bindir:
        return bindir
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise LocalCloudError(f"the PostgreSQL server programs (initdb, postgres) were not found; install "
                              f"Debian's {APT_PACKAGE} package, {SQLITE_HINT}")
    log_path = settings.log_file("apt")
    print(f"PostgreSQL server missing: installing Debian {APT_PACKAGE} (log: {log_path})")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run_logged(["apt-get", "update"], log_path, "apt-get update", env=env)
    run_logged(["apt-get", "install", "-y", "--no-install-recommends", APT_PACKAGE], log_path,
               f"apt-get install {APT_PACKAGE}", env=env)
    bindir = find_bindir()
    if not bindir:
        raise LocalCloudError(f"{APT_PACKAGE} was installed but initdb and postgres are still not found; "
                              f"see {log_path}")
    return bindir


def server_major_version(bindir):
    result = subprocess.run([os.path.join(bindir, "postgres"), "--version"], capture_output=True, text=True,
                            check=False)
    match = re.search(r"(\d+)", result.stdout)
    return match.group(1) if match else "?"


# ---- the account that runs the cluster --------------------------------------------------------

def existing_account():
    """The system account that runs the cluster when the tool runs as root, if it exists yet."""
    for name in (SYSTEM_ACCOUNT, CREATED_ACCOUNT):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return RunAs(name=name, uid=entry.pw_uid, gid=entry.pw_gid)
    return None


def cluster_account(settings):
    """Who runs initdb and postgres: None means this process's own user (not root)."""
    if os.geteuid() != 0:
        return None
    account = existing_account()
    if account is None:
        run_logged(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", "--comment", "PostgreSQL of tools/local_cloud.py",
                    CREATED_ACCOUNT], settings.log_file("postgres-initdb"),
                   f"creating the system account {CREATED_ACCOUNT}")
        account = existing_account()
    return account


def running_account():
    """The account as cluster_account() would give it, without creating one."""
    return existing_account() if os.geteuid() == 0 else None


def account_name():
    """For messages: the account that runs (or will run) the cluster, without creating it."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    account = existing_account()
    return account.name if account else CREATED_ACCOUNT


def prepare_directory(settings, run_as):
    """<state>/postgres, owned by the cluster's account, reachable by it."""
    settings.postgres_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.postgres_dir, 0o700)
    if run_as is None:
        return
    # The account must be able to pass through the state dir (not list it: secrets stay 0600).
    mode = settings.state_dir.stat().st_mode
    if not mode & stat.S_IXOTH:
        os.chmod(settings.state_dir, stat.S_IMODE(mode) | stat.S_IXOTH)
    os.chown(settings.postgres_dir, run_as.uid, run_as.gid)
    probe = subprocess.run(["test", "-w", str(settings.postgres_dir)], check=False, **run_as.popen_args())
    if probe.returncode != 0:
        closed = [str(parent) for parent in reversed(settings.postgres_dir.parents)
                  if not parent.stat().st_mode & stat.S_IXOTH]
        raise LocalCloudError(
            f"the account {run_as.name}, which runs PostgreSQL (initdb refuses root), cannot reach "
            f"{settings.postgres_dir}: {', '.join(closed) or 'a directory above it'} is closed to other "
            f"users; choose a state dir it can reach (--state-dir or LOCAL_CLOUD_STATE_DIR), {SQLITE_HINT}")


def chown_to(path, run_as):
    if run_as is not None:
        os.chown(path, run_as.uid, run_as.gid)


def cluster_id_path(settings):
    return settings.postgres_dir / "cluster-id"


def cluster_id(settings):
    """A random id written when the cluster is made: a new cluster means new databases to set up."""
    try:
        return cluster_id_path(settings).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def initialize(settings, bindir, run_as, superuser_password):
    """initdb once; later calls check the cluster matches the binaries."""
    prepare_directory(settings, run_as)
    data_dir = settings.postgres_data_dir
    version_file = data_dir / "PG_VERSION"
    major = server_major_version(bindir)
    if version_file.exists():
        found = version_file.read_text(encoding="utf-8").strip()
        if found != major:
            raise LocalCloudError(f"the cluster in {data_dir} was made by PostgreSQL {found}, but the server "
                                  f"found is {major} ({bindir}); `make cloud-purge` removes the old state")
        return
    if data_dir.exists():  # an initdb that was cut short
        shutil.rmtree(data_dir)
    password_file = settings.postgres_dir / "superuser-password"
    write_private(password_file, superuser_password + "\n")
    chown_to(password_file, run_as)
    try:
        run_logged([os.path.join(bindir, "initdb"), "--pgdata", str(data_dir), "--username", DATABASE_SUPERUSER,
                    "--pwfile", str(password_file), "--auth", "scram-sha-256", "--encoding", "UTF8",
                    "--locale", "C", "--no-sync"],
                   settings.log_file("postgres-initdb"), f"initdb (as the account {account_name()})",
                   run_as=run_as, cwd=settings.postgres_dir)
    finally:
        password_file.unlink(missing_ok=True)
    hba = data_dir / "pg_hba.conf"
    hba.write_text(HBA_TEXT, encoding="utf-8")
    os.chmod(hba, 0o600)
    chown_to(hba, run_as)
    cluster_id_path(settings).write_text(secrets.token_hex(8) + "\n", encoding="utf-8")


# ---- running it -------------------------------------------------------------------------------

def launch(settings, bindir, run_as):
    argv = [os.path.join(bindir or "/nonexistent", "postgres"), "-D", str(settings.postgres_data_dir),
            "-c", f"port={settings.port('postgres')}"]
    for name, value in SERVER_SETTINGS.items():
        argv += ["-c", f"{name}={value}"]
    # SIGINT is PostgreSQL's fast shutdown: it does not wait for Glance's and Keystone's pooled
    # connections to close, as SIGTERM (smart shutdown) would.
    return Launch(argv=argv, run_as=run_as, cwd=settings.postgres_dir, stop_signal=signal.SIGINT)


def processes_in(data_dir):
    """PIDs of live processes working in data_dir: a postmaster and its children all do."""
    wanted = str(data_dir)
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/cwd") == wanted:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def clear_leftovers(settings):
    """After a killed run: stop processes still using our cluster, drop a stale postmaster.pid.

    A postmaster killed with SIGKILL leaves its pid file, and its children run on until they notice.
    PostgreSQL refuses to start while the pid file names a live process, which a reused PID can be.
    Every process whose working directory is our data dir belongs to our cluster.
    """
    data_dir = settings.postgres_data_dir
    leftovers = processes_in(data_dir)
    if leftovers:
        print(f"postgres: {len(leftovers)} process(es) of an earlier run still use {data_dir}; stopping them")
        send(leftovers, signal.SIGINT)
        deadline = time.monotonic() + 10.0
        while processes_in(data_dir) and time.monotonic() < deadline:
            time.sleep(0.2)
        send(processes_in(data_dir), signal.SIGKILL)
    pid_file = data_dir / "postmaster.pid"
    if pid_file.exists() and not processes_in(data_dir):
        pid_file.unlink()
        print(f"postgres: removed the stale {pid_file} left by a run that was killed")


def send(pids, signum):
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


# ---- roles and databases ----------------------------------------------------------------------

# Run with the local cloud venv's python (psycopg2 lives there); passwords come in the environment.
SETUP_SCRIPT = """\
import os, sys
import psycopg2
try:
    connection = psycopg2.connect(host=os.environ["DB_HOST"], port=int(os.environ["DB_PORT"]),
                                  user=os.environ["DB_SUPERUSER"], password=os.environ["DB_SUPERUSER_PASSWORD"],
                                  dbname="postgres", connect_timeout=10)
except psycopg2.OperationalError as error:
    print(str(error).strip().replace("\\n", " "), file=sys.stderr)
    sys.exit(3)
connection.autocommit = True
cursor = connection.cursor()
for name in os.environ["DB_NAMES"].split():
    password = os.environ["DB_PASSWORD_" + name.upper()]
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
    verb = "ALTER" if cursor.fetchone() else "CREATE"
    cursor.execute(verb + " ROLE " + name + " LOGIN PASSWORD %s", (password,))
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    if not cursor.fetchone():
        cursor.execute("CREATE DATABASE " + name + " OWNER " + name + " ENCODING 'UTF8' TEMPLATE template0")
"""


def ensure_databases(settings, passwords):
    """A role and a database for Keystone and for Glance, passwords as in secrets.json."""
    env = dict(os.environ, DB_HOST=HOST, DB_PORT=str(settings.port("postgres")), DB_SUPERUSER=DATABASE_SUPERUSER,
               DB_SUPERUSER_PASSWORD=passwords[database_password_key(DATABASE_SUPERUSER)],
               DB_NAMES=" ".join(SERVICE_DATABASES))
    for name in SERVICE_DATABASES:
        env["DB_PASSWORD_" + name.upper()] = passwords[database_password_key(name)]
    result = subprocess.run([settings.venv_bin("python"), "-c", SETUP_SCRIPT], env=env, capture_output=True,
                            text=True, check=False)
    if result.returncode == 3:
        raise LocalCloudError(
            f"PostgreSQL at {HOST}:{settings.port('postgres')} cannot be used: {result.stderr.strip()}; "
            f"see {settings.log_file('postgres')}; `make cloud-purge` starts from a fresh cluster, {SQLITE_HINT}")
    if result.returncode != 0:
        raise LocalCloudError(f"creating the keystone and glance databases failed:\n{result.stderr.strip()[-2000:]}")


def check_reachable(settings):
    """Before a db_sync: a clear message instead of a migration's traceback."""
    if not accepts_connections(settings.port("postgres"), timeout=5.0):
        raise LocalCloudError(
            f"PostgreSQL does not answer on {HOST}:{settings.port('postgres')}: it is down or still "
            f"starting; see {settings.log_file('postgres')} and `make cloud-status`, then run `make "
            f"cloud-up` again, {SQLITE_HINT}")
