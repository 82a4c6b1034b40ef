"""Engine settings: defaults, the settings file, environment variables, overrides, and a clear
error for each kind of bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchapp.cli import main
from searchapp.config import EngineConfig, Settings, Shard
from searchapp.errors import ConfigError

SHARDS = (Shard("10.0.0.1", 33340), Shard("10.0.0.2", 33340))
WRITERS = (Shard("10.0.0.1", 33343), Shard("10.0.0.2", 33343))


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No engine variables, and a working directory without a settings file."""
    monkeypatch.delenv("SEARCHAPP_ENGINE")  # set by conftest for every test
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_default_is_whoosh(clean: Path):
    assert EngineConfig.load() == EngineConfig()
    assert Settings.load().engine.name == "whoosh"


def test_the_settings_file_in_the_working_directory(clean: Path):
    (clean / "searchapp.toml").write_text(
        "[engine]\n"
        'name = "xapian"\n'
        'shards = ["10.0.0.1:33340", "10.0.0.2:33340"]\n'
        'writers = ["10.0.0.1:33343", "10.0.0.2:33343"]\n'
        "timeout_ms = 750\n"
        "partial = true\n"
    )
    config = EngineConfig.load()
    assert config == EngineConfig("xapian", SHARDS, WRITERS, 750, 1000, True)


def test_the_environment_wins_over_the_file_and_overrides_over_both(clean, monkeypatch):
    settings = clean / "elsewhere.toml"
    settings.write_text('[engine]\nname = "xapian"\ntimeout_ms = 750\n')
    monkeypatch.setenv("SEARCHAPP_CONFIG", str(settings))
    assert EngineConfig.load().timeout_ms == 750
    monkeypatch.setenv("SEARCHAPP_SHARD_TIMEOUT_MS", "300")
    monkeypatch.setenv("SEARCHAPP_SHARDS", "10.0.0.1:33340, 10.0.0.2:33340")
    monkeypatch.setenv("SEARCHAPP_PARTIAL", "yes")
    config = EngineConfig.load()
    assert (config.name, config.timeout_ms, config.shards, config.partial) == (
        "xapian",
        300,
        SHARDS,
        True,
    )
    assert EngineConfig.load({"ENGINE": {"timeout_ms": 100}}).timeout_ms == 100
    assert EngineConfig.load({"ENGINE": {"name": "whoosh"}}).name == "whoosh"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "solr"}, "Unknown engine 'solr'; engines are: whoosh, xapian."),
        ({"shards": "10.0.0.1"}, "Not a shard address: '10.0.0.1'; write host:port."),
        ({"shards": "h:99999"}, "Not a shard address: 'h:99999'"),
        (
            {"shards": "a:1,b:2", "writers": "a:3"},
            "2 shards but 1 writers: give one writable server per shard",
        ),
        ({"timeout_ms": 0}, "Shard timeouts must be positive"),
        ({"timeout_ms": "soon"}, "Unusable engine setting"),
        ({"partial": "maybe"}, "Unusable engine setting: 'maybe' is not true or false."),
    ],
)
def test_bad_values_are_clear_errors(clean, values: dict, message: str):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        EngineConfig.load({"ENGINE": values})


def test_a_bad_settings_file_is_a_clear_error(clean: Path, monkeypatch):
    (clean / "searchapp.toml").write_text("[engine\nname = 1")
    with pytest.raises(ConfigError, match="searchapp.toml is not valid TOML"):
        EngineConfig.load()
    (clean / "searchapp.toml").write_text('[engine]\nnmae = "xapian"\n')
    with pytest.raises(ConfigError, match="Unknown engine setting.s. nmae; settings are: name"):
        EngineConfig.load()
    monkeypatch.setenv("SEARCHAPP_CONFIG", str(clean / "missing.toml"))
    with pytest.raises(ConfigError, match="Cannot read the config file .*missing.toml"):
        EngineConfig.load()


def test_commands_report_bad_settings_without_a_traceback(clean, runner, monkeypatch):
    monkeypatch.setenv("SEARCHAPP_ENGINE", "solr")
    (clean / "seeds").mkdir()
    for command in (["reindex"], ["search", "spies"], ["serve"]):
        result = runner.invoke(main, command)
        assert result.exit_code == 1, command
        assert "Unknown engine 'solr'" in result.output
        assert "Traceback" not in result.output
