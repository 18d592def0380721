"""The Keystone accounts the local cloud provides, and their passwords kept in the state dir."""

import dataclasses
import secrets

from .fsutil import read_json, write_json


@dataclasses.dataclass(frozen=True)
class Account:
    key: str        # name in cloud.json / integration config, and in secrets.json
    username: str
    project: str
    role: str

    @property
    def cloud_name(self):
        return f"local-{self.key}"


# Users handed to tests; each gets its own project so sharing between projects can be tested.
TEST_ACCOUNTS = (
    Account("admin", "admin", "admin", "admin"),
    Account("demo", "demo", "demo", "member"),
    Account("alt", "alt", "alt", "member"),
    # A project with a small quota (tools/local_cloud/limits.py), so tests can fill it.
    Account("quota", "quota", "quota", "member"),
)
# Glance's own user for keystone_authtoken.
SERVICE_ACCOUNT = Account("glance", "glance", "service", "admin")
ALL_ACCOUNTS = TEST_ACCOUNTS + (SERVICE_ACCOUNT,)

# Roles of the local PostgreSQL cluster: its superuser, then one per service (each owns a database
# of the same name).
DATABASE_SUPERUSER = "postgres"
SERVICE_DATABASES = ("keystone", "glance")


def database_password_key(role):
    """Where secrets.json keeps a database role's password."""
    return f"database_{role}"


PASSWORD_KEYS = tuple(account.key for account in ALL_ACCOUNTS) + tuple(
    database_password_key(role) for role in (DATABASE_SUPERUSER,) + SERVICE_DATABASES)


def load_passwords(settings):
    data = read_json(settings.secrets_file, default={})
    return data if isinstance(data, dict) else {}


def load_or_create_passwords(settings):
    """Passwords are generated once and reused, so re-running `up` keeps every credential."""
    passwords = load_passwords(settings)
    missing = [key for key in PASSWORD_KEYS if not passwords.get(key)]
    for key in missing:
        passwords[key] = new_password()
    if missing:
        write_json(settings.secrets_file, passwords, private=True)
    return passwords


def new_password():
    """A random password that no command line can mistake for an option (no leading "-")."""
    while True:
        password = secrets.token_urlsafe(18)
        if not password.startswith("-"):
            return password
