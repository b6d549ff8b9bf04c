"""Generated sections of the docs match the code that defines them."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_generator():
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs/generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_doc_sections_are_fresh() -> None:
    gen = load_generator()
    for path in sorted((ROOT / "docs").glob("*.md")):
        text = path.read_text()
        assert gen.render(text) == text, f"{path.name} is stale: run `make docs`"


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
