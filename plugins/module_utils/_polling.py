# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Polling a Glance resource until it reaches a state, for internal collection use only."""

import time

from ansible_collections.osimg.glance.plugins.module_utils._errors import ConnectionFailed, RequestTimeout, ServerError

# Errors of a Glance that restarts or is briefly overloaded: a wait outlives them.
TRANSIENT_ERRORS = (ConnectionFailed, RequestTimeout, ServerError)
FIRST_DELAY = 1.0
MAX_DELAY = 5.0


def poll(read, is_done, timeout, on_timeout, unknown, sleep=None, clock=None):
    """Call read() until is_done(resource) holds; returns the resource.

    read() raises to stop the wait (a failed task, a killed image); transient errors are retried until
    the deadline. ``unknown`` stands for the resource before any successful read. When the timeout
    passes, the exception on_timeout(last resource) returns is raised. The delay grows from 1 s to 5 s.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + timeout
    delay = FIRST_DELAY
    resource = unknown
    while True:
        try:
            resource = read()
        except TRANSIENT_ERRORS:
            pass
        else:
            if is_done(resource):
                return resource
        if clock() >= deadline:
            raise on_timeout(resource)
        sleep(min(delay, max(0.0, deadline - clock())))
        delay = min(delay * 1.5, MAX_DELAY)
