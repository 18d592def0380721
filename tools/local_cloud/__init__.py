"""A real Keystone + Glance on loopback, driven by tools/local_cloud.py."""
