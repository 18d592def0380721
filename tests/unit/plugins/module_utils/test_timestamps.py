# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import datetime

import pytest

from ansible_collections.osimg.glance.plugins.module_utils._timestamps import (
    ServerClock,
    epoch_seconds,
    http_date_seconds,
    parse_time,
)

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


class FakeTime:
    def __init__(self, wall, monotonic=100.0):
        self.wall, self.mono = wall, monotonic

    def advance(self, seconds):
        self.wall += seconds
        self.mono += seconds


def test_without_readings_the_server_clock_is_the_local_clock_less_a_second():
    now = FakeTime(1000.5)
    clock = ServerClock(monotonic=lambda: now.mono, wall=lambda: now.wall)
    assert clock.at_least() == 999.5
    assert clock.seconds_until(1001) == 1.5


def test_a_reading_ahead_of_the_local_clock_counts_from_when_it_was_taken():
    now = FakeTime(1000.5)
    clock = ServerClock(monotonic=lambda: now.mono, wall=lambda: now.wall)
    clock.reached(1002)  # the server is ahead: its answer said 1002 (whole seconds) at this instant
    now.advance(0.25)
    assert clock.at_least() == 1002.25
    assert clock.seconds_until(1003) == 0.75
    clock.reached(1001)  # an older reading says less: it changes nothing
    assert clock.at_least() == 1002.25
    clock.reached(None)
    assert clock.at_least() == 1002.25
