"""Where the index and the articles live, and which engine holds the index: defaults, a
config file, environment variables, overrides."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigError

DEFAULT_INDEX_DIR = "index"
DEFAULT_SEEDS_DIR = "seeds"
INDEX_ENV = "SEARCHAPP_INDEX"
SEEDS_ENV = "SEARCHAPP_SEEDS"
RATE_LIMIT_ENV = "SEARCHAPP_RATE_LIMIT"
# Requests one client may make to the JSON API (the pages are not limited): enough for a person
# or a polite script, not for a scraper. Any limits string ("10/second;300/minute"), or "off".
DEFAULT_RATE_LIMIT = "20/second;300/minute"
# The engine settings' file: SEARCHAPP_CONFIG names it, else searchapp.toml in the working
# directory is read when there is one.
CONFIG_ENV = "SEARCHAPP_CONFIG"
DEFAULT_CONFIG_FILE = "searchapp.toml"
# Environment variables of the engine settings, over the file's [engine] table.
ENGINE_ENV = {
    "name": "SEARCHAPP_ENGINE",
    "shards": "SEARCHAPP_SHARDS",
    "writers": "SEARCHAPP_WRITERS",
    "timeout_ms": "SEARCHAPP_SHARD_TIMEOUT_MS",
    "connect_timeout_ms": "SEARCHAPP_SHARD_CONNECT_TIMEOUT_MS",
    "partial": "SEARCHAPP_PARTIAL",
}
ENGINES = ("whoosh", "xapian")


@dataclass(frozen=True, slots=True)
class Shard:
    """A Xapian shard server (``xapian-tcpsrv``), ``host:port``."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> Shard:
        host, _, port = text.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"Not a shard address: {text!r}; write host:port.")
        return cls(host.strip("[]"), int(port))


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Which engine holds the index, and where.

    ``whoosh``: the index folder. ``xapian``: one local database in the index folder when no
    shards are given; else the shard servers searches go to (read-only ``xapian-tcpsrv``) and
    the ones a reindex writes to (``xapian-tcpsrv --writable`` on the same databases), in the
    same order. Articles go to the shard a stable hash of their id picks. Either way the
    reindex catalog stays in the index folder.
    """

    name: Literal["whoosh", "xapian"] = "whoosh"
    shards: tuple[Shard, ...] = ()
    writers: tuple[Shard, ...] = ()
    timeout_ms: int = 2000  # longest wait for any one answer of a shard
    connect_timeout_ms: int = 1000
    partial: bool = False  # answer from the shards that are up, and say which are not

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise ConfigError(f"Unknown engine {self.name!r}; engines are: {', '.join(ENGINES)}.")
        if self.writers and len(self.writers) != len(self.shards):
            raise ConfigError(
                f"{len(self.shards)} shards but {len(self.writers)} writers: give one writable "
                "server per shard, in the same order."
            )
        if self.timeout_ms <= 0 or self.connect_timeout_ms <= 0:
            raise ConfigError("Shard timeouts must be positive numbers of milliseconds.")

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> EngineConfig:
        """Overrides (``ENGINE``: a mapping of the keys below) win over the environment
        (:data:`ENGINE_ENV`), which wins over the config file's ``[engine]`` table: ``name``,
        ``shards`` and ``writers`` (lists of ``host:port``, or comma-separated in the
        environment), ``timeout_ms``, ``connect_timeout_ms``, ``partial``."""
        values: dict[str, Any] = dict(_config_file(overrides).get("engine", {}))
        unknown = set(values) - set(ENGINE_ENV)
        if unknown:
            raise ConfigError(
                f"Unknown engine setting(s) {', '.join(sorted(unknown))}; settings are: "
                f"{', '.join(ENGINE_ENV)}."
            )
        for key, variable in ENGINE_ENV.items():
            if os.environ.get(variable):
                values[key] = os.environ[variable]
        values.update((overrides or {}).get("ENGINE", {}))
        try:
            return cls(
                name=str(values.get("name", "whoosh")).strip().lower(),
                shards=_shards(values.get("shards", ())),
                writers=_shards(values.get("writers", ())),
                timeout_ms=int(values.get("timeout_ms", 2000)),
                connect_timeout_ms=int(values.get("connect_timeout_ms", 1000)),
                partial=_flag(values.get("partial", False)),
            )
        except ValueError as exc:
            raise ConfigError(f"Unusable engine setting: {exc}.") from None


def _shards(value: Any) -> tuple[Shard, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(Shard.parse(str(item)) for item in items if str(item).strip())


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def _config_file(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    named = (overrides or {}).get("CONFIG") or os.environ.get(CONFIG_ENV)
    path = Path(named) if named else Path(DEFAULT_CONFIG_FILE)
    if not named and not path.is_file():
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc.strerror or exc}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {path} is not valid TOML: {exc}.") from None


@dataclass(frozen=True, slots=True)
class Settings:
    index_dir: Path
    seeds_dir: Path
    rate_limit: str | None = DEFAULT_RATE_LIMIT  # None: no limit
    engine: EngineConfig = field(default_factory=EngineConfig)
    # The default limit spares this machine's own clients (the user's scripts); a configured
    # one holds for every client.
    limit_loopback: bool = False

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        """Explicit overrides (``INDEX_DIR``, ``SEEDS_DIR``, ``RATE_LIMIT``) win over the
        environment (``SEARCHAPP_INDEX``, ``SEARCHAPP_SEEDS``, ``SEARCHAPP_RATE_LIMIT``), which
        wins over ``index/`` and ``seeds/`` in the working directory and the default limit
        (which loopback clients are exempt from).
        The engine: see :meth:`EngineConfig.load`."""
        overrides = overrides or {}
        index_dir = overrides.get("INDEX_DIR") or os.environ.get(INDEX_ENV) or DEFAULT_INDEX_DIR
        seeds_dir = overrides.get("SEEDS_DIR") or os.environ.get(SEEDS_ENV) or DEFAULT_SEEDS_DIR
        configured = overrides.get("RATE_LIMIT") or os.environ.get(RATE_LIMIT_ENV)
        rate_limit = configured or DEFAULT_RATE_LIMIT
        if rate_limit.strip().lower() in ("off", "none", "0"):
            rate_limit = None
        engine = EngineConfig.load(overrides)
        return cls(Path(index_dir), Path(seeds_dir), rate_limit, engine, bool(configured))


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or name) is this machine: 127.0.0.0/8, ::1 or localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
