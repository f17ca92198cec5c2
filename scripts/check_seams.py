"""Fail when one package reaches into another package's private names.

A package may use another package only through its public, documented API: no import of a
``_private`` module of another distribution, no ``._chanx*`` attribute (the core consumer's
private state) read outside chanx-core, no ``sys.modules`` look-ups of another package.
Run: ``python scripts/check_seams.py`` (exit status 1 and one line per offence).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_IMPORT = re.compile(r"(?:from|import)\s+chanx\.([a-z_]+)((?:\.\w+)*)")
_PRIVATE_ATTR = re.compile(r"\._chanx\w*\b")
_SYS_MODULES = re.compile(r"sys\.modules")


def owners(root: Path = ROOT) -> dict[str, str]:
    """Subpackage of the ``chanx`` namespace -> the distribution folder that ships it."""
    found: dict[str, str] = {}
    for sub in root.glob("packages/*/src/chanx/*"):
        if sub.is_dir() or sub.suffix == ".py":
            found[sub.stem] = sub.parts[-4]
    return found


def offences(root: Path = ROOT) -> list[str]:
    """Every line of package source under ``root`` that crosses a package boundary privately."""
    own = owners(root)
    found: list[str] = []
    for path in sorted(root.glob("packages/*/src/chanx/**/*.py")):
        dist = path.relative_to(root).parts[1]
        for number, line in enumerate(path.read_text().splitlines(), 1):
            where = f"{path.relative_to(root)}:{number}: {line.strip()[:100]}"
            for match in _IMPORT.finditer(line):
                target = own.get(match.group(1))
                private = any(part.startswith("_") for part in match.group(2).split(".") if part)
                if target is not None and target != dist and private:
                    found.append(where)
            if dist != "chanx-core" and _PRIVATE_ATTR.search(line):
                found.append(where)
            if _SYS_MODULES.search(line):
                found.append(where)
    return found


def main() -> int:
    problems = offences()
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} private reach(es) across packages; use the public API instead")
        return 1
    print("no package reaches into another package's private names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
