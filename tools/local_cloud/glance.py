"""Glance: its config (keystone auth, two file stores, imports), db_sync, and its uwsgi launch."""

import hashlib

from . import limits, postgres
from .fsutil import enable_sqlite_wal
from .install import pins_text
from .procs import run_logged
from .servers import Launch, uwsgi_workers
from .settings import HOST

STORES = ("local1", "local2")
DEFAULT_STORE = "local1"
IMPORT_METHODS = ("glance-direct", "web-download", "copy-image")


def config_path(settings):
    return settings.glance_dir / "glance-api.conf"


def paste_path(settings):
    return settings.glance_dir / "glance-api-paste.ini"


def data_dirs(settings):
    """Section name -> directory for every file store, reserved ones included."""
    images = settings.glance_dir / "images"
    dirs = {store: images / store for store in STORES}
    dirs["os_glance_staging_store"] = settings.glance_dir / "staging"
    dirs["os_glance_tasks_store"] = settings.glance_dir / "tasks"
    return dirs


def ini_list(values):
    # Glance refuses its list options when written without brackets.
    joined = ",".join(str(value) for value in values)
    return f"[{joined}]"


def sqlite_path(settings):
    return settings.glance_dir / "glance.sqlite"


def database_url(settings, passwords):
    if settings.uses_postgresql:
        return postgres.connection_url(settings, passwords, "glance")
    # Wait up to 30 s for a busy database (sqlite3's default is 5 s).
    return f"sqlite:///{sqlite_path(settings)}?timeout=30"


def config_text(settings, passwords):
    glance_dir = settings.glance_dir
    lines = [
        "[DEFAULT]",
        "debug = false",
        "enabled_backends = " + ", ".join(f"{store}:file" for store in STORES),
        f"enabled_import_methods = {ini_list(IMPORT_METHODS)}",
        f"worker_self_reference_url = {settings.glance_url}",
        "",
        "[database]",
        f"connection = {database_url(settings, passwords)}",
        "",
        "[paste_deploy]",
        "flavor = keystone",
        f"config_file = {paste_path(settings)}",
        "",
        "[keystone_authtoken]",
        f"www_authenticate_uri = {settings.keystone_url}",
        f"auth_url = {settings.keystone_url}",
        "auth_type = password",
        "user_domain_name = Default",
        "project_domain_name = Default",
        "project_name = service",
        "username = glance",
        f"password = {passwords['glance']}",
        "",
        "[glance_store]",
        f"default_backend = {DEFAULT_STORE}",
        "",
    ]
    for section, directory in data_dirs(settings).items():
        lines += [f"[{section}]", f"filesystem_store_datadir = {directory}", ""]
    lines += [
        "[import_filtering_opts]",
        f"allowed_schemes = {ini_list(['http'])}",
        f"allowed_hosts = {ini_list([HOST])}",
        f"allowed_ports = {ini_list([settings.port('files')])}",
        "",
        "[task]",
        "task_executor = taskflow",
        f"work_dir = {glance_dir / 'work'}",
        "",
        "[oslo_concurrency]",
        f"lock_path = {glance_dir / 'locks'}",
        "",
    ]
    lines += cache_config_lines(settings) + limits.glance_config_lines(settings, passwords['glance'])
    return "\n".join(lines)


def cache_config_lines(settings):
    # The cache API (/v2/cache) needs only a cache dir; an image queued through it is fetched into
    # the cache by a worker thread of the API. The caching middleware is left out of the pipeline,
    # so downloads are not served from the cache.
    return ["[DEFAULT]", f"image_cache_dir = {settings.glance_dir / 'image-cache'}", ""]


