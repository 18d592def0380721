# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of every unit test; the fakes behind them are in fake_glance.py."""

import pytest

from ansible_collections.osimg.glance.tests.unit.fake_glance import DATA, install_fake_cloud


@pytest.fixture
def fake_cloud(monkeypatch):
    """Every module run talks to one FakeTransport, returned; OS_* variables are cleared."""
    return install_fake_cloud(monkeypatch)


@pytest.fixture
def image_file(tmp_path):
    """A small qcow2-looking file whose hashes active_image() reports."""
    path = tmp_path / 'cirros.qcow2'
    path.write_bytes(DATA)
    return str(path)


@pytest.fixture(autouse=True)
def cache_home(tmp_path, monkeypatch):
    """The caches of the modules (file digests, tokens) live in the test's own directory, never in ~/.cache."""
    path = tmp_path / 'xdg-cache'
    monkeypatch.setenv('XDG_CACHE_HOME', str(path))
    return path
