"""The ``chanx-asyncapi`` console script, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import asyncapi_kitchen as kitchen
import pytest
import yaml
from asyncapi_cli_support import TESTS_DIR, run_cli, serving

from chanx.asyncapi import dump, generate, to_json
from chanx.asyncapi.serialize import Format

APP = "asyncapi_kitchen:app"
DIR = ("--app-dir", str(TESTS_DIR))


def test_generate_json_is_byte_identical_across_processes() -> None:
    first = run_cli("generate", APP, *DIR)
    second = run_cli("generate", APP, *DIR)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout == to_json(generate(kitchen.app))


def test_generate_yaml_to_a_file_with_info_and_server(tmp_path: Path) -> None:
    out = tmp_path / "spec.yaml"
    result = run_cli(
        "generate", APP, *DIR, "-o", str(out), "--title", "Kitchen", "--version", "9.9",
        "--server-url", "wss://chat.example.com/base",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(out.read_text())
    assert data["info"] == {"title": "Kitchen", "version": "9.9"}
    assert data["servers"]["production"] == {
        "host": "chat.example.com",
        "protocol": "wss",
        "pathname": "/base",
    }
    forced = run_cli("generate", APP, *DIR, "--format", "yaml")
    assert yaml.safe_load(forced.stdout)["asyncapi"] == "3.0.0"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("spec.yaml", "yaml"), ("spec.yml", "yaml"), ("SPEC.YAML", "yaml"), ("spec.json", "json"),
     ("spec.txt", "json")],
)  # fmt: skip
def test_the_output_files_suffix_picks_the_format(tmp_path: Path, name: str, fmt: Format) -> None:
    out = tmp_path / name
    result = run_cli("generate", APP, *DIR, "-o", str(out))
    assert result.returncode == 0, result.stderr
    # byte for byte: a YAML parser also reads JSON, so parsing would not tell them apart
    assert out.read_text(encoding="utf-8") == dump(generate(kitchen.app), fmt)


def test_validate_accepts_what_generate_writes(tmp_path: Path) -> None:
    out = tmp_path / "spec.json"
    assert run_cli("generate", APP, *DIR, "-o", str(out)).returncode == 0
    result = run_cli("validate", str(out))
    assert result.returncode == 0
    assert "valid AsyncAPI 3.0.0 (3 channels" in result.stdout


def test_validate_lists_problems_and_exits_1(tmp_path: Path) -> None:
    data = json.loads(to_json(generate(kitchen.routes)))
    del data["channels"]["kitchen"]["parameters"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = run_cli("validate", str(bad))
    assert result.returncode == 1
    assert "channels/kitchen: address parameter 'room' is not declared" in result.stderr
    assert "Traceback" not in result.stderr


def _one_line_error(result: object, needle: str) -> None:
    assert getattr(result, "returncode") == 2  # noqa: B009
    stderr: str = getattr(result, "stderr")  # noqa: B009
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("Error: ")
    assert needle in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("target", "module_text", "needle"),
    [
        ("no_such_module_xyz:app", None, "cannot import module 'no_such_module_xyz'"),
        ("cli_target:nope", "app = []\n", "has no attribute 'nope'"),
        ("cli_target", "x = 1\n", "has no 'app' or 'application'"),
        ("a:b:c", None, "expected MODULE:APP"),
        ("cli_target", "raise RuntimeError('boom')\n", "failed: RuntimeError: boom"),
        ("cli_target:empty", "empty = []\n", "routes no chanx consumer"),
    ],
)
def test_generate_errors_are_one_line_with_exit_code_2(
    target: str, module_text: str | None, needle: str, tmp_path: Path
) -> None:
    if module_text is not None:
        (tmp_path / "cli_target.py").write_text(module_text)
    _one_line_error(run_cli("generate", target, "--app-dir", str(tmp_path)), needle)


def test_validate_bad_files_are_one_line_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    _one_line_error(run_cli("validate", str(broken)), "neither valid JSON nor YAML")
    _one_line_error(run_cli("validate", str(tmp_path / "missing.yaml")), "cannot read")


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("generate", "validate", "serve"):
        assert command in result.stdout


@pytest.mark.e2e
def test_serve_answers_the_page_and_both_specs() -> None:
    with serving(APP, *DIR) as base:
        with urllib.request.urlopen(base + "asyncapi.json", timeout=10) as resp:
            assert resp.headers["Content-Type"] == "application/json"
            spec = json.loads(resp.read())
        with urllib.request.urlopen(base + "asyncapi.yaml", timeout=10) as resp:
            assert yaml.safe_load(resp.read()) == spec
        with urllib.request.urlopen(base, timeout=10) as resp:
            page = resp.read().decode()
        assert "kitchen.receive.ping" in page
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(base + "nope", timeout=10)
        assert err.value.code == 404
        err.value.close()  # an HTTPError holds the response socket
    assert spec == json.loads(to_json(generate(kitchen.app)))


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("option", "script"),
    [
        (("--official-component",), "https://unpkg.com/@asyncapi/react-component@"),
        (("--official-component", "/static/rc"), "/static/rc/browser/standalone/index.js"),
    ],
)
def test_serve_with_the_official_component(option: tuple[str, ...], script: str) -> None:
    with serving(APP, *DIR, *option) as base, urllib.request.urlopen(base, timeout=10) as resp:
        page = resp.read().decode()
    assert f'<script src="{script}' in page
    assert 'integrity="sha384-' in page
