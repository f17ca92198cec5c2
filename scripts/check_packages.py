"""Build the chanx distributions and prove that each one stands on its own.

Usage (from the repository root)::

    python scripts/check_packages.py build            # wheels and sdists of every package -> dist/
    python scripts/check_packages.py check            # build, inspect, install each alone, import
    python scripts/check_packages.py check --only chanx-asgi --no-build
    python scripts/check_packages.py floors [--python PY]  # declared floors / verify a venv

``check`` inspects every wheel and sdist (namespace without ``chanx/__init__.py``, only the
package's own subpackages, ``py.typed``, version equal to ``__about__.py``), then installs each
wheel into a fresh virtual environment together with the sibling wheels it depends on (from
``dist/``, never from the index) and its third-party dependencies (from the index), imports
every public module and checks ``__all__``, and asserts that frameworks the package has no
business pulling in are absent. It needs ``uv`` (``pip install uv``).
"""

from __future__ import annotations

import argparse
import ast
import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "packages"

# Framework families: distribution names and the import names they provide.
DJANGO_DISTS = frozenset({"django", "channels", "channels-redis", "djangorestframework", "daphne"})
ASGI_DISTS = frozenset({"fast-channels", "fastapi", "starlette"})
DJANGO_MODULES = frozenset({"django", "channels", "channels_redis", "rest_framework", "daphne"})
ASGI_MODULES = frozenset({"fast_channels", "fastapi", "starlette"})

#: Distributions (and modules) a package must not bring into an environment on its own.
FORBIDDEN: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "chanx-core": (DJANGO_DISTS | ASGI_DISTS, DJANGO_MODULES | ASGI_MODULES),
    "chanx-asgi": (DJANGO_DISTS, DJANGO_MODULES),
    "chanx-django": (ASGI_DISTS, ASGI_MODULES),
    "chanx-asyncapi": (DJANGO_DISTS | ASGI_DISTS, DJANGO_MODULES | ASGI_MODULES),
    "chanx-mixins": (DJANGO_DISTS | ASGI_DISTS, DJANGO_MODULES | ASGI_MODULES),
    "chanx-client": (DJANGO_DISTS | ASGI_DISTS, DJANGO_MODULES | ASGI_MODULES),
}

#: Extras installed in the isolation check: the ones the docs tell users to install.
EXTRAS: dict[str, tuple[str, ...]] = {
    "chanx-django": ("drf",),
    "chanx-mixins": ("redis",),
    "chanx-client": ("cli",),
}

#: Import names provided by each extra; a module needing an extra that is not installed may be
#: skipped (it is an optional integration), any other import failure is an error.
EXTRA_MODULES: dict[str, frozenset[str]] = {
    "redis": frozenset({"redis", "channels_redis"}),
    "drf": frozenset({"rest_framework"}),
    "otel": frozenset({"opentelemetry"}),
    "prometheus": frozenset({"prometheus_client"}),
    "asyncapi": frozenset({"chanx.asyncapi"}),
}

#: Import names of test tools: modules like ``pytest_plugin`` need them and may be skipped.
TEST_MODULES = frozenset({"pytest", "pytest_asyncio"})


class CheckError(Exception):
    """A packaging problem; the message says which package and what is wrong."""


@dataclass
class Package:
    """One distribution of the monorepo, read from its ``pyproject.toml``."""

    name: str
    folder: Path
    version: str
    about: str
    subpackages: tuple[str, ...]
    dependencies: tuple[str, ...]
    optional: dict[str, tuple[str, ...]] = field(default_factory=dict)
    scripts: tuple[str, ...] = ()

    @property
    def about_in_wheel(self) -> str:
        """Path of ``__about__.py`` inside the wheel (``chanx/<sub>/__about__.py``)."""
        return self.about.removeprefix("src/")

    @property
    def wheel_stem(self) -> str:
        return f"{self.name.replace('-', '_')}-{self.version}"


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise CheckError(f"cannot parse requirement {requirement!r}")
    return _normalize(match.group(1))


def read_version(about: Path) -> str:
    """The ``__version__`` string assigned in an ``__about__.py``."""
    for node in ast.parse(about.read_text()).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise CheckError(f"{about}: no __version__ = '...' assignment")


