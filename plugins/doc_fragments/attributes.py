# -*- coding: utf-8 -*-
# Copyright (c) osimg.glance contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    """The attributes every module documents; a module overrides only what differs (a description, a support level)."""

    # Every module: the action group that module_defaults can target.
    DOCUMENTATION = r'''
attributes:
  action_group:
    description: Use C(group/osimg.glance.glance) in C(module_defaults) to set the cloud and auth options once for
      every module of this collection.
    support: full
    membership:
      - osimg.glance.glance
'''

    # Modules that change something.
    CHANGES = r'''
attributes:
  check_mode:
    description: No write request is sent; the result predicts what a real run would do, with the same C(changed).
    support: full
  diff_mode:
    description: Shows what the module manages before and after the run.
    support: full
  idempotent:
    description: A second run with the same options reports no change and sends no write request.
    support: full
'''

    # Read-only modules.
    INFO = r'''
attributes:
  check_mode:
    description: The module never writes anything, so it reads the same way in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is nothing to show.
    support: none
  idempotent:
    description: Running it again with the same options gives the same result and changes nothing.
    support: full
'''
