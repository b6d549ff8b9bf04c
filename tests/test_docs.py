"""Generated sections of the docs match the code that defines them."""

import subprocess
import sys
from pathlib import Path

from docs import generate
from picofan.spec import generated
from wiring import tables

ROOT = Path(__file__).resolve().parents[1]


def test_generated_doc_sections_are_fresh() -> None:
    stale = generated.refresh(generate.paths(), generate.SECTIONS, write=False)
    assert stale == [], "run `make docs`"
    # and the command that says so, as make runs it
    run = subprocess.run([sys.executable, "docs/generate.py", "--check"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_the_docs_check_catches_a_stale_section(tmp_path: Path) -> None:
    doc = tmp_path / "protocol.md"
    text = (ROOT / "docs/protocol.md").read_text()
    assert "| `setpoint` |" in text
    doc.write_text(text.replace("| `setpoint` |", "| `set_point` |", 1))
    assert generated.refresh([doc], generate.SECTIONS, write=False) == [doc]
    # and the fix is the regeneration, which touches only the generated section
    assert generated.refresh([doc], generate.SECTIONS, write=True) == [doc]
    assert doc.read_text() == text


def test_every_generated_section_has_a_generator() -> None:
    # One renderer for both generators; each fills only its own sections, so a
    # section name nobody owns would silently stay as typed.
    owned = set(generate.SECTIONS) | set(tables.SECTIONS)
    assert not set(generate.SECTIONS) & set(tables.SECTIONS)
    found = set()
    for path in [*generate.paths(), *(ROOT / doc for doc in tables.DOCS)]:
        names = set(generated.names(path.read_text()))
        assert names <= owned, (path.name, names - owned)
        found |= names
    assert found == owned  # and every section a generator makes has a place


def test_the_renderer_leaves_prose_and_other_sections_alone() -> None:
    text = (
        "prose 1\n<!-- generated:mine -->\nold\n<!-- /generated -->\n"
        "prose 2\n<!-- generated:theirs -->\nkeep\n<!-- /generated -->\n"
    )
    out = generated.render(text, {"mine": lambda: "new"})
    assert out == text.replace("old\n", "new\n")
    assert generated.render(out, {"mine": lambda: "new"}) == out


def test_readme_shows_the_csv_header_as_written() -> None:
    from picofan.logger import COLUMNS

    assert f"`{','.join(COLUMNS)}`" in (ROOT / "README.md").read_text()


def test_protocol_doc_lists_every_setting_and_message() -> None:
    from fanctl import protocol, settings
    from picofan.spec import wire

    text = (ROOT / "docs/protocol.md").read_text()
    for name in settings.defaults():
        assert f"| `{name}` |" in text
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    for kind in wire.MESSAGES:
        assert any(f"`{kind}`" in h for h in headings), kind
    for cmd in protocol.COMMANDS:
        assert f'{{"cmd": "{cmd}"' in text
