"""Keystone: its config, its one-time database and key setup, and how uwsgi serves it."""

import grp
import hashlib
import os
import pwd

from . import postgres
from .errors import LocalCloudError
from .fsutil import enable_sqlite_wal, read_json, write_json
from .install import pins_text
from .procs import run_logged
from .servers import Launch, uwsgi_workers
from .settings import HOST, REGION


def config_path(settings):
    return settings.keystone_dir / "keystone.conf"


def fernet_dir(settings):
    return settings.keystone_dir / "fernet-keys"


def credential_dir(settings):
    return settings.keystone_dir / "credential-keys"


def sqlite_path(settings):
    return settings.keystone_dir / "keystone.sqlite"


def database_url(settings, passwords):
    if settings.uses_postgresql:
        return postgres.connection_url(settings, passwords, "keystone")
    # Wait up to 30 s for a busy database (sqlite3's default is 5 s).
    return f"sqlite:///{sqlite_path(settings)}?timeout=30"


def config_text(settings, passwords):
    fernet = fernet_dir(settings)
    # [fernet_receipts] defaults to /etc/keystone/fernet-keys/ and fernet_setup initialises it too:
    # pointing it at the token keys keeps every key inside the state dir.
    return "\n".join([
        "[DEFAULT]",
        "debug = false",
        "",
        "[database]",
        f"connection = {database_url(settings, passwords)}",
        "",
        "[token]",
        "provider = fernet",
        "",
        "[fernet_tokens]",
        f"key_repository = {fernet}",
        "",
        "[fernet_receipts]",
        f"key_repository = {fernet}",
        "",
        "[credential]",
        f"key_repository = {credential_dir(settings)}",
        "",
        "[oslo_concurrency]",
        f"lock_path = {settings.keystone_dir / 'locks'}",
        "",
    ])


def launch(settings, passwords):
    conf = config_path(settings)
    argv = [
        settings.venv_bin("uwsgi"),
        "--http-socket", f"{HOST}:{settings.port('keystone')}",
        "--module", "keystone.wsgi.api:application",
        *uwsgi_workers(settings, "keystone"),
        "--need-app", "--die-on-term",
        # uwsgi's --http-socket closes the connection after every answer without saying so; a
        # client that reuses it then meets a reset (python-glanceclient fails, keystoneauth
        # resends a half-consumed upload). Saying it lets every client open a new connection.
        "--add-header", "Connection: close",
    ]
    return Launch(argv=argv, env={"OS_KEYSTONE_CONFIG_FILES": str(conf)},
                  files={conf: config_text(settings, passwords)}, private_files=(conf,))


def bootstrap_args(settings, admin_password):
    url = settings.keystone_url
    return [
        "bootstrap",
        "--bootstrap-username", "admin",
        "--bootstrap-project-name", "admin",
        "--bootstrap-role-name", "admin",
        # One argument: a password may start with "-", which argparse would read as an option.
        f"--bootstrap-password={admin_password}",
        "--bootstrap-admin-url", url,
        "--bootstrap-public-url", url,
        "--bootstrap-internal-url", url,
        "--bootstrap-region-id", REGION,
    ]


def owner_args():
    return ["--keystone-user", pwd.getpwuid(os.getuid()).pw_name,
            "--keystone-group", grp.getgrgid(os.getgid()).gr_name]


def has_keys(directory):
    return directory.is_dir() and any(directory.iterdir())


def initialize(settings, passwords):
    """db_sync, key repositories and bootstrap; skipped when already done with the same inputs.

    The inputs include the database (its URL, and for PostgreSQL the cluster's id), so a new or
    different database is migrated and bootstrapped again.
    """
    marker = settings.keystone_dir / "initialized.json"
    bootstrap = bootstrap_args(settings, passwords["admin"])
    database = database_url(settings, passwords)
    cluster = postgres.cluster_id(settings) if settings.uses_postgresql else ""
    fingerprint = hashlib.sha256("\n".join([*bootstrap, pins_text(), database, cluster or ""]).encode()).hexdigest()
    if read_json(marker, {}).get("fingerprint") == fingerprint:
        use_sqlite_wal(settings)
        return
    settings.keystone_dir.mkdir(parents=True, exist_ok=True)
    (settings.keystone_dir / "locks").mkdir(exist_ok=True)
    if settings.uses_postgresql:
        postgres.check_reachable(settings)
    manage(settings, ["db_sync"], "keystone-manage db_sync")
    if not has_keys(fernet_dir(settings)):
        manage(settings, ["fernet_setup", *owner_args()], "keystone-manage fernet_setup")
    if not has_keys(credential_dir(settings)):
        manage(settings, ["credential_setup", *owner_args()], "keystone-manage credential_setup")
    check_keys_in_state_dir(settings)
    manage(settings, bootstrap, "keystone-manage bootstrap")
    write_json(marker, {"fingerprint": fingerprint})
    use_sqlite_wal(settings)


def use_sqlite_wal(settings):
    if not settings.uses_postgresql:
        enable_sqlite_wal(sqlite_path(settings))


def manage(settings, args, what):
    argv = [settings.venv_bin("keystone-manage"), "--config-file", str(config_path(settings)), *args]
    run_logged(argv, settings.log_file("keystone-manage"), what)


def check_keys_in_state_dir(settings):
    for directory in (fernet_dir(settings), credential_dir(settings)):
        if not (directory / "0").is_file():
            raise LocalCloudError(f"keystone-manage did not write its keys into {directory}; "
                                  f"see {settings.log_file('keystone-manage')}")
