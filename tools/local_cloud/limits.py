"""Keystone unified limits for Glance: unlimited by default, a small quota for the `quota` project."""

from .settings import REGION

# Glance's four limits (image_size_total and image_stage_total in MiB). -1 is unlimited.
RESOURCES = ("image_size_total", "image_stage_total", "image_count_total", "image_count_uploading")
DEFAULT_LIMIT = -1
# The project whose quota tests fill: one MiB of image data, a handful of images.
QUOTA_ACCOUNT = "quota"
QUOTA_PROJECT_LIMITS = {
    "image_size_total": 1,
    "image_stage_total": 1,
    "image_count_total": 5,
    "image_count_uploading": 1,
}


def glance_config_lines(settings, service_password):
    """Glance enforces the limits; oslo.limit reads them as the glance user, system-scoped."""
    return [
        "[DEFAULT]",
        "use_keystone_limits = true",
        "",
        "[oslo_limit]",
        f"auth_url = {settings.keystone_url}",
        "auth_type = password",
        "user_domain_name = Default",
        "username = glance",
        f"password = {service_password}",
        "system_scope = all",
        "endpoint_service_type = image",
        "endpoint_interface = public",
        "",
    ]


def register(client, accounts, role_ids):
    """Registered limits for every project, the quota project's own limits, and the reader role
    on the system that oslo.limit needs to read them. Every step looks up first."""
    service_id = client.find("services", type="image", name="glance")["id"]
    glance_user = accounts["glance"]["user_id"]
    client.call("PUT", f"/system/users/{glance_user}/roles/{role_ids['reader']}")
    for resource in RESOURCES:
        ensure_limit(client, "registered_limits", "default_limit", DEFAULT_LIMIT,
                     {"service_id": service_id, "region_id": REGION, "resource_name": resource})
    project_id = accounts[QUOTA_ACCOUNT]["project_id"]
    for resource, value in QUOTA_PROJECT_LIMITS.items():
        ensure_limit(client, "limits", "resource_limit", value,
                     {"service_id": service_id, "region_id": REGION, "resource_name": resource,
                      "project_id": project_id})


def ensure_limit(client, collection, value_key, value, lookup):
    found = client.find(collection, **lookup)
    if found is None:
        client.call("POST", "/" + collection, {collection: [dict(lookup, **{value_key: value})]})
    elif found[value_key] != value:
        client.call("PATCH", f"/{collection}/{found['id']}", {collection[:-1]: {value_key: value}})
