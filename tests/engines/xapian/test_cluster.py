"""Choosing the shard servers' ports (no xapian-tcpsrv needed)."""

from __future__ import annotations

import socket

from searchapp.engines.xapian import cluster


class ReusingSocket:
    """A socket whose port 0 is the lowest one not bound at the moment, as kernels may hand
    out: a port closed and asked for again comes back."""

    bound: set[int] = set()

    def __init__(self) -> None:
        self.port: int | None = None

    def bind(self, address: tuple[str, int]) -> None:
        self.port = min(set(range(40_000, 40_100)) - self.bound)
        self.bound.add(self.port)

    def getsockname(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def close(self) -> None:
        self.bound.discard(self.port)

    def __enter__(self) -> ReusingSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def test_the_servers_ports_are_all_different(monkeypatch):
    monkeypatch.setattr(cluster.socket, "socket", ReusingSocket)
    ports = cluster._free_ports("127.0.0.1", 6)
    assert len(set(ports)) == 6
    assert not ReusingSocket.bound  # every probe closed


def test_the_ports_chosen_are_free():
    ports = cluster._free_ports("127.0.0.1", 4)
    assert len(set(ports)) == 4
    for port in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
