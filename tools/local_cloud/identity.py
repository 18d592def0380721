"""Registering Glance, projects and users through Keystone's REST API; every step looks up first."""

import json
import urllib.error
import urllib.parse
import urllib.request

from . import limits
from .accounts import ALL_ACCOUNTS
from .errors import LocalCloudError
from .procs import LOOPBACK_OPENER
from .settings import REGION

DOMAIN_ID = "default"
ROLES = ("admin", "member", "reader")
INTERFACES = ("public", "internal", "admin")


def password_auth(username, password, scope):
    return {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": username, "domain": {"id": DOMAIN_ID}, "password": password}}},
        "scope": scope,
    }}


def project_scope(project):
    return {"project": {"name": project, "domain": {"id": DOMAIN_ID}}}


class IdentityClient:
    """Just enough of the Identity v3 API, with an admin token."""

    def __init__(self, url, token=None):
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method, path, body=None, query=None):
        response, payload = self.send(method, path, body, query)
        response.close()
        return payload

    def send(self, method, path, body=None, query=None):
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("X-Auth-Token", self.token)
        try:
            response = LOOPBACK_OPENER.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:500]
            raise LocalCloudError(f"keystone {method} {path} answered {error.code}: {detail}") from None
        except OSError as error:
            raise LocalCloudError(f"keystone {method} {path} failed: {error}") from None
        raw = response.read()
        return response, (json.loads(raw) if raw else None)

    def login(self, username, password, scope):
        response, _ = self.send("POST", "/auth/tokens", password_auth(username, password, scope))
        self.token = response.headers["X-Subject-Token"]
        response.close()

    def find(self, collection, **query):
        items = self.call("GET", "/" + collection, query=query)[collection]
        return items[0] if items else None

    def create(self, collection, kind, attributes):
        return self.call("POST", "/" + collection, {kind: attributes})[kind]

    def ensure(self, collection, kind, lookup, extra=None):
        found = self.find(collection, **lookup)
        return found or self.create(collection, kind, dict(lookup, **(extra or {})))


def ensure_image_service(client, glance_url):
    service = client.find("services", type="image", name="glance") or client.create(
        "services", "service", {"type": "image", "name": "glance", "enabled": True,
                                "description": "OpenStack Image service (local)"})
    for interface in INTERFACES:
        lookup = {"service_id": service["id"], "interface": interface, "region_id": REGION}
        endpoint = client.ensure("endpoints", "endpoint", lookup, {"url": glance_url, "enabled": True})
        if endpoint["url"] != glance_url:
            client.call("PATCH", "/endpoints/" + endpoint["id"], {"endpoint": {"url": glance_url}})


def ensure_user(client, account, password, project_id):
    user = client.find("users", name=account.username, domain_id=DOMAIN_ID)
    if user is None:
        return client.create("users", "user", {
            "name": account.username, "domain_id": DOMAIN_ID, "password": password,
            "default_project_id": project_id, "enabled": True})
    if account.username != "admin":  # admin's password was just proven by logging in with it
        # The state dir's secrets.json is the source of truth, even for users made earlier.
        client.call("PATCH", "/users/" + user["id"], {"user": {"password": password, "enabled": True}})
    return user


def ensure_account(client, account, password, role_ids):
    project = client.ensure("projects", "project", {"name": account.project, "domain_id": DOMAIN_ID},
                            {"enabled": True})
    user = ensure_user(client, account, password, project["id"])
    client.call("PUT", f"/projects/{project['id']}/users/{user['id']}/roles/{role_ids[account.role]}")
    return {"username": account.username, "password": password, "project_name": account.project,
            "project_id": project["id"], "user_id": user["id"]}


def register(settings, passwords):
    """Glance's service and endpoints, roles, and every account; returns key -> account facts."""
    client = IdentityClient(settings.keystone_url)
    # Bootstrap gives admin the admin role on the system; a system token may manage everything.
    client.login("admin", passwords["admin"], {"system": {"all": True}})
    role_ids = {role: client.ensure("roles", "role", {"name": role})["id"] for role in ROLES}
    ensure_image_service(client, settings.glance_url)
    accounts = {account.key: ensure_account(client, account, passwords[account.key], role_ids)
                for account in ALL_ACCOUNTS}
    limits.register(client, accounts, role_ids)
    return accounts
