"""What a server is (name, port, URL) and how one is launched (argv, env, config files)."""

import dataclasses
import hashlib
import json
import os
import signal
import typing

from .procs import accepts_connections, answers
from .settings import port_env, port_flag

# Start order; `down` stops in the reverse order, whatever database this call was given.
SERVER_NAMES = ("postgres", "keystone", "glance", "files")


# uwsgi (processes, threads) per database and service. On PostgreSQL every process and thread
# serves requests at once, as a production deployment's API workers do; measured on 2 cores in
# docs/local-cloud.md. On SQLite Keystone keeps one process and Glance's database transactions
# take turns (see glance.py), since SQLite cannot take concurrent writers.
UWSGI_WORKERS = {
    ("postgresql", "keystone"): (2, 4),
    ("postgresql", "glance"): (4, 4),
    ("sqlite", "keystone"): (1, 4),
    ("sqlite", "glance"): (2, 4),
}


def uwsgi_workers(settings, service):
    processes, threads = UWSGI_WORKERS[(settings.database, service)]
    return ["--master", "--processes", str(processes), "--threads", str(threads)]


@dataclasses.dataclass(frozen=True)
class Server:
    name: str
    port: int
    url: str         # what users are told to use
    health_url: str  # answers with a status < 500 once the app is loaded
    ready_timeout: float
    probe: typing.Optional[typing.Callable] = None  # (port, timeout) -> bool, for a server not speaking HTTP

    @property
    def how_to_move(self):
        return f"{port_flag(self.name)} N or {port_env(self.name)}=N"

    def answers(self, timeout=2.0):
        if self.probe is not None:
            return self.probe(self.port, timeout)
        return answers(self.health_url, timeout)


@dataclasses.dataclass
class Launch:
    argv: list
    env: dict = dataclasses.field(default_factory=dict)     # added to os.environ
    files: dict = dataclasses.field(default_factory=dict)   # Path -> text, written before start
    private_files: tuple = ()                               # paths among files holding secrets
    run_as: object = None            # procs.RunAs: another account runs it (PostgreSQL refuses root)
    cwd: object = None               # default: the state dir
    stop_signal: int = signal.SIGTERM

    def digest(self):
        """Fingerprint of everything that shapes the running server: a change means restart."""
        material = {
            "argv": self.argv,
            "env": self.env,
            "files": {str(path): text for path, text in self.files.items()},
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def environment(self):
        env = dict(os.environ)
        env.update(self.env)
        no_proxy = ",".join(filter(None, [env.get("no_proxy", ""), "127.0.0.1,localhost"]))
        env["no_proxy"] = env["NO_PROXY"] = no_proxy
        return env


def describe_servers(settings):
    """The servers this configuration runs, in start order."""
    servers = []
    if settings.uses_postgresql:
        servers.append(Server("postgres", settings.port("postgres"), settings.postgres_url,
                              settings.postgres_url, ready_timeout=60.0, probe=accepts_connections))
    return servers + [
        Server("keystone", settings.port("keystone"), settings.keystone_url,
               settings.keystone_url, ready_timeout=60.0),
        Server("glance", settings.port("glance"), settings.glance_url,
               settings.glance_url + "/", ready_timeout=90.0),
        Server("files", settings.port("files"), settings.files_url,
               settings.files_url + "/", ready_timeout=15.0),
    ]
