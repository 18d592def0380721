"""Command line and environment: which state dir, which ports, where outputs go."""

import argparse
import dataclasses
import os
from pathlib import Path

from .errors import EXIT_PORT_BUSY, LocalCloudError

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
REGION = "RegionOne"
COMMANDS = ("up", "down", "status")

# server name -> (default port, environment variable); the flag is --<name>-port
PORT_DEFAULTS = {
    "keystone": (5000, "LOCAL_CLOUD_KEYSTONE_PORT"),
    "glance": (9292, "LOCAL_CLOUD_GLANCE_PORT"),
    "files": (8870, "LOCAL_CLOUD_FILES_PORT"),
    # Not 5432, where a machine's own PostgreSQL listens.
    "postgres": (5433, "LOCAL_CLOUD_POSTGRES_PORT"),
}

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
DATABASES = (POSTGRESQL, SQLITE)
DATABASE_ENV = "LOCAL_CLOUD_DATABASE"


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about where things live."""

    state_dir: Path
    ports: dict
    integration_config: Path
    purge: bool = False
    database: str = POSTGRESQL

    @property
    def uses_postgresql(self):
        return self.database == POSTGRESQL

    def port(self, server):
        return self.ports[server]

    def base_url(self, server):
        return f"http://{HOST}:{self.ports[server]}"

    @property
    def keystone_url(self):
        return self.base_url("keystone") + "/v3"

    @property
    def glance_url(self):
        return self.base_url("glance")

    @property
    def files_url(self):
        return self.base_url("files")

    @property
    def postgres_url(self):
        return f"postgresql://{HOST}:{self.ports['postgres']}"

    @property
    def tiny_qcow2_url(self):
        return self.files_url + "/tiny.qcow2"

    @property
    def venv(self):
        return self.state_dir / "venv"

    def venv_bin(self, program):
        return str(self.venv / "bin" / program)

    @property
    def logs_dir(self):
        return self.state_dir / "logs"

    @property
    def run_dir(self):
        return self.state_dir / "run"

    @property
    def keystone_dir(self):
        return self.state_dir / "keystone"

    @property
    def glance_dir(self):
        return self.state_dir / "glance"

    @property
    def files_dir(self):
        return self.state_dir / "files"

    @property
    def postgres_dir(self):
        """Owned by the account that runs PostgreSQL; the cluster is its data/ subdirectory."""
        return self.state_dir / "postgres"

    @property
    def postgres_data_dir(self):
        return self.postgres_dir / "data"

    @property
    def tiny_qcow2(self):
        return self.files_dir / "tiny.qcow2"

    @property
    def secrets_file(self):
        return self.state_dir / "secrets.json"

    @property
    def cloud_json(self):
        return self.state_dir / "cloud.json"

    @property
    def clouds_yaml(self):
        return self.state_dir / "clouds.yaml"

    @property
    def secure_yaml(self):
        return self.state_dir / "secure.yaml"

    def log_file(self, name):
        return self.logs_dir / f"{name}.log"


def port_flag(server):
    return f"--{server}-port"


def port_env(server):
    return PORT_DEFAULTS[server][1]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python3 tools/local_cloud.py",
        description="Install and run a real Keystone + Glance on loopback.",
    )
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--purge", action="store_true",
                        help="with down: also delete the state dir and the integration config")
    parser.add_argument("--state-dir", help="default: $LOCAL_CLOUD_STATE_DIR or <repo>/.local-cloud")
    for server, (default, env) in PORT_DEFAULTS.items():
        parser.add_argument(port_flag(server), type=int, dest=f"{server}_port",
                            help=f"default: ${env} or {default}")
    parser.add_argument("--database", choices=DATABASES,
                        help=f"what Keystone and Glance store their data in; default: ${DATABASE_ENV} "
                             f"or {POSTGRESQL} (a cluster of its own under the state dir)")
    parser.add_argument("--integration-config",
                        help="default: <repo>/tests/integration/integration_config.yml")
    return parser


def resolve_port(server, flag_value, environ):
    default, env = PORT_DEFAULTS[server]
    if flag_value is not None:
        return flag_value
    raw = environ.get(env, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise LocalCloudError(f"{env}={raw!r} is not a port number") from None


def check_ports(ports):
    for server, port in ports.items():
        if not 1 <= port <= 65535:
            raise LocalCloudError(f"{server} port {port} is out of range; "
                                  f"use {port_flag(server)} or {port_env(server)}", EXIT_PORT_BUSY)
    if len(set(ports.values())) != len(ports):
        raise LocalCloudError(f"the keystone, glance, files and postgres ports must differ, got {ports}",
                              EXIT_PORT_BUSY)


def resolve_database(flag_value, environ):
    if flag_value is not None:
        return flag_value
    raw = environ.get(DATABASE_ENV, "").strip().lower()
    if not raw:
        return POSTGRESQL
    if raw not in DATABASES:
        raise LocalCloudError(f"{DATABASE_ENV}={raw!r} is not one of {', '.join(DATABASES)}")
    return raw


def parse_command_line(argv, environ=None):
    """Return (command, Settings); flags win over environment variables."""
    environ = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    ports = {server: resolve_port(server, getattr(args, f"{server}_port"), environ)
             for server in PORT_DEFAULTS}
    check_ports(ports)
    state_dir = args.state_dir or environ.get("LOCAL_CLOUD_STATE_DIR") or REPO_ROOT / ".local-cloud"
    integration_config = (args.integration_config
                          or REPO_ROOT / "tests" / "integration" / "integration_config.yml")
    settings = Settings(
        state_dir=Path(state_dir).expanduser().resolve(),
        ports=ports,
        integration_config=Path(integration_config).expanduser().resolve(),
        purge=args.purge,
        database=resolve_database(args.database, environ),
    )
    return args.command, settings
