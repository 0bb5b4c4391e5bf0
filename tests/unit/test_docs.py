"""The README and the guides in docs/ stay true to the repository: every `make TARGET` they
name is a target of the Makefile, every relative link (anchors included) reaches a file and
a heading that exist, the README stays short with its two commands on the first screen, and
every guide is on its map and opens with what a reader came for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
GUIDES = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *GUIDES]
# Written in parallel by another branch: linked before it exists. Remove once it is merged.
NOT_YET_WRITTEN = {ROOT / "docs" / "architecture.md"}

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
MAKE = re.compile(r"(?:^|[\s(;&|$])make[ \t]+(?:-s[ \t]+)?([a-z][a-z-]*)(?=[\s`)]|$)", re.M)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.M)


def without_code_blocks(text: str) -> str:
    return FENCE.sub("", text)


def code(text: str) -> str:
    """The fenced blocks and inline code of a page: where commands are written."""
    blocks = [m.group(0) for m in FENCE.finditer(text)]
    spans = CODE_SPAN.findall(without_code_blocks(text))
    return "\n".join(blocks + spans)


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*)\s*:(?!=)", text, re.M))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for _, heading in HEADING.findall(without_code_blocks(page.read_text())):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def links(page: Path) -> list[str]:
    return LINK.findall(without_code_blocks(page.read_text()))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_make_target_named_exists(page):
    named = set(MAKE.findall(code(page.read_text())))
    assert named <= makefile_targets(), sorted(named - makefile_targets())


def test_the_pattern_finds_make_targets_as_the_pages_write_them():
    text = "`make run` and `make -s session OCP_PORT=8014`; OCP_CARRIER=chime make run\n"
    assert set(MAKE.findall(code(text))) == {"run", "session"}
    assert MAKE.findall(code("`make` alone; `make test-fast`")) == ["test-fast"]
    assert MAKE.findall(code("we make sure")) == []  # code only: prose is not read


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page):
    broken = []
    for target in links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if file in NOT_YET_WRITTEN and not file.exists():
            continue
        if not file.exists():
            broken.append(target)
            continue
        if anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(target)
    assert not broken, broken


def test_the_readme_is_short_with_its_two_commands_on_the_first_screen():
    text = README.read_text()
    assert len(text.encode()) < 15_000
    first_screen = "\n".join(text.splitlines()[:40])
    assert "make run" in first_screen and "make test" in first_screen


def test_every_guide_is_on_the_readmes_map():
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(README)}
    assert not [g.name for g in GUIDES if g not in linked]


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_every_guide_opens_with_what_a_reader_came_for(guide):
    lines = guide.read_text().splitlines()
    assert lines[0].startswith("# "), "a title first"
    assert lines[1] == "" and lines[2] and not lines[2].startswith(("#", "|", "`", "-")), (
        "then a sentence or two saying what the page is for"
    )


# -- pointers from the code, `make help` and error texts into the guides ------------------

# Build output (infra/build, cdk.out) is not the project's: its vendored files are not ours.
_BUILT = {"build", "cdk.out", "__pycache__"}
CODE_FILES = sorted(
    [
        *(
            p
            for top in ("chalicelib", "local", "infra", "bench", "examples")
            for p in (ROOT / top).rglob("*.py")
            if not _BUILT & set(p.relative_to(ROOT).parts)
        ),
        ROOT / "app.py",
        ROOT / "Makefile",
    ]
)
# docs/x.md, docs/x.md#anchor, or docs/x.md "A heading"; and the README by a heading.
GUIDE_POINTER = re.compile(r"docs/([a-z0-9-]+\.md)(?:#([a-z0-9-]+)|,? \"([^\"]+)\")?")
README_POINTER = re.compile(r"README(?:'s)?,? \"([^\"]+)\"")


def pointers() -> list[tuple[str, Path, str, str]]:
    """(where, page, anchor or "", heading or "") of every pointer the code makes."""
    found = []
    for file in CODE_FILES:
        text = file.read_text()
        where = file.relative_to(ROOT).as_posix()
        for page, anchor, heading in GUIDE_POINTER.findall(text):
            found.append((where, ROOT / "docs" / page, anchor, heading))
        for heading in README_POINTER.findall(text):
            found.append((where, README, "", heading))
    return found


def test_every_pointer_from_the_code_names_a_page_and_section_that_exist():
    """A comment, a help line or an error text that says where to read more names a guide
    that exists, and a section of it that exists (README sections moved to docs/ once)."""
    broken = []
    for where, page, anchor, heading in pointers():
        if page in NOT_YET_WRITTEN and not page.exists():
            continue
        if not page.exists():
            broken.append(f"{where}: {page.name} does not exist")
        elif anchor and anchor not in anchors(page):
            broken.append(f"{where}: {page.name}#{anchor} is no heading")
        elif heading and not any(
            a.startswith(slug(" ".join(heading.split()))) for a in anchors(page)
        ):  # a section named by its title, or the title's start ("Request rate")
            broken.append(f'{where}: {page.name} has no section "{heading}"')
    assert broken == []


def test_the_pointer_check_sees_the_forms_the_code_writes(tmp_path):
    text = 'see docs/limits.md#every-limit-and-its-error, README "Deploy", docs/notes.md'
    assert GUIDE_POINTER.findall(text) == [
        ("limits.md", "every-limit-and-its-error", ""),
        ("notes.md", "", ""),
    ]
    assert README_POINTER.findall(text) == ["Deploy"]
    assert "deploy" not in anchors(README)  # so that pointer would be caught
