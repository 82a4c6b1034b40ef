"""A local cluster of Xapian shard servers, for development, tests and benchmarks.

Each shard is a database folder (``<folder>/shard-N``) served twice by ``xapian-tcpsrv``
(Debian's ``xapian-tools``): ``--writable`` for the reindex (the server takes the
database's write lock per connection, and creates the database when missing) and read-only
for searches. :meth:`Cluster.config` gives the :class:`~searchapp.config.EngineConfig` that
points the Xapian engine at them.

A server forks a child per connection, and killing the listener leaves its children serving:
each server runs in its own process group, and :meth:`Cluster.stop` stops the children
before their listener (which reaps them), then the listener, by PID. A process killed too hard
to stop them (SIGKILL, the OOM killer) still takes them along: on Linux each listener gets
SIGTERM when the thread that started it dies, and its children exit as their connections close.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from ...config import EngineConfig, Shard
from ...errors import ConfigError

SERVER = "xapian-tcpsrv"
START_SECONDS = 10.0  # longest wait for a server to accept connections
STOP_SECONDS = 5.0  # longest wait for a server to exit on SIGTERM before SIGKILL
# Xapian's writable server applies changes on its own every 10,000 documents by default,
# which would show searches a reindex half done and keep a cancelled one; this is beyond any
# reindex's size, so it applies them at the reindex's commit only (holding them in memory;
# a shard's first build commits as it goes instead: see writer.XapianWriter).
FLUSH_THRESHOLD = 10_000_000
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass(frozen=True, slots=True)
class Server:
    """One ``xapian-tcpsrv`` process serving one shard's database."""

    shard: int
    address: Shard
    writable: bool
    process: subprocess.Popen[bytes]


class Cluster:
    """Running shard servers: a read-only and a writable one per shard database."""

    def __init__(self, folder: Path, servers: list[Server]) -> None:
        self.folder = folder
        self.servers = servers

    @property
    def shards(self) -> tuple[Shard, ...]:
        """The read-only servers, in shard order (``EngineConfig.shards``)."""
        return tuple(s.address for s in self.servers if not s.writable)

    @property
    def writers(self) -> tuple[Shard, ...]:
        return tuple(s.address for s in self.servers if s.writable)

    @property
    def pids(self) -> list[int]:
        """The listening servers' process ids (each the leader of its process group)."""
        return [server.process.pid for server in self.servers]

    def config(self, **options: Any) -> EngineConfig:
        """The Xapian engine configuration of this cluster; ``options`` are the other
        :class:`EngineConfig` fields (``timeout_ms``, ``connect_timeout_ms``, ``partial``)."""
        return EngineConfig(name="xapian", shards=self.shards, writers=self.writers, **options)

    def signal_shard(self, shard: int, signum: int) -> None:
        """Send ``signum`` to every process serving shard number ``shard`` (listeners and
        their children): SIGKILL makes it down, SIGSTOP makes it hang, SIGCONT resumes."""
        for server in self.servers:
            if server.shard == shard:
                _signal_group(server.process, signum)

    def stop(self) -> None:
        """Stop every server and its children, and reap them."""
        for server in self.servers:
            _signal_group(server.process, signal.SIGCONT)  # a stopped one can't exit
            _signal_group(server.process, signal.SIGTERM)
        for server in self.servers:
            try:
                server.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(server.process, signal.SIGKILL)
                server.process.wait()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_cluster(
    folder: Path, count: int = 3, host: str = "127.0.0.1", first_port: int | None = None
) -> Cluster:
    """Serve ``count`` shard databases under ``folder`` (created when missing) on ``host``:
    read-only servers on ``first_port`` onwards and writable ones on the ``count`` ports
    after them, or on free ports. Returns once every server accepts connections;
    :class:`ConfigError` if ``xapian-tcpsrv`` is missing or a server doesn't start. The
    servers die with the calling thread: call it from one that outlives their use."""
    program = shutil.which(SERVER)
    if program is None:
        raise ConfigError(
            f"{SERVER} is not installed: it comes with Xapian's tools (Debian/Ubuntu: "
            "apt-get install xapian-tools)."
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ports = (
        list(range(first_port, first_port + 2 * count))
        if first_port is not None
        else _free_ports(host, 2 * count)
    )
    servers: list[Server] = []
    try:
        # Writers first: they create the databases the read-only servers open.
        for writable in (True, False):
            for shard in range(count):
                port = ports[count + shard] if writable else ports[shard]
                servers.append(_start(program, folder, shard, Shard(host, port), writable))
            for server in servers[-count:]:
                _wait_until_listening(server, folder)
    except BaseException:
        Cluster(folder, servers).stop()
        raise
    return Cluster(folder, servers)


def _free_ports(host: str, count: int) -> list[int]:
    # All held open together: a port freed and asked for again may be handed out twice.
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind((host, 0))
        return [s.getsockname()[1] for s in sockets]


def _log(folder: Path, shard: int, writable: bool) -> Path:
    return folder / f"shard-{shard}-{'writer' if writable else 'reader'}.log"


def _start(program: str, folder: Path, shard: int, address: Shard, writable: bool) -> Server:
    command = [program, "--interface", address.host, "--port", str(address.port)]
    env = dict(os.environ)
    if writable:
        command.append("--writable")
        env["XAPIAN_FLUSH_THRESHOLD"] = str(FLUSH_THRESHOLD)
    command.append(str(folder / f"shard-{shard}"))
    with open(_log(folder, shard, writable), "ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group, with its children
            preexec_fn=_dies_with(os.getpid()),
        )
    return Server(shard, address, writable, process)


def _dies_with(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that has Linux SIGTERM the server when the thread of ``parent`` that
    started it dies: a parent killed with no chance to stop it leaves no server behind."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None).prctl  # looked up before the fork

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl
            os.kill(os.getpid(), signal.SIGTERM)

    return set_death_signal


def _wait_until_listening(server: Server, folder: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    address = (server.address.host, server.address.port)
    while True:
        if server.process.poll() is not None:
            log = _log(folder, server.shard, server.writable).read_text(errors="replace")
            raise ConfigError(
                f"{SERVER} for shard {server.shard} on {server.address} exited: "
                f"{log.strip()[-500:]}"
            )
        try:
            with socket.create_connection(address, timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise ConfigError(
                    f"{SERVER} for shard {server.shard} is not listening on {server.address} "
                    f"after {START_SECONDS:.0f} s."
                ) from None
            time.sleep(0.02)


def _group_members(pgid: int) -> list[int]:
    """The processes of process group ``pgid``, zombies included (from /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    """Signal a server's process group. A killing signal goes to the children first and
    then, once its listener has reaped them (or after a second), to the listener: children
    orphaned by a dead listener would be left unreaped."""
    leader = process.pid
    if process.poll() is not None:
        return
    if signum not in (signal.SIGKILL, signal.SIGTERM):
        _kill_group(leader, signum)
        return
    children = [pid for pid in _group_members(leader) if pid != leader]
    for pid in children:
        _kill(pid, signum)
    deadline = time.monotonic() + 1.0
    while children and time.monotonic() < deadline:
        alive = set(_group_members(leader))
        children = [pid for pid in children if pid in alive]
        time.sleep(0.01)
    _kill(leader, signum)


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass  # already gone


def _kill_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass
