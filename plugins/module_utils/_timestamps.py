# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Timestamps as Glance and Keystone write them, and what a client can know of the server's clock."""

import datetime
import email.utils
import time


def parse_time(text):
    """A Glance or Keystone timestamp (2026-11-28T20:06:03Z, with or without fraction or offset) as an aware UTC
    datetime, or None."""
    if not text:
        return None
    text = str(text).strip().replace('Z', '+00:00')
    if '.' in text:  # fromisoformat of Python < 3.11 wants 0, 3 or 6 fraction digits
        head, rest = text.split('.', 1)
        digits = ''.join(c for c in rest if c.isdigit())
        text = head + '.' + digits[:6].ljust(6, '0') + rest[len(digits):]
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when


def epoch_seconds(text):
    """Seconds since the epoch for a timestamp parse_time reads, or None."""
    when = parse_time(text)
    return when.timestamp() if when is not None else None


def http_date_seconds(value):
    """Seconds since the epoch for an HTTP date (a Date or Retry-After header), or None."""
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (AttributeError, TypeError, ValueError, IndexError, OverflowError, OSError):
        return None


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


class ServerClock:
    """The least the server's clock can read now, from readings taken during the run.

    A reading says that the server's clock had reached ``seconds`` by a local monotonic instant: the Date of an
    answer, or the created_at Glance stamped on an image before answering its create. Without a reading that
    says more, the local clock less a second stands in (clocks kept by NTP agree far closer than that).
    """

    def __init__(self, monotonic=time.monotonic, wall=time.time):
        self._monotonic = monotonic
        self._wall = wall
        self._offset = None  # server seconds minus local monotonic seconds, at least

    def reached(self, seconds, at=None):
        """The server's clock read at least seconds at the local monotonic instant at (now when None)."""
        if seconds is None:
            return
        offset = seconds - (self._monotonic() if at is None else at)
        if self._offset is None or offset > self._offset:
            self._offset = offset

    def at_least(self):
        """Seconds since the epoch the server's clock has reached, at least, by now."""
        guess = self._wall() - 1
        return guess if self._offset is None else max(guess, self._monotonic() + self._offset)

    def seconds_until(self, seconds):
        """How long until the server's clock has surely reached seconds (0 when it has)."""
        return max(0.0, seconds - self.at_least())
