"""No package reaches into another package's private names (the check .ci/run runs)."""

from __future__ import annotations

from pathlib import Path

import check_seams


def _module(root: Path, dist: str, sub: str, text: str) -> None:
    path = root / "packages" / dist / "src" / "chanx" / sub / "mod.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_repository_has_no_private_reach() -> None:
    assert check_seams.offences() == []


def test_each_kind_of_private_reach_is_found(tmp_path: Path) -> None:
    _module(tmp_path, "chanx-core", "core", "from chanx.core._hidden import x\nself._chanx\n")
    _module(
        tmp_path,
        "chanx-mixins",
        "mixins",
        "from chanx.core._hidden import x\n"
        "from chanx.core.public import y\n"
        "from chanx.mixins._own import z\n"
        "registry = cls._chanx\n"
        "mod = sys.modules.get('chanx.channels')\n",
    )
    found = check_seams.offences(tmp_path)
    assert [line.split(":")[1] for line in found] == ["1", "4", "5"]
    assert all(line.startswith("packages/chanx-mixins/") for line in found)
