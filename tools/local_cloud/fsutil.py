"""Small file helpers: private files, JSON, log tails, JSON-compatible YAML."""

import json
import os
import re

PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def write_private(path, text):
    """Write a file only its owner can read (it may hold passwords)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(str(path), 0o600)  # O_CREAT's mode does not apply to an existing file


def read_json(path, default=None):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


def write_json(path, data, private=False):
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if private:
        write_private(path, text)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def tail(path, count, since=None):
    """The last count lines of a log; with since, only those after the last line starting with it."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.readlines()
    except OSError:
        return f"(no log at {path})"
    if since is not None:
        starts = [index for index, line in enumerate(lines) if line.startswith(since)]
        if starts:
            lines = lines[starts[-1]:]
    return "".join(lines[-count:]).rstrip("\n")


def to_yaml(mapping, indent=0):
    """Block-style YAML whose scalars and lists are JSON, so no YAML library is needed."""
    lines = []
    for key, value in mapping.items():
        label = " " * indent + (key if PLAIN_KEY.match(key) else json.dumps(key)) + ":"
        if isinstance(value, dict) and value:
            lines.append(label)
            lines.append(to_yaml(value, indent + 2))
        else:
            lines.append(f"{label} {json.dumps(value)}")
    return "\n".join(lines)


def enable_sqlite_wal(db_path):
    """Let readers and the writer of a SQLite database work at once.

    Glance and Keystone run several uwsgi workers on one SQLite file; in the default rollback
    journal mode a burst of parallel requests ends in "database is locked" errors (HTTP 500).
    WAL mode is stored in the database file itself, so setting it once is enough.
    """
    import sqlite3  # pylint: disable=import-outside-toplevel

    if not db_path.exists():
        return
    with sqlite3.connect(str(db_path), timeout=30) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
