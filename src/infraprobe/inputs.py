"""Opening what a user names as input, so that no input can hang the tool or fill its memory.

A FIFO nobody writes to blocks `open()` forever, and a device such as /dev/zero never ends: paths are
opened without blocking and only regular files and pipes are read. Whole-input reads (a config, classify's
stdin) stop one byte past their limit and say so.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

MAX_CONFIG_BYTES = 16 * 1024 * 1024
MAX_STDIN_BYTES = 16 * 1024 * 1024


class InputTooLarge(ValueError):
    """A whole-input read found more than its limit."""


def open_input(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a regular file or a pipe for reading; anything else is an OSError naming why."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO without a writer would block open() forever
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise OSError(errno.EISDIR, "is a directory")
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise OSError(errno.EINVAL, "not a regular file or a pipe (a device may never end)")
        os.set_blocking(fd, True)  # a pipe with no writer now reads as empty: end of input, no hang
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(stream: BinaryIO, limit: int, what: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputTooLarge(f"{what} is larger than {limit // (1024 * 1024)} MiB")
    return data


def read_file(path: str | os.PathLike[str], limit: int, what: str) -> bytes:
    with open_input(path) as stream:
        return read_limited(stream, limit, what)
