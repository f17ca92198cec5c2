"""The reference parts of the docs are complete: API pages, configuration, wire format."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from docs import gen_api

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_api_pages_cover_every_public_module_and_are_up_to_date() -> None:
    for dist in gen_api.distributions():
        page = DOCS / "api" / f"{dist.name}.rst"
        assert page.exists(), f"run hatch run python docs/gen_api.py: {page.name} is missing"
        text = page.read_text()
        for module in dist.modules:
            assert f".. automodule:: {module}\n" in text, f"{module} has no reference section"
        assert text == gen_api.render(dist), (
            f"{page.name} is stale: run hatch run python docs/gen_api.py"
        )


@pytest.fixture(scope="module")
def built_inventory() -> Path:
    """Build the docs once, as ``hatch run docs:build`` does, and return its objects.inv.

    The site goes where ``docs:build`` puts it (``docs/_build/html``, ignored by git), so CI's
    docs steps check and measure this build instead of building the site a second time.
    """
    pytest.importorskip("sphinx", reason="the docs env (hatch run docs:build) has Sphinx")
    out = DOCS / "_build" / "html"
    strict = ["-E", "-W", "--keep-going", "-n", "-q"]
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", *strict, "-b", "html", DOCS, out],
        capture_output=True,
        text=True,
        check=False,
        # not measured by pytest-cov: tracing Sphinx's import of everything takes minutes
        env={k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE", "COVERAGE"))},
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    return out / "objects.inv"


# The fixture builds the whole Sphinx site (about a minute alone, several on a loaded machine).
@pytest.mark.timeout(900)
def test_every_name_in_every_public_all_is_in_the_built_reference(built_inventory: Path) -> None:
    assert gen_api.missing_from_inventory(built_inventory) == []


def test_every_source_page_sidebar_link_leads_to_a_built_page(built_inventory: Path) -> None:
    # docs/conf.py resolves the sidebar of viewcode's pages once per folder: a link resolved
    # for another folder would point nowhere
    site = built_inventory.parent
    pages = sorted((site / "_modules").rglob("*.html"))
    assert len({page.parent for page in pages}) > 2, "expected source pages in several folders"
    for page in pages:
        html = page.read_text()
        sidebar = html[html.index('class="sidebar-tree"') :]
        sidebar = sidebar[: sidebar.index("</div>")]
        links = re.findall(r'class="reference internal" href="([^"#]+)', sidebar)
        assert links, f"{page.relative_to(site)}: no sidebar links"
        for link in links:
            assert (page.parent / link).is_file(), f"{page.relative_to(site)}: {link} is missing"


def _page(name: str) -> str:
    return (DOCS / "guide" / f"{name}.rst").read_text()


def test_configuration_page_lists_every_attribute_with_its_default() -> None:
    from chanx.core.config import ConsumerConfig

    page = _page("configuration")
    rows = dict(re.findall(r"   \* - ``(\w+)``\n     - ``([^`]*)``", page))
    config = [
        name
        for name in ConsumerConfig.__annotations__
        if not name.startswith("_") and name in vars(ConsumerConfig)
    ]
    assert config, "ConsumerConfig has no configuration attributes?"
    for name in config:
        assert name in rows, f"{name} is missing from the configuration table"
        default = getattr(ConsumerConfig, name)
        documented = ast.literal_eval(rows[name])
        assert documented == default, f"{name}: page says {documented!r}, code has {default!r}"


def test_configuration_page_lists_every_chanx_setting_key() -> None:
    pytest.importorskip("django")
    from chanx.channels.settings import ChanxSettings

    page = _page("configuration")
    accepted = page.split("Accepted keys:", 1)[1].split("\n\n", 1)[0]
    for key in ChanxSettings.model_fields:
        assert f"``{key}``" in accepted, f"CHANX key {key} is not documented"


def test_wire_format_page_lists_every_error_type_chanx_produces() -> None:
    page = _page("wire-format")
    produced: set[str] = set()
    for source in ROOT.glob("packages/*/src/chanx/**/*.py"):
        text = source.read_text()
        produced |= set(re.findall(r'error_entry\(\s*"(\w+)"', text))
        produced |= set(re.findall(r'type="(\w+)"', text)) & {"rate_limited"}
    assert {"json_invalid", "message_too_large"} <= produced
    for kind in produced:
        assert f"``{kind}``" in page, f"error type {kind} is not documented"


def test_wire_format_page_lists_the_close_codes() -> None:
    page = _page("wire-format")
    codes = {4401, 4403, 4404, 4500}
    if importlib.util.find_spec("chanx.mixins") is not None:
        from chanx.mixins import RATE_LIMIT_CLOSE_CODE

        codes.add(RATE_LIMIT_CLOSE_CODE)
    for code in codes:
        assert f"``{code}``" in page


def test_mixins_page_lists_every_mixin_attribute_with_its_default() -> None:
    pytest.importorskip("chanx.mixins")
    from chanx import mixins

    page = _page("mixins")
    rows = dict(re.findall(r"   \* - ``(\w+)``\n     - ``([^`]*)``", page))
    for cls in (mixins.RoomMixin, mixins.PresenceMixin, mixins.TypingMixin, mixins.RateLimitMixin):
        for name in vars(cls).get("__annotations__", {}):
            if name.startswith("_"):
                continue
            assert f"``{name}``" in page, f"{cls.__name__}.{name} is not documented"
            if name in rows:
                default = getattr(cls, name)
                try:
                    documented = ast.literal_eval(rows[name])
                except ValueError:
                    documented = rows[name]
                    default = repr(default)
                assert documented == default, f"{name}: page {documented!r}, code {default!r}"
