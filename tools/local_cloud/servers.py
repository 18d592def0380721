"""What a server is (name, port, URL) and how one is launched (argv, env, config files)."""

import dataclasses
import hashlib
import json
import os

from .settings import port_env, port_flag

SERVER_NAMES = ("keystone", "glance", "files")


@dataclasses.dataclass(frozen=True)
class Server:
    name: str
    port: int
    url: str         # what users are told to use
    health_url: str  # answers with a status < 500 once the app is loaded
    ready_timeout: float

    @property
    def how_to_move(self):
        return f"{port_flag(self.name)} N or {port_env(self.name)}=N"


@dataclasses.dataclass
class Launch:
    argv: list
    env: dict = dataclasses.field(default_factory=dict)     # added to os.environ
    files: dict = dataclasses.field(default_factory=dict)   # Path -> text, written before start
    private_files: tuple = ()                               # paths among files holding secrets

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
    """The three servers, in start order."""
    return [
        Server("keystone", settings.port("keystone"), settings.keystone_url,
               settings.keystone_url, ready_timeout=60.0),
        Server("glance", settings.port("glance"), settings.glance_url,
               settings.glance_url + "/", ready_timeout=90.0),
        Server("files", settings.port("files"), settings.files_url,
               settings.files_url + "/", ready_timeout=15.0),
    ]