# On SQLite only: Glance's WSGI entry point, with every SQLite transaction opened as BEGIN IMMEDIATE.
# oslo.db begins SQLite transactions with a plain (deferred) BEGIN; Glance then reads before it
# writes. When two workers or threads do so at once, SQLite cannot upgrade the second one's
# read lock and fails it at once ("database is locked": an HTTP 500, or a failed import),
# whatever the busy timeout. Taking the write lock when the transaction begins makes the
# others wait for it (up to the busy timeout) instead.
WSGI_MODULE = "glance_serialized_sqlite"
WSGI_TEXT = """\
from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "before_cursor_execute", retval=True)
def _begin_immediate(conn, cursor, statement, parameters, context, executemany):
    if statement.strip().upper() == "BEGIN":
        statement = "BEGIN IMMEDIATE"
    return statement, parameters


from glance.wsgi.api import application  # noqa: E402
"""


def launch(settings, passwords):
    python = settings.venv_bin("python")
    conf = config_path(settings)
    files = {conf: config_text(settings, passwords)}
    if settings.uses_postgresql:
        application = ["--module", "glance.wsgi.api:application"]
    else:
        wsgi = settings.glance_dir / f"{WSGI_MODULE}.py"
        files[wsgi] = WSGI_TEXT
        application = ["--pythonpath", str(settings.glance_dir), "--module", f"{WSGI_MODULE}:application"]
    argv = [
        settings.venv_bin("uwsgi"),
        "--http-socket", f"{HOST}:{settings.port('glance')}",
        *application,
        *uwsgi_workers(settings, "glance"),
        # Chunked uploads from real clients die at uwsgi's 1 MB default chunk limit without these.
        "--http-chunked-input", "--chunked-input-limit", "67108864", "--chunked-input-timeout", "120",
        "--socket-timeout", "120",
        "--need-app", "--die-on-term",
        # uwsgi's --http-socket closes the connection after every answer without saying so; a
        # client that reuses it then meets a reset (python-glanceclient fails, keystoneauth
        # resends a half-consumed upload). Saying it lets every client open a new connection.
        "--add-header", "Connection: close",
        # Glance re-runs sys.executable to call qemu-img; under uwsgi that would be uwsgi itself.
        "--py-sys-executable", python,
        # Each worker loads Glance itself: the image cache's worker thread, started when the app
        # loads, would otherwise run only in the master and never fetch a queued image. Glance's
        # exit hook then sometimes runs in that thread, fails to join it ("cannot join current
        # thread") and leaves the worker hanging until it is killed: skip it, nothing needs it here.
        "--lazy-apps", "--skip-atexit",
    ]
    return Launch(argv=argv, env={"OS_GLANCE_CONFIG_DIR": str(settings.glance_dir)},
                  files=files, private_files=(conf,))


def sample_paste_text(settings):
    sample = settings.venv / "etc" / "glance" / "glance-api-paste.ini"
    text = sample.read_text(encoding="utf-8")
    # Keep the healthcheck's on/off switch inside the state dir, not in /etc/glance.
    return text.replace("/etc/glance/healthcheck_disable", str(settings.glance_dir / "healthcheck_disable"))


def initialize(settings, passwords):
    """Directories, the paste ini and db_sync (once per Glance version and database)."""
    for directory in data_dirs(settings).values():
        directory.mkdir(parents=True, exist_ok=True)
    for name in ("work", "locks"):
        (settings.glance_dir / name).mkdir(exist_ok=True)
    paste_path(settings).write_text(sample_paste_text(settings), encoding="utf-8")
    marker = settings.glance_dir / "db-synced"
    cluster = postgres.cluster_id(settings) if settings.uses_postgresql else ""
    version = hashlib.sha256("\n".join([pins_text(), database_url(settings, passwords), cluster or ""])
                             .encode()).hexdigest()
    if not (marker.exists() and marker.read_text(encoding="utf-8") == version):
        if settings.uses_postgresql:
            postgres.check_reachable(settings)
        argv = [settings.venv_bin("glance-manage"), "--config-file", str(config_path(settings)), "db_sync"]
        run_logged(argv, settings.log_file("glance-manage"), "glance-manage db_sync")
        marker.write_text(version, encoding="utf-8")
    if not settings.uses_postgresql:
        enable_sqlite_wal(sqlite_path(settings))
