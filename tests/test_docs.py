"""The repository stands alone: its documents link only to files inside it, and they exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".git", ".venv", "node_modules", "dist", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
DOCS = sorted(
    p for p in ROOT.rglob("*.md") if not SKIP_DIRS.intersection(p.relative_to(ROOT).parts)
)
# Markdown link targets, and relative paths written as code spans (`../x/y.md`).
LINK = re.compile(r"\]\(([^)#\s]+)[^)]*\)|`(\.\.?/[^`\s]+)`")


@pytest.mark.parametrize("doc", DOCS, ids=[str(p.relative_to(ROOT)) for p in DOCS])
def test_document_links_stay_inside_the_repository(doc: Path) -> None:
    text = doc.read_text()
    assert "§" not in text, "section references point into documents the reader does not have"
    for match in LINK.finditer(text):
        target = match.group(1) or match.group(2)
        if re.match(r"^[a-z]+:", target):  # http(s):, mailto: ...
            continue
        resolved = (doc.parent / target).resolve()
        assert resolved.is_relative_to(ROOT), f"{target} points outside the repository"
        assert resolved.exists(), f"{target} does not exist"


def test_readme_links_the_architecture_document() -> None:
    assert "](docs/architecture.md)" in (ROOT / "README.md").read_text()
