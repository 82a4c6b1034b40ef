"""Corpus fuzzing: odd files in the seeds folder are indexed or skipped with a reason naming them,
never crash or hang a reindex, and every file found is accounted for in the report."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Capabilities that let root read any file and list any folder, whatever their permissions.
_CAP_DAC_OVERRIDE = 1
_CAP_DAC_READ_SEARCH = 2
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_read_override() -> None:
    """Give up, for good, the capabilities bypassing file permissions (a no-op for other users),
    so that a file chmod'ed unreadable is unreadable even to root."""
    libc = ctypes.CDLL(None, use_errno=True)
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    mask = ~((1 << _CAP_DAC_OVERRIDE) | (1 << _CAP_DAC_READ_SEARCH))
    for field in ("effective", "permitted", "inheritable"):
        setattr(data[0], field, getattr(data[0], field) & mask)
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


def _call(unprivileged: bool, function: Callable[..., T], args: tuple[object, ...]) -> T:
    if unprivileged:
        _drop_read_override()
    return function(*args)


def in_child(
    function: Callable[..., T], *args: object, unprivileged: bool = False, timeout: float = 120
) -> T:
    """``function(*args)`` in a forked child process, its result or exception passed back.

    The child is killed after ``timeout`` seconds, so a hang fails the test (with
    multiprocessing.TimeoutError) instead of blocking the suite. ``unprivileged`` drops root's
    power to read any file first: the method the permission tests use as root, where chmod alone
    stops nothing. ``function`` must be a module-level function (it is pickled).
    """
    with multiprocessing.get_context("fork").Pool(1) as pool:  # leaving it kills the child
        return pool.apply_async(_call, (unprivileged, function, args)).get(timeout)


def _can_read(path: str) -> bool:
    try:
        with open(path, "rb"):
            return True
    except PermissionError:
        return False


def unreadable_in_child(path: os.PathLike[str]) -> bool:
    """Whether a file chmod'ed 0 is unreadable to an :func:`in_child` ``unprivileged`` child."""
    os.chmod(path, 0)
    try:
        return not in_child(_can_read, os.fspath(path), unprivileged=True)
    except OSError:  # capabilities cannot be changed here (not Linux, no capset)
        return False
    finally:
        os.chmod(path, 0o644)
