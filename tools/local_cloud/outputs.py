"""What `up` hands to people and tests: clouds.yaml, secure.yaml, cloud.json, integration config."""

from . import glance, keystone, limits, postgres
from .accounts import TEST_ACCOUNTS
from .fsutil import read_json, to_yaml, write_json, write_private
from .settings import HOST, REGION

INTEGRATION_PREFIX = "local_cloud_"
HEADER = "# Written by tools/local_cloud.py; rewritten on every `up`.\n"


def database_document(settings):
    """Which database Keystone and Glance use; `status` prints its description."""
    if not settings.uses_postgresql:
        return {"kind": "sqlite", "description": f"sqlite ({keystone.sqlite_path(settings)}, "
                                                 f"{glance.sqlite_path(settings)})"}
    account = postgres.account_name()
    return {
        "kind": "postgresql",
        "host": HOST,
        "port": settings.port("postgres"),
        "cluster_dir": str(settings.postgres_data_dir),
        "cluster_id": postgres.cluster_id(settings),
        "account": account,
        "description": (f"postgresql on {HOST}:{settings.port('postgres')}, cluster "
                        f"{settings.postgres_data_dir} run by the account {account}"),
    }


def same_database(recorded, current):
    keys = ("kind", "port", "cluster_id")
    return bool(recorded) and all(recorded.get(key) == current.get(key) for key in keys)


def cloud_document(settings, users):
    """cloud.json: everything a test needs to reach the local cloud."""
    return {
        "keystone_url": settings.keystone_url,
        "glance_url": settings.glance_url,
        "files_url": settings.files_url,
        "files_dir": str(settings.files_dir),
        "tiny_qcow2_url": settings.tiny_qcow2_url,
        "cloud_json": str(settings.cloud_json),
        "clouds_yaml": str(settings.clouds_yaml),
        "secure_yaml": str(settings.secure_yaml),
        "region": REGION,
        "stores": list(glance.STORES),
        "default_store": glance.DEFAULT_STORE,
        "quota_limits": dict(limits.QUOTA_PROJECT_LIMITS),
        "database": database_document(settings),
        "users": {account.key: dict(users[account.key], cloud=account.cloud_name)
                  for account in TEST_ACCOUNTS},
    }


def recorded_users(settings, passwords):
    """Account facts from an earlier `up`, if they still match this state, database and these ports."""
    document = read_json(settings.cloud_json, {})
    users = document.get("users") or {}
    current = (
        document.get("keystone_url") == settings.keystone_url
        and document.get("glance_url") == settings.glance_url
        and same_database(document.get("database"), database_document(settings))
        and all(users.get(account.key, {}).get("password") == passwords.get(account.key)
                and users[account.key].get("project_id") for account in TEST_ACCOUNTS)
    )
    return users if current else None


def clouds_yaml(settings, users):
    clouds = {}
    for account in TEST_ACCOUNTS:
        user = users[account.key]
        clouds[account.cloud_name] = {
            "auth": {
                "auth_url": settings.keystone_url,
                "username": user["username"],
                "project_name": user["project_name"],
                "user_domain_name": "Default",
                "project_domain_name": "Default",
            },
            "region_name": REGION,
            "interface": "public",
            "identity_api_version": 3,
        }
    return {"clouds": clouds}


def secure_yaml(users):
    return {"clouds": {account.cloud_name: {"auth": {"password": users[account.key]["password"]}}
                       for account in TEST_ACCOUNTS}}


def integration_vars(document):
    return {INTEGRATION_PREFIX + key: value for key, value in document.items()}


def write_outputs(settings, users):
    document = cloud_document(settings, users)
    write_json(settings.cloud_json, document, private=True)
    write_private(settings.clouds_yaml, HEADER + to_yaml(clouds_yaml(settings, users)) + "\n")
    write_private(settings.secure_yaml, HEADER + to_yaml(secure_yaml(users)) + "\n")
    write_private(settings.integration_config, HEADER + to_yaml(integration_vars(document)) + "\n")
    return document
