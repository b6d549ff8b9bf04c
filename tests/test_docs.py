"""Generated sections of the docs match the code that defines them."""

import re
import subprocess
import sys
from pathlib import Path

from docs import generate
from picofan.spec import doc_sections
from wiring import sections

ROOT = Path(__file__).resolve().parents[1]


def test_generated_doc_sections_are_fresh() -> None:
    stale = doc_sections.refresh(generate.paths(), generate.SECTIONS, write=False)
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
    assert doc_sections.refresh([doc], generate.SECTIONS, write=False) == [doc]
    # and the fix is the regeneration, which touches only the generated section
    assert doc_sections.refresh([doc], generate.SECTIONS, write=True) == [doc]
    assert doc.read_text() == text


def test_every_generated_section_has_a_generator() -> None:
    # One renderer for both generators; each fills only its own sections, so a
    # section name nobody owns would silently stay as typed.
    owned = set(generate.SECTIONS) | set(sections.SECTIONS)
    assert not set(generate.SECTIONS) & set(sections.SECTIONS)
    found = set()
    for path in [*generate.paths(), *(ROOT / doc for doc in sections.DOCS)]:
        names = set(doc_sections.names(path.read_text()))
        assert names <= owned, (path.name, names - owned)
        found |= names
    assert found == owned  # and every section a generator makes has a place


def test_the_renderer_leaves_prose_and_other_sections_alone() -> None:
    text = (
        "prose 1\n<!-- generated:mine -->\nold\n<!-- /generated -->\n"
        "prose 2\n<!-- generated:theirs -->\nkeep\n<!-- /generated -->\n"
    )
    out = doc_sections.render(text, {"mine": lambda: "new"})
    assert out == text.replace("old\n", "new\n")
    assert doc_sections.render(out, {"mine": lambda: "new"}) == out


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


def test_the_rpm_docs_say_how_the_firmware_counts() -> None:
    # The firmware counts the tach over whole samples until RPM_WINDOW_MS have passed
    # and divides by the time it counted: not a fixed second, so not 30 rpm steps.
    from fanctl import fan
    from fanctl.settings import defaults

    class Tach:  # the one thing Fan.measure asks of the board: a steady 1234 rpm
        ms = 0

        def tach_count(self) -> int:
            return self.ms * 1234 * 2 // 60000

    board, s = Tach(), {**defaults(), "tach": "on"}
    f = fan.Fan(board)
    readings = set()
    for _ in range(200):
        board.ms += 104  # each sample a little late: a 1040 ms window
        f.measure(s, 104)
        readings.add(f.rpm)
    readings.discard(None)
    assert readings and all(r % 30 for r in readings), readings
    assert all(abs(r - 1234) < 60000 // (2 * 1000) for r in readings), readings
    window = f"{fan.RPM_WINDOW_MS}–{fan.RPM_WINDOW_MS + s['sample_ms']} ms"
    protocol = next(line for line in (ROOT / "docs/protocol.md").read_text().splitlines()
                    if line.startswith("| `rpm` |"))
    wiring = next(line for line in (ROOT / "wiring/README.md").read_text().splitlines()
                  if line.startswith("| rpm resolution |"))
    for row in (protocol, wiring):
        assert window in row and "divide" in row and "steps" not in row, row


DOCS = ["README.md", "wiring/README.md", *sorted(
    p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]


def commands(text: str, program: str) -> list[str]:
    """Every `program ARGS` as a reader would type it: inline code and sh blocks."""
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        spans += [line.split("#", 1)[0] for line in block.splitlines()]
    out = []
    for span in spans:  # the program leads the span, or each command of a pipeline
        words = re.sub(r"\$\(|\"", " ", span.replace(".venv/bin/picofan", "picofan")).split()
        out += [words[i + 1] for i, w in enumerate(words[:-1])
                if w == program and (i == 0 or words[i - 1] in ("|", "&&", ";", "||"))]
    return out


def test_every_picofan_command_in_the_docs_is_one_picofan_has() -> None:
    from picofan.cli.command import parser

    sub = next(a for a in parser()._subparsers._group_actions if a.dest == "command")
    said = {doc: commands((ROOT / doc).read_text(), "picofan") for doc in DOCS}
    assert said["README.md"] and said["docs/monitor.md"]
    for doc, words in said.items():
        unknown = {w for w in words if w not in sub.choices and not w.startswith("-")
                   and w not in ("|", "…") and not w.isupper()}  # (COMMAND: a placeholder)
        assert not unknown, (doc, unknown)


def test_every_make_target_in_the_docs_is_one_the_makefile_has() -> None:
    makefile = (ROOT / "Makefile").read_text()
    (phony,) = re.findall(r"^\.PHONY: (.*)$", makefile, re.MULTILINE)
    targets = set(phony.split())
    for doc in DOCS:
        used = {w for w in commands((ROOT / doc).read_text(), "make")
                if "=" not in w and w not in ("|", "…")}
        assert used <= targets, (doc, used - targets)
    assert {"demo", "test"} <= set(commands((ROOT / "README.md").read_text(), "make"))


def test_no_doc_installs_picofan_from_the_package_index() -> None:
    # picofan is not on the index: installs are from a clone (.) or a built wheel.
    for doc in DOCS:
        for cmd in ("pip", "pipx"):
            text = (ROOT / doc).read_text()
            for match in re.finditer(rf"\b{cmd} install ([^`\n#]+)", text):
                first = match.group(1).split()[0].strip("'\"")
                assert first.startswith((".", "dist/", "-")) or "picofan" not in first, (
                    doc, match.group(0))


def test_the_monitor_doc_lists_every_key() -> None:
    from textual.binding import Binding

    from picofan.monitor.app import MonitorApp

    text = (ROOT / "docs/monitor.md").read_text()
    for b in MonitorApp.BINDINGS:
        assert isinstance(b, Binding)
        key = b.key_display or b.key
        shown = (f"| **{key}** |", f"| **{key}** / ", f" / **{key}** |")
        assert any(cell in text for cell in shown), key


def test_the_switch_point_a_hardware_user_is_told_is_the_firmwares() -> None:
    from fanctl.settings import defaults

    s = defaults()
    on = s["setpoint"] + s["hysteresis"] / 2
    said = (f"at {on:g} °C", f"the default setpoint, {s['setpoint']:g} °C",
            f"half the\n{s['hysteresis']:g} °C hysteresis")
    for doc in ("README.md", "docs/hardware.md"):
        text = " ".join((ROOT / doc).read_text().split())
        for words in said:
            assert " ".join(words.split()) in text, (doc, words)
