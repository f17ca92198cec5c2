"""``chanx generate-client``: sources, errors, and what is kept or cleared between runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from client_servers import AppServer

from chanx.client_generator import ClientGenerator
from chanx.client_generator.cli import cli

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The AsyncAPI document of ``client_topic_app`` (real topics), as a JSON file."""
    from client_topic_app import app

    from chanx.asyncapi import generate as document

    path = tmp_path_factory.mktemp("spec") / "topics.json"
    path.write_text(json.dumps(document(app).to_dict()))
    return path


def generate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["generate-client", *args])
    return result.exit_code, result.output


def test_missing_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    code, output = generate("-s", str(tmp_path / "nope.json"), "-o", str(tmp_path / "out"))
    assert code == 1
    assert output.startswith("❌ File not found:")
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"asyncapi": "2.6.0", "channels": {}}', "expected an AsyncAPI 3.x document"),
        ("[1, 2]", "top level must be an object"),
        ("{: nope", "neither JSON nor YAML"),
    ],
)
def test_invalid_schema_is_reported(tmp_path: Path, text: str, expected: str) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(text)
    code, output = generate("-s", str(spec), "-o", str(tmp_path / "out"))
    assert code == 1
    assert output.startswith("❌ Invalid schema:")
    assert expected in output


def test_dangling_ref_names_the_ref(tmp_path: Path, spec: Path) -> None:
    data = json.loads(spec.read_text())
    data["operations"]["hub.receive.ping"]["messages"] = [{"$ref": "#/components/messages/Gone"}]
    broken = tmp_path / "spec.json"
    broken.write_text(json.dumps(data))
    code, output = generate("-s", str(broken), "-o", str(tmp_path / "out"))
    assert code == 1
    assert "#/components/messages/Gone" in output


def test_yaml_document_gives_the_same_client(tmp_path: Path, spec: Path) -> None:
    as_yaml = tmp_path / "spec.yaml"
    as_yaml.write_text(yaml.safe_dump(json.loads(spec.read_text())))
    code, output = generate("-s", str(as_yaml), "-o", str(tmp_path / "out"), "--no-format")
    assert code == 0, output
    fresh = (tmp_path / "out" / "hub" / "client.py").read_text()
    assert fresh == (HERE / "topic_client" / "hub" / "client.py").read_text()


def test_url_of_a_live_app(tmp_path: Path, server: AppServer) -> None:
    url = f"http://{server.base}/docs/asyncapi.json"
    code, output = generate("-s", url, "-o", str(tmp_path / "out"), "--no-format")
    assert code == 0, output
    fresh = (tmp_path / "out" / "room" / "client.py").read_text()
    assert fresh == (HERE / "room_client" / "room" / "client.py").read_text()
    assert '__title__ = "Client test API"' in (tmp_path / "out" / "__init__.py").read_text()


def test_unreachable_url_is_reported(tmp_path: Path) -> None:
    code, output = generate("-s", "http://127.0.0.1:9/spec.json", "-o", str(tmp_path / "out"))
    assert code == 1
    assert output.startswith("❌ Invalid schema: cannot fetch")


def test_base_is_kept_and_stale_channels_are_removed(tmp_path: Path, spec: Path) -> None:
    out = tmp_path / "out"
    ClientGenerator(spec, out).generate()
    custom = out / "base" / "client.py"
    custom.write_text("# customized\n")
    (out / "old_channel").mkdir()
    (out / "stray.txt").write_text("x")
    ClientGenerator(spec, out).generate()
    assert custom.read_text() == "# customized\n"
    assert not (out / "old_channel").exists()
    assert not (out / "stray.txt").exists()

    (out / "old_channel").mkdir()
    ClientGenerator(spec, out, clear_channels=False).generate()
    assert (out / "old_channel").is_dir()

    ClientGenerator(spec, out, override_base=True).generate()
    assert "from chanx.client import BaseClient" in custom.read_text()

    custom.write_text("# customized\n")
    ClientGenerator(spec, out, clear_output=True, generate_readme=False).generate()
    assert "customized" not in custom.read_text()
    assert not (out / "old_channel").exists()
    assert not (out / "README.md").exists()


def test_formatter_failure_only_warns(tmp_path: Path, spec: Path) -> None:
    code, output = generate("-s", str(spec), "-o", str(tmp_path / "out"), "-f", "false")
    assert code == 0
    assert "⚠ formatter exited with 1" in output
    assert (tmp_path / "out" / "hub" / "client.py").exists()
