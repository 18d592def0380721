# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Timestamps as Glance and Keystone write them, and the server's clock as its answers' Date header shows it."""

import datetime
import email.utils


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
