"""Input files: only regular files are read, and whole-file readers only up to a size (SPEC 8).

A device (``/dev/zero``), a FIFO or a directory given as an input file is refused before it is
opened, so nothing blocks or reads without end. Files read whole (reference data, profiles,
brand reports) have a size limit; usage logs are streamed and limited per line instead
(``ledger.ingest.textread``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ledger.errors import LedgerError

MiB = 1 << 20
REFERENCE_FILE_BYTES = 10 * MiB
"""Parties, contract and profile files (TOML)."""
BRAND_REPORT_BYTES = 64 * MiB
"""A brand's usage report (CSV)."""
STATEMENT_FILE_BYTES = 64 * MiB
"""A statement PDF given to `statements verify`."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def size_text(size: int) -> str:
    """ "512 bytes", "10 MiB", "12.5 MiB"."""
    if size < MiB:
        return f"{size} bytes"
    return f"{size / MiB:.1f}".removesuffix(".0") + " MiB"


def unreadable(path: Path, limit: int | None = None) -> str | None:
    """Why ``path`` cannot be read as an input file of at most ``limit`` bytes (None: it can)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "no such file"
    except OSError as error:
        return f"cannot read the file: {error.strerror or error}"
    if not stat.S_ISREG(info.st_mode):
        kind = next((noun for test, noun in _KINDS if test(info.st_mode)), "not a file")
        return f"not a regular file ({kind})"
    if limit is not None and info.st_size > limit:
        return f"the file is {info.st_size:,} bytes; at most {size_text(limit)} is read"
    return None


def check_input(path: Path, limit: int | None = None) -> None:
    """Raise ``LedgerError`` naming the file when it cannot be read as an input file."""
    reason = unreadable(path, limit)
    if reason is not None:
        raise LedgerError(f"{path}: {reason}")


def read_input(path: Path, limit: int) -> bytes:
    """The whole file, refused (``LedgerError``) when it is not a regular file or is too large.

    At most ``limit + 1`` bytes are read, so a file that grows after the check is refused too.
    """
    check_input(path, limit)
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise LedgerError(f"{path}: cannot read the file: {error.strerror or error}") from None
    if len(data) > limit:
        raise LedgerError(f"{path}: the file is over {size_text(limit)}; at most that is read")
    return data
