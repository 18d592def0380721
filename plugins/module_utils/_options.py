# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Checks of option values that several modules share, for internal collection use only."""

from ansible_collections.osimg.glance.plugins.module_utils._errors import GlanceModuleError


def check_positive(option, value, unit):
    """Refuse a count or a duration below 1, in the same words for every module: 'limit must be a positive number of images'."""
    if value is not None and value < 1:
        raise GlanceModuleError('%s must be a positive number of %s, got %s.' % (option, unit, value))


TRUE_WORDS = ('1', 'true', 'yes', 'on', 'y')
FALSE_WORDS = ('0', 'false', 'no', 'off', 'n', '')


def is_set(value):
    """Whether a setting was given: None and '' mean 'not given' in options, clouds.yaml and OS_* alike."""
    return value is not None and value != ''


def as_bool(value, what, error=GlanceModuleError):
    """A boolean from an option, a clouds.yaml value or a filter (true/false, yes/no, on/off, 1/0)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise error('%s must be a boolean, got %r' % (what, value))


def unique(items):
    """items without duplicates, first occurrence kept."""
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
