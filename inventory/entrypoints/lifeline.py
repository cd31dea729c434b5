"""Child processes that must not outlive the process that started them.

The parent-death signal (Linux) and a check of the parent pid (any POSIX system).
See docs/adr/0006-job-runner-in-the-database.md.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

log = logging.getLogger("inventory.lifeline")

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def signal_on_parent_death(signum: int) -> bool:
    """Ask the kernel to send ``signum`` to this process once its parent dies; Linux only.

    The kernel's "parent" is the *thread* that forked this process: fork from
    the main thread (or one that lives as long as the process). The request
    survives ``exec``. Returns whether it is in place.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        done = libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError) as exc:
        log.warning("cannot ask for a signal on the parent's death: %s", exc)
        return False
    if not done:
        log.warning("prctl(PR_SET_PDEATHSIG) failed: %s", os.strerror(ctypes.get_errno()))
    return bool(done)


def parent_is_gone(parent_pid: int) -> bool:
    """Whether ``parent_pid`` is no longer this process's parent (it died: we were reparented)."""
    return os.getppid() != parent_pid
