"""Every relative link in README.md and docs/*.md leads somewhere: the file exists and, where the
link names a #heading, that heading is in the file (anchors made as GitHub makes them).

The README is a front door into docs/; a guide renamed or a heading reworded must not leave a
reader at a dead end."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.S)
# [text](target) and ![alt](target "title"); the text may hold nested brackets once.
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # http:, https:, mailto: ...


def _prose(markdown: str) -> str:
    """The text links can live in: fenced blocks and code spans blanked out."""
    return CODE_SPAN.sub("", FENCE.sub("", markdown))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation but - and _ removed,
    spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every heading's anchor, with GitHub's -1, -2 suffixes for repeats."""
    seen: dict[str, int] = {}
    found = set()
    for match in HEADING.finditer(FENCE.sub("", markdown)):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(document: Path) -> list[str]:
    """Each relative link of `document` that leads nowhere, with the reason."""
    problems = []
    for target in LINK.findall(_prose(document.read_text(encoding="utf-8"))):
        if EXTERNAL.match(target):
            continue
        path_part, _, anchor = target.partition("#")
        destination = (document.parent / unquote(path_part)).resolve() if path_part else document
        where = f"{document.relative_to(ROOT)}: ({target})"
        if not destination.exists():
            problems.append(f"{where}: no file {destination}")
        elif anchor:
            if destination.is_dir() or destination.suffix.lower() != ".md":
                problems.append(f"{where}: #{anchor} on a file that is not Markdown")
            elif unquote(anchor).lower() not in anchors(destination.read_text(encoding="utf-8")):
                problems.append(f"{where}: no heading #{anchor} in {destination.relative_to(ROOT)}")
    return problems


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(document: Path) -> None:
    assert broken_links(document) == []


def test_the_readme_links_into_every_guide() -> None:
    readme = _prose((ROOT / "README.md").read_text(encoding="utf-8"))
    linked = {target.partition("#")[0] for target in LINK.findall(readme)}
    guides = {f"docs/{path.name}" for path in DOCUMENTS[1:]}
    assert guides - linked == set(), "guides in docs/ the README's contents list does not reach"


def test_the_checker_finds_broken_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = tmp_path.resolve()
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# A guide\n\n## Choosing a cluster (and why)\n\ntext\n")
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Front door\n\n"
        "[ok](docs/guide.md) [ok anchor](docs/guide.md#choosing-a-cluster-and-why) [here](#front-door)\n"
        "[web](https://example.org/x) `[in code](missing.md)`\n\n"
        "```\n[in a fence](missing.md)\n```\n\n"
        "[gone](docs/missing.md) [bad anchor](docs/guide.md#choosing) ![picture](docs/images/none.png)\n"
        "[self](#nowhere)\n"
    )
    problems = broken_links(readme)
    assert len(problems) == 4, problems
    assert "no file" in problems[0]
    assert "docs/missing.md" in problems[0]
    assert "no heading #choosing in docs/guide.md" in problems[1]
    assert "none.png" in problems[2]
    assert "no heading #nowhere in README.md" in problems[3]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Reviews: care transition protocols and review dates", "reviews-care-transition-protocols-and-review-dates"),
        ("The 2026/27 mental health currency", "the-202627-mental-health-currency"),
        ("8. Backups and restore drills", "8-backups-and-restore-drills"),
        (
            "H12 Derived reference set wrong (calibrated from a provider's own history)",
            "h12-derived-reference-set-wrong-calibrated-from-a-providers-own-history",
        ),
        ("v6: MHS606 and MHS607", "v6-mhs606-and-mhs607"),
        ("`carecluster batch` options", "carecluster-batch-options"),
    ],
)
def test_anchors_are_made_as_github_makes_them(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_repeated_headings_get_numbered_anchors() -> None:
    assert anchors("# Notes\n\n## Python\n\n## Python\n\n```\n# not a heading\n```\n") == {
        "notes",
        "python",
        "python-1",
    }
