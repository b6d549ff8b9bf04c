"""Regenerate the tables in docs/*.md from the code that defines them.

Sections between `<!-- generated:NAME -->` and `<!-- /generated -->` are
rewritten; everything else in the file is prose and stays as written.
Run: `make docs` (tests fail when a committed section is stale)."""

from __future__ import annotations

import sys
from pathlib import Path

from fanctl import protocol, settings
from picofan import micropython
from picofan.spec import doc_sections, wire

DOCS = Path(__file__).resolve().parent
TYPES = {"i": "int", "f": "number", "b": "bool", "s": "string", "o": "object",
         "x": "int or string (the command's id)"}


def _type(code: str) -> str:
    name = TYPES[code.rstrip("?")]
    return name + " or null" if code.endswith("?") else name


def settings_table() -> str:
    rows = ["| setting | default | allowed |", "|---|---|---|"]
    for row in settings.SPEC:
        if len(row) == 3 and isinstance(row[2], int):
            allowed = f"text, up to {row[2]} letters, digits, spaces or `-_.`"
        elif len(row) == 3:
            allowed = " / ".join(f"`{c}`" for c in row[2])
        else:
            kind = "whole number" if isinstance(row[1], int) else "number"
            allowed = f"{kind}, {row[2]} … {row[3]}"
        rows.append(f"| `{row[0]}` | `{row[1]}` | {allowed} |")
    return "\n".join(rows)


def messages_table() -> str:
    rows = ["| type | fields |", "|---|---|"]
    for kind, fields in wire.MESSAGES.items():
        cells = ", ".join(f"`{name}` ({_type(code)})" for name, code in fields)
        rows.append(f"| `{kind}` | {cells} |")
    return "\n".join(rows)


def lists_table() -> str:
    return "\n".join([
        "| list | values |", "|---|---|",
        "| commands | " + ", ".join(f"`{c}`" for c in protocol.COMMANDS) + " |",
        "| error codes | " + ", ".join(f"`{c}`" for c in wire.ERRORS) + " |",
        "| faults | " + ", ".join(f"`{c}`" for c in wire.FAULTS) + " |",
        "| log levels | " + ", ".join(f"`{c}`" for c in wire.LEVELS) + " |",
        f"| protocol version | `{protocol.PROTOCOL_VERSION}` |",
        f"| longest command line | {protocol.MAX_LINE} bytes |",
    ])


def micropython_table() -> str:
    uf2 = micropython.PICO_W_UF2_URL.rsplit("/", 1)[1]
    rows = ["| what | it does | pinned | not exactly the release because |", "|---|---|---|---|",
            f"| the board's firmware, `{uf2}` | MicroPython on the Pico W "
            f"(`picofan micropython`) | {micropython.VERSION} | |"]
    rows += [f"| `{name}` | {pin.role} | {pin.version} | {pin.why} |"
             for name, pin in micropython.PINS.items()]
    return "\n".join(rows)


def ha_entities_table() -> str:
    """The entities a board has in Home Assistant (fanctl.ha, through picofan.bridge.ha)."""
    from picofan.bridge import ha

    rows = ["| entity (`cmps` key) | platform | device class | category | values | from | "
            "only with |", "|---|---|---|---|---|---|---|"]
    for key, (e, when) in ha.entities("ID").items():
        if "min" in e:
            values = f"{e['min']} … {e['max']} {e['unit_of_meas']}, step {e['step']}"
        elif "ops" in e or "pr_modes" in e:
            values = " / ".join(f"`{o}`" for o in e.get("ops", e.get("pr_modes")))
        elif e["p"] == "button":
            values = f"press: `{e['pl_prs']}`"
        elif e["p"] == "text":
            values = f"text, up to {e['max']} characters"
        else:
            values = e.get("unit_of_meas", "on / off")
        if e["p"] == "fan":
            values = f"on / off, 0 … 100 %, preset {values}"
            source = (f"`{e['stat_val_tpl']}`, `{e['pct_val_tpl']}`, `{e['pr_mode_val_tpl']}` → "
                      + ", ".join(f"`{e[t]}`" for t in ("cmd_t", "pct_cmd_t", "pr_mode_cmd_t")))
        else:
            source = (f"`{e['val_tpl']}`" if "val_tpl" in e else "")
            if "cmd_t" in e:
                source += (" → " if source else "") + f"`{e['cmd_t']}`"
        source = source.replace("/ID/", "/<id>/")
        only = f"`{when[0]}` {when[1]}" if when else ""
        rows.append(f"| {e['name']} (`{key}`) | `{e['p']}` | {e.get('dev_cla', '')} | "
                    f"{e.get('ent_cat', '')} | {values} | {source.replace('|', '&#124;')} | "
                    f"{only} |")
    return "\n".join(rows)


SECTIONS: doc_sections.Sections = {
    "micropython": micropython_table,
    "settings": settings_table,
    "messages": messages_table,
    "lists": lists_table,
    "ha-entities": ha_entities_table,
}


def paths() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def main(check: bool = False) -> int:
    stale = doc_sections.refresh(paths(), SECTIONS, write=not check)
    if check and stale:
        names = ", ".join(p.name for p in stale)
        print(f"stale generated sections in: {names} (run `make docs`)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv))
