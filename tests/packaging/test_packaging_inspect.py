"""The packaging checker refuses broken wheels (scripts/check_packages.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import check_packages as cp  # scripts/ is on the tests' pythonpath
import pytest

ROOT = Path(__file__).resolve().parents[2]


METADATA = """Metadata-Version: 2.4
Name: chanx-demo
Version: {version}
Summary: demo
Project-URL: Source, https://example.invalid/chanx
License-Expression: MIT
Requires-Python: >=3.11
Classifier: Typing :: Typed
Description-Content-Type: text/markdown

# chanx-demo
"""


def _package() -> cp.Package:
    return cp.Package(
        name="chanx-demo",
        folder=ROOT,
        version="1.2.0",
        about="src/chanx/demo/__about__.py",
        subpackages=("demo",),
        dependencies=(),
    )


def _wheel(tmp_path: Path, files: dict[str, str], version: str = "1.2.0") -> Path:
    path = tmp_path / "chanx_demo-1.2.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
        zf.writestr("chanx_demo-1.2.0.dist-info/METADATA", METADATA.format(version=version))
    return path


GOOD = {
    "chanx/demo/__init__.py": "",
    "chanx/demo/__about__.py": '__version__ = "1.2.0"\n',
    "chanx/demo/py.typed": "",
}


def test_a_correct_wheel_passes(tmp_path: Path) -> None:
    meta = cp.inspect_wheel(_package(), _wheel(tmp_path, GOOD))
    assert meta["Version"] == "1.2.0"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"chanx/__init__.py": ""}, "PEP 420 namespace"),
        ({"chanx/other/__init__.py": ""}, "expected exactly"),
        ({"toplevel.py": ""}, "outside the chanx namespace"),
        ({"chanx/demo/py.typed": None}, "py.typed is missing"),
    ],
)
def test_broken_wheels_are_refused(
    tmp_path: Path, change: dict[str, str | None], message: str
) -> None:
    files: dict[str, str] = dict(GOOD)
    for name, text in change.items():
        if text is None:
            files.pop(name)
        else:
            files[name] = text
    with pytest.raises(cp.CheckError, match=message):
        cp.inspect_wheel(_package(), _wheel(tmp_path, files))


def test_a_version_that_disagrees_with_about_is_refused(tmp_path: Path) -> None:
    with pytest.raises(cp.CheckError, match=r"__about__.py says '1.2.0'"):
        cp.inspect_wheel(_package(), _wheel(tmp_path, GOOD, version="1.3.0"))


def test_discover_reads_every_package_of_the_repo() -> None:
    packages = cp.discover()
    assert set(packages) == {
        "chanx-core",
        "chanx-asgi",
        "chanx-django",
        "chanx-asyncapi",
        "chanx-mixins",
        "chanx-client",
    }
    assert packages["chanx-core"].subpackages == (
        "constants",
        "core",
        "messages",
        "routing",
        "utils",
    )
    assert packages["chanx-asgi"].subpackages == ("fast_channels",)
    assert packages["chanx-client"].subpackages == ("client", "client_generator")
    for pkg in packages.values():
        assert pkg.version == cp.read_version(pkg.folder / pkg.about)


def test_siblings_of_a_binding_are_core_only() -> None:
    packages = cp.discover()
    for name in ("chanx-asgi", "chanx-django", "chanx-asyncapi", "chanx-mixins"):
        assert [p.name for p in cp.sibling_closure(packages[name], packages)] == ["chanx-core"]


def hatch_executable() -> str:
    """The hatch the README installs (``.tools/bin/hatch``), else one on PATH.

    The README runs the suite as ``.tools/bin/hatch test`` without putting hatch on PATH, so
    PATH alone would miss it. Without any hatch the test is skipped, except under CI=true.
    """
    for candidate in (cp.ROOT / ".tools" / "bin" / "hatch", shutil.which("hatch")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    if os.environ.get("CI", "").lower() == "true":  # pragma: no cover - hatch runs this suite
        pytest.fail("hatch is needed: run `python3 -m venv .tools && .tools/bin/pip install hatch`")
    pytest.skip("hatch is not installed (.tools/bin/hatch or on PATH)")  # pragma: no cover


def test_bumping_one_package_changes_only_its_own_version(tmp_path: Path) -> None:
    """`hatch version minor` in one folder edits only that folder's __about__.py."""
    hatch = hatch_executable()
    copy = tmp_path / "packages"
    for pkg in cp.discover().values():
        dest = copy / pkg.folder.name
        (dest / Path(pkg.about).parent).mkdir(parents=True)
        (dest / "pyproject.toml").write_text((pkg.folder / "pyproject.toml").read_text())
        (dest / "README.md").write_text(f"# {pkg.name}\n")
        (dest / "LICENSE").write_text("MIT\n")
        (dest / pkg.about).write_text((pkg.folder / pkg.about).read_text())
    before = {name: p.version for name, p in cp.discover(copy).items()}
    bump = subprocess.run(
        [hatch, "version", "minor"],
        cwd=copy / "chanx-mixins",
        capture_output=True,
        text=True,
        # inside `hatch test` the active test env would be taken for the build env
        env={k: v for k, v in os.environ.items() if not k.startswith("HATCH_ENV")},
    )
    assert bump.returncode == 0, bump.stdout + bump.stderr
    after = {name: p.version for name, p in cp.discover(copy).items()}
    major, minor, _ = before["chanx-mixins"].split(".")
    assert after.pop("chanx-mixins") == f"{major}.{int(minor) + 1}.0"
    before.pop("chanx-mixins")
    assert after == before


@pytest.mark.parametrize(
    "requirement",
    ["chanx-core==0.1.0", "chanx-core>=0.1", "chanx-core", "chanx-core<0.2"],
)
def test_sibling_dependencies_must_be_ranges(requirement: str) -> None:
    with pytest.raises(cp.CheckError, match="range"):
        cp.check_sibling_range("demo.whl", requirement)


@pytest.mark.parametrize(
    "requirement",
    ["chanx-core<0.2,>=0.1", "chanx-core>=0.1,<0.2; extra == 'x'", "pydantic==2.11.0"],
)
def test_ranges_and_third_party_pins_pass_the_sibling_check(requirement: str) -> None:
    cp.check_sibling_range("demo.whl", requirement)


def test_the_asyncapi_package_declares_its_command() -> None:
    assert cp.discover()["chanx-asyncapi"].scripts == ("chanx-asyncapi",)
