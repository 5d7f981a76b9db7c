"""Settings from defaults, TOML, KG_* environment variables and the command line; ``kg config``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing
from dataclasses import fields
from pathlib import Path

import pytest

from api.settings import ConfigError, Settings, _field_type

KG = [sys.executable, "-c", "from api.cli import main; main()"]


def test_precedence_default_toml_env_override(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('sparql_max_rows = 5\nsparql_timeout_s = 2.5\ncors_origins = ["a", "b"]\n'
                                          'write_token = "from-file"\n')
    env = {"KG_SPARQL_TIMEOUT_S": "4", "KG_VECTOR_INDEX": "hnsw"}
    s = Settings.load(tmp_path, environ=env, sparql_workers=3)
    assert (s.sparql_max_rows, s.sparql_timeout_s, s.vector_index, s.sparql_workers) == (5, 4.0, "hnsw", 3)
    assert s.cors_origins == ("a", "b") and s.write_token == "from-file" and s.embedder == "e5"
    assert s.sources["sparql_max_rows"].endswith("config.toml")
    assert s.sources["sparql_timeout_s"] == "biến môi trường KG_SPARQL_TIMEOUT_S"
    assert s.sources["sparql_workers"] == "dòng lệnh"
    assert "embedder" not in s.sources


def test_every_field_settable_from_environment(tmp_path: Path) -> None:
    samples = {int: "7", float: "1.5", str: "x", Path: "/x.json", tuple: "http://a, http://b"}
    defaults = Settings.load(tmp_path, environ={})
    env = {"KG_HOME": str(tmp_path)}
    for f in fields(Settings):
        if f.name not in ("home", "sources"):
            kind = _field_type(f.name)
            env[f"KG_{f.name.upper()}"] = samples[typing.get_origin(kind) or kind]
    s = Settings.load(environ=env)
    assert s.home == tmp_path.resolve()
    for name, _, source in s.describe():
        assert source == f"biến môi trường KG_{name.upper()}" or name == "home"
        assert getattr(s, name) != getattr(defaults, name) or name == "home", name
    assert s.cors_origins == ("http://a", "http://b") and s.registry_path == Path("/x.json")
    assert (s.sparql_timeout_s, s.sparql_max_rows, s.write_token) == (1.5, 7, "x")


def test_bad_values_name_their_origin(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="KG_SPARQL_MAX_ROWS"):
        Settings.load(tmp_path, environ={"KG_SPARQL_MAX_ROWS": "many"})
    bad = tmp_path / "bad.toml"
    bad.write_text("sparql_max_rows = [\n")
    with pytest.raises(ConfigError, match=r"bad\.toml"):
        Settings.load(tmp_path, config=bad, environ={})
    bad.write_text("no_such_setting = 1\n")
    with pytest.raises(ConfigError, match="no_such_setting"):
        Settings.load(tmp_path, config=bad, environ={})


def test_kg_config_shows_sources_and_hides_the_token(tmp_path: Path) -> None:
    config = tmp_path / "other.toml"
    config.write_text("sparql_max_rows = 9\n")
    env = {**os.environ, "KG_WRITE_TOKEN": "very-secret-token", "KG_SPARQL_WORKERS": "1"}
    out = subprocess.run([*KG, "--home", str(tmp_path), "--config", str(config), "config", "--json"],
                         env=env, capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert data["sparql_max_rows"] == {"value": "9", "source": f"tệp {config}"}
    assert data["sparql_workers"]["source"] == "biến môi trường KG_SPARQL_WORKERS"
    assert data["write_token"]["value"] == "(đã đặt, ẩn)"
    table = subprocess.run([*KG, "--home", str(tmp_path), "config"], env=env, capture_output=True, text=True)
    assert "very-secret-token" not in out.stdout + out.stderr + table.stdout + table.stderr
    assert "very-secret-token" not in repr(Settings.load(tmp_path, environ=env))
    bad = subprocess.run([*KG, "--home", str(tmp_path), "config"], env={**env, "KG_SPARQL_WORKERS": "two"},
                         capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "KG_SPARQL_WORKERS" in bad.stderr
