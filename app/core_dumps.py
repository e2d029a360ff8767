"""Keep the client secret and the tokens out of core dumps: called first by every entry point.

A crashing process's core file (or the crash reporter it is piped to) holds its whole memory, which
includes the secret and every token once they were read from the keyring. RLIMIT_CORE 0 stops core
files; on Linux a non-dumpable process is also skipped by piped crash handlers (systemd-coredump,
apport), which the limit alone does not stop, and cannot be read with ptrace by other processes of
the same user.
"""

from __future__ import annotations

import contextlib
import sys

PR_SET_DUMPABLE = 4  # <linux/prctl.h>


def forbid_core_dumps() -> None:
    """Best effort: where a platform lacks either call (Windows has neither), it is skipped."""
    try:
        import resource  # POSIX only: Windows has no such module
    except ImportError:
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        # Best effort too: a bundle without ctypes, a libc without prctl.
        with contextlib.suppress(ImportError, OSError, AttributeError):
            import ctypes  # Linux only: prctl; the rest of the program has no use for ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