def discover(root: Path = PACKAGES) -> dict[str, Package]:
    """Every package folder under ``packages/``, keyed by distribution name."""
    found: dict[str, Package] = {}
    for pyproject in sorted(root.glob("*/pyproject.toml")):
        data = tomllib.loads(pyproject.read_text())
        project = data["project"]
        folder = pyproject.parent
        version_path = data["tool"]["hatch"]["version"]["path"]
        subpackages = tuple(
            sorted(
                p.name
                for p in (folder / "src" / "chanx").iterdir()
                if p.is_dir() and p.name != "__pycache__"
            )
        )
        found[project["name"]] = Package(
            name=project["name"],
            folder=folder,
            version=read_version(folder / version_path),
            about=version_path,
            subpackages=subpackages,
            dependencies=tuple(project.get("dependencies", ())),
            optional={k: tuple(v) for k, v in project.get("optional-dependencies", {}).items()},
            scripts=tuple(project.get("scripts", {})),
        )
    if not found:
        raise CheckError(f"no packages found under {root}")
    return found


def uv() -> list[str]:
    """Command prefix that runs uv."""
    exe = shutil.which("uv")
    if exe is not None:
        return [exe]
    return [sys.executable, "-m", "uv"]


def run(
    cmd: Sequence[str | os.PathLike[str]], **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure raise with its output."""
    proc = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, check=False, **kwargs
    )  # type: ignore[call-overload]
    if proc.returncode != 0:
        raise CheckError(
            f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n"
            f"{proc.stdout}\n{proc.stderr}"
        )
    return proc  # type: ignore[no-any-return]


# -- build ---------------------------------------------------------------------------------------
def build(packages: Iterable[Package], out: Path) -> None:
    """Build an sdist and a wheel (from that sdist) of each package into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for pkg in packages:
        for old in out.glob(f"{pkg.name.replace('-', '_')}-*"):
            old.unlink()
        print(f"building {pkg.name} {pkg.version}", flush=True)
        run([*uv(), "build", "--quiet", "--out-dir", out, pkg.folder])


# -- inspection ----------------------------------------------------------------------------------
def _metadata(text: str) -> email.message.Message:
    return email.parser.Parser().parsestr(text)


def inspect_wheel(pkg: Package, wheel: Path) -> email.message.Message:
    """Check a wheel's contents and metadata; return its METADATA."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        dist_info = f"{pkg.wheel_stem}.dist-info"
        meta_name = f"{dist_info}/METADATA"
        if meta_name not in names:
            raise CheckError(f"{wheel.name}: no {meta_name}")
        meta = _metadata(zf.read(meta_name).decode())
    files = [n for n in names if not n.startswith(f"{dist_info}/")]
    strays = [n for n in files if not n.startswith("chanx/")]
    if strays:
        raise CheckError(f"{wheel.name}: files outside the chanx namespace: {strays}")
    if "chanx/__init__.py" in files:
        raise CheckError(f"{wheel.name}: ships chanx/__init__.py; chanx is a PEP 420 namespace")
    if any(n.count("/") == 1 for n in files):
        raise CheckError(
            f"{wheel.name}: files directly in chanx/: {[n for n in files if n.count('/') == 1]}"
        )
    shipped = {n.split("/")[1] for n in files}
    if shipped != set(pkg.subpackages):
        raise CheckError(
            f"{wheel.name}: ships subpackages {sorted(shipped)}, "
            f"expected exactly {list(pkg.subpackages)}"
        )
    required = [f"chanx/{sub}/py.typed" for sub in pkg.subpackages] + [pkg.about_in_wheel]
    for name in required:
        if name not in files:
            raise CheckError(f"{wheel.name}: {name} is missing")
    if any("__pycache__" in n or n.endswith(".pyc") for n in files):
        raise CheckError(f"{wheel.name}: contains compiled files")
    _check_metadata(pkg, wheel.name, meta)
    return meta


def _check_metadata(pkg: Package, label: str, meta: email.message.Message) -> None:
    if meta["Name"] != pkg.name:
        raise CheckError(f"{label}: metadata Name {meta['Name']!r}, expected {pkg.name!r}")
    if meta["Version"] != pkg.version:
        raise CheckError(
            f"{label}: metadata Version {meta['Version']!r} but __about__.py says {pkg.version!r}"
        )
    for key in ("Summary", "Requires-Python", "License-Expression"):
        if not meta.get(key):
            raise CheckError(f"{label}: metadata has no {key}")
    description = str(meta.get_payload() or "")
    if meta.get("Description-Content-Type") != "text/markdown" or pkg.name not in description:
        raise CheckError(f"{label}: the README is missing from the long description")
    classifiers = meta.get_all("Classifier") or []
    if "Typing :: Typed" not in classifiers:
        raise CheckError(f"{label}: classifier 'Typing :: Typed' is missing")
    urls = meta.get_all("Project-URL") or []
    if not any(u.lower().startswith(("source", "documentation")) for u in urls):
        raise CheckError(f"{label}: no Source/Documentation project URL")
    for requirement in meta.get_all("Requires-Dist") or []:
        check_sibling_range(label, requirement)


def check_sibling_range(label: str, requirement: str) -> None:
    """A dependency on another chanx package is a range with a floor and a ceiling, never ==."""
    name = _requirement_name(requirement)
    if not name.startswith("chanx-"):
        return
    spec = requirement.split(";", 1)[0]
    if "==" in spec or ">=" not in spec or "<" not in spec.replace("<=", ""):
        raise CheckError(
            f"{label}: {requirement!r}: depend on sibling packages with a range "
            "such as 'chanx-core>=0.1,<0.2'"
        )


def inspect_sdist(pkg: Package, sdist: Path) -> None:
    """Check that an sdist carries what a rebuild and a reader need."""
    prefix = pkg.wheel_stem
    with tarfile.open(sdist) as tf:
        names = set(tf.getnames())
        pkg_info = tf.extractfile(f"{prefix}/PKG-INFO")
        if pkg_info is None:
            raise CheckError(f"{sdist.name}: no PKG-INFO")
        meta = _metadata(pkg_info.read().decode())
    needed = ["pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"]
    needed += [f"src/chanx/{sub}/py.typed" for sub in pkg.subpackages]
    needed.append(f"src/{pkg.about_in_wheel}")
    missing = [n for n in needed if f"{prefix}/{n}" not in names]
    if missing:
        raise CheckError(f"{sdist.name}: missing {missing}")
    if f"{prefix}/src/chanx/__init__.py" in names:
        raise CheckError(f"{sdist.name}: ships src/chanx/__init__.py")
    _check_metadata(pkg, sdist.name, meta)


def find_artifacts(pkg: Package, dist: Path) -> tuple[Path, Path]:
    """The wheel and sdist of ``pkg`` at its current version in ``dist``."""
    wheel = dist / f"{pkg.wheel_stem}-py3-none-any.whl"
    sdist = dist / f"{pkg.wheel_stem}.tar.gz"
    for artifact in (wheel, sdist):
        if not artifact.exists():
            raise CheckError(f"{artifact.name} not found in {dist}; run the build first")
    return wheel, sdist


def sibling_closure(pkg: Package, packages: dict[str, Package]) -> list[Package]:
    """Local packages ``pkg`` depends on (with its installed extras), transitively."""
    seen: dict[str, Package] = {}
    todo = [pkg]
    while todo:
        current = todo.pop()
        reqs = list(current.dependencies)
        if current is pkg:
            for extra in EXTRAS.get(pkg.name, ()):
                reqs += current.optional.get(extra, ())
        for req in reqs:
            dep = packages.get(_requirement_name(req))
            if dep is not None and dep.name not in seen:
                seen[dep.name] = dep
                todo.append(dep)
    return list(seen.values())


# -- isolation -----------------------------------------------------------------------------------
PROBE = r"""
import importlib, importlib.metadata as md, json, pkgutil, sys
cfg = json.loads(sys.argv[1])
report = {"modules": [], "skipped": {}, "errors": []}
try:  # Django modules need configured settings to import (chanx-django's DRF view does)
    from django.conf import settings as django_settings
except ImportError:
    pass
else:
    if not django_settings.configured:
        django_settings.configure(
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"]
        )
        import django
        django.setup()
import chanx
if getattr(chanx, "__file__", None) is not None:
    report["errors"].append(f"chanx is a regular package ({chanx.__file__}), not a namespace")
for sub in cfg["subpackages"]:
    top = importlib.import_module(f"chanx.{sub}")
    names = [f"chanx.{sub}"] + sorted(
        m.name for m in pkgutil.walk_packages(top.__path__, f"chanx.{sub}.")
        if not any(part.startswith("_") for part in m.name.split("."))
    )
    optional = cfg["optional_modules"]
    for name in names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            root = missing.split(".")[0]
            inside = any(missing == o or missing.startswith(f"{o}.") for o in optional)
            if root in optional or inside:
                report["skipped"][name] = root
                continue
            report["errors"].append(f"import {name}: {exc!r}")
            continue
        except Exception as exc:
            report["errors"].append(f"import {name}: {exc!r}")
            continue
        report["modules"].append(name)
        for public in getattr(module, "__all__", ()):
            try:
                found = hasattr(module, public)
            except ModuleNotFoundError as exc:  # a lazy re-export of an optional integration
                missing = exc.name or ""
                inside = any(missing == o or missing.startswith(f"{o}.") for o in optional)
                if missing.split(".")[0] in optional or inside:
                    continue
                raise
            if not found:
                report["errors"].append(f"{name}.__all__ names {public!r}, which does not exist")
names = (d.metadata["Name"] for d in md.distributions())
installed = {n.lower().replace("_", "-") for n in names if n}
report["forbidden_installed"] = sorted(installed & set(cfg["forbidden_dists"]))
report["forbidden_imported"] = sorted(
    m for m in cfg["forbidden_modules"] if m in sys.modules
)
versions = {}
for dist in cfg["expect_versions"]:
    versions[dist] = md.version(dist)
report["versions"] = versions
print(json.dumps(report))
"""


def check_isolated(
    pkg: Package, packages: dict[str, Package], dist: Path, workdir: Path
) -> dict[str, object]:
    """Install ``pkg`` alone into a fresh venv and probe it; raise on any problem."""
    venv = workdir / pkg.name
    run([*uv(), "venv", "--quiet", "--python", sys.executable, venv])
    python = venv / "bin" / "python"
    wheel, _ = find_artifacts(pkg, dist)
    extras = EXTRAS.get(pkg.name, ())
    main_req = f"{pkg.name}[{','.join(extras)}] @ {wheel.as_uri()}" if extras else str(wheel)
    siblings = sibling_closure(pkg, packages)
    sibling_wheels = [str(find_artifacts(dep, dist)[0]) for dep in siblings]
    run(
        [
            *uv(),
            "pip",
            "install",
            "--quiet",
            "--python",
            python,
            "--find-links",
            dist,
            main_req,
            *sibling_wheels,
        ]
    )
    forbidden_dists, forbidden_modules = FORBIDDEN.get(pkg.name, (frozenset(), frozenset()))
    # Test helpers (pytest plugins) import pytest, which users install themselves.
    optional = set(forbidden_modules) | TEST_MODULES
    for extra, modules in EXTRA_MODULES.items():
        if extra not in extras:
            optional |= modules
    cfg = {
        "subpackages": list(pkg.subpackages),
        "optional_modules": sorted(optional),
        "forbidden_dists": sorted(forbidden_dists),
        "forbidden_modules": sorted(forbidden_modules),
        "expect_versions": [pkg.name, *(d.name for d in siblings)],
    }
    for script in pkg.scripts:
        run([venv / "bin" / script, "--help"], cwd=workdir)
    proc = run([python, "-c", PROBE, json.dumps(cfg)], cwd=workdir)
    report: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    problems = list(report["errors"])  # type: ignore[call-overload]
    if report["forbidden_installed"]:
        problems.append(f"installing it pulled in {report['forbidden_installed']}")
    if report["forbidden_imported"]:
        problems.append(f"importing it imported {report['forbidden_imported']}")
    expected = {pkg.name: pkg.version, **{d.name: d.version for d in siblings}}
    if report["versions"] != expected:
        problems.append(f"installed versions {report['versions']}, expected the local {expected}")
    if problems:
        raise CheckError(f"{pkg.name} installed alone:\n  " + "\n  ".join(map(str, problems)))
    return report


def check(
    packages: dict[str, Package], selected: list[Package], dist: Path, do_build: bool
) -> None:
    """Build (optionally), inspect and install-check ``selected``."""
    if do_build:
        build(packages.values(), dist)
    for pkg in packages.values():
        wheel, sdist = find_artifacts(pkg, dist)
        inspect_wheel(pkg, wheel)
        inspect_sdist(pkg, sdist)
        print(f"ok  {wheel.name} and {sdist.name}: contents and metadata", flush=True)
    with tempfile.TemporaryDirectory(prefix="chanx-pkgcheck-") as tmp:
        for pkg in selected:
            report = check_isolated(pkg, packages, dist, Path(tmp))
            skipped = report["skipped"]
            note = f"; skipped optional integrations {skipped}" if skipped else ""
            print(
                f"ok  {pkg.name} alone: imported {len(report['modules'])} public modules"  # type: ignore[arg-type]
                f" ({', '.join(report['modules'])}){note}",  # type: ignore[arg-type]
                flush=True,
            )


# -- floors --------------------------------------------------------------------------------------
def floors(packages: Iterable[Package], extras: bool = True) -> dict[str, str]:
    """Lowest version each third-party direct dependency may have (its ``>=`` bound)."""
    local = {p.name for p in packages}
    found: dict[str, str] = {}
    for pkg in packages:
        reqs = list(pkg.dependencies)
        if extras:
            reqs += [r for group in pkg.optional.values() for r in group]
        for req in reqs:
            name = _requirement_name(req)
            match = re.search(r">=\s*([0-9][^,;\s]*)", req)
            if name in local:
                continue
            if match is None:
                raise CheckError(f"{pkg.name}: dependency {req!r} declares no floor (>=)")
            floor = match.group(1)
            if name in found and found[name] != floor:
                print(f"note: {name} floors differ ({found[name]} vs {floor}); using the higher")
                floor = max(found[name], floor, key=_version_key)
            found[name] = floor
    return found


def _version_key(version: str) -> tuple[int, ...]:
    parts = [int(part) for part in re.findall(r"\d+", version)]
    while parts and parts[-1] == 0:  # 1.1 == 1.1.0
        parts.pop()
    return tuple(parts)


def verify_floors(packages: Iterable[Package], python: str) -> None:
    """Fail unless ``python``'s environment holds every direct dependency at its floor."""
    expected = floors(packages)
    code = (
        "import importlib.metadata as md, json, sys\n"
        "print(json.dumps({n: md.version(n) for n in json.loads(sys.argv[1])}))"
    )
    proc = run([python, "-c", code, json.dumps(sorted(expected))])
    installed: dict[str, str] = json.loads(proc.stdout)
    wrong = {
        name: f"declared >={floor}, lowest resolvable {installed[name]}"
        for name, floor in expected.items()
        if _version_key(installed[name]) != _version_key(floor)
    }
    for name in sorted(expected):
        print(f"{name:24} floor {expected[name]:10} installed {installed[name]}")
    if wrong:
        raise CheckError(f"declared floors that cannot be installed (raise them): {wrong}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=["build", "check", "floors"])
    parser.add_argument(
        "--python", help="floors: verify this interpreter's environment holds exactly the floors"
    )
    parser.add_argument(
        "--dist", type=Path, default=ROOT / "dist", help="artifact folder (default: dist/)"
    )
    parser.add_argument("--only", action="append", default=[], help="check only this distribution")
    parser.add_argument(
        "--no-build", action="store_true", help="check the artifacts already in --dist"
    )
    args = parser.parse_args(argv)
    try:
        packages = discover()
        if args.command == "build":
            build(packages.values(), args.dist)
            print(f"built {len(packages)} packages into {args.dist}")
            return 0
        if args.command == "floors":
            if args.python:
                verify_floors(packages.values(), args.python)
            else:
                for name, floor in sorted(floors(packages.values()).items()):
                    print(f"{name}=={floor}")
            return 0
        unknown = [n for n in args.only if n not in packages]
        if unknown:
            raise CheckError(f"unknown package(s) {unknown}; known: {sorted(packages)}")
        selected = [packages[n] for n in args.only] if args.only else list(packages.values())
        check(packages, selected, args.dist, not args.no_build)
    except CheckError as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 1
    print("packaging check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
