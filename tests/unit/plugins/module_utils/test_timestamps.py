# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import datetime

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._timestamps import epoch_seconds, http_date_seconds, parse_time

UTC = datetime.timezone.utc


@pytest.mark.parametrize('text, expected', [
    ('2026-11-28T20:06:03Z', datetime.datetime(2026, 11, 28, 20, 6, 3, tzinfo=UTC)),
    ('2026-11-28T20:06:03.123Z', datetime.datetime(2026, 11, 28, 20, 6, 3, 123000, tzinfo=UTC)),
    ('2026-11-28T20:06:03.1234567+00:00', datetime.datetime(2026, 11, 28, 20, 6, 3, 123456, tzinfo=UTC)),
    ('2026-11-28T20:06:03', datetime.datetime(2026, 11, 28, 20, 6, 3, tzinfo=UTC)),
    (None, None),
    ('', None),
    ('garbage', None),
])
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize('text, expected', [
    ('2099-01-01T00:00:00.000000Z', 4070908800.0),
    ('2099-01-01T00:00:00Z', 4070908800.0),
    ('2099-01-01T01:00:00+01:00', 4070908800.0),
    ('2099-01-01T00:00:00.5', 4070908800.5),
    ('not a time', None),
    (None, None),
])
def test_epoch_seconds(text, expected):
    assert epoch_seconds(text) == expected


@pytest.mark.parametrize('value, expected', [
    ('Tue, 01 Dec 2026 10:00:05 GMT', 1796119205.0),
    ('yesterday', None),
    (None, None),
])
def test_http_date_seconds(value, expected):
    assert http_date_seconds(value) == expected
