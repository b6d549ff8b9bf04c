# runs on MicroPython too
import json
import os

from fanctl import settings
from fanctl.settings import Invalid, defaults, load, merge, save
from support import raises, scratch_path


def test_defaults_are_valid():
    assert merge(defaults(), {}) == defaults()


def test_merge_converts_ints_for_float_settings():
    s = merge(defaults(), {"setpoint": 28})
    assert s["setpoint"] == 28.0 and type(s["setpoint"]) is float


def test_bad_values_are_refused_with_codes():
    cases = [
        ({"setpoint": "hot"}, "type"),
        ({"setpoint": True}, "type"),
        ({"setpoint": None}, "type"),
        ({"setpoint": [30]}, "type"),
        ({"setpoint": 1e999}, "type"),
        ({"setpoint": float("nan")}, "type"),
        ({"setpoint": 500}, "range"),
        ({"hysteresis": 0}, "range"),
        ({"hysteresis": -1}, "range"),
        ({"min_on_ms": 1.5}, "type"),
        ({"mode": "turbo"}, "type"),
        ({"mode": 1}, "type"),
        ({"fan_speed": 3}, "unknown_field"),
        ({"t_min": 50.0, "t_max": 40.0}, "range"),
        # setpoint inside the sensor range, band included
        ({"t_max": 30.0}, "range"),
        # telemetry goes out with a sample
        ({"interval_ms": 250}, "range"),
        ({"sample_ms": 300}, "range"),
    ]
    for changes, code in cases:
        e = raises(Invalid, merge, defaults(), changes)
        assert e.code == code, (changes, e.code, e.msg)


def test_merge_is_all_or_nothing():
    s = defaults()
    before = dict(s)
    raises(Invalid, merge, s, {"setpoint": 25.0, "hysteresis": -3})
    assert s == before


def test_save_then_load():
    path = scratch_path("settings.json")
    s = merge(defaults(), {"setpoint": 27.5, "mode": "on"})
    save(path, s)
    got, warning = load(path)
    assert got == s and warning is None
    assert not exists(path + ".tmp")


def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def test_missing_file_means_defaults_and_warning():
    got, warning = load(scratch_path("nothing.json"))
    assert got == defaults() and "no settings file" in warning


def test_corrupt_files_mean_defaults_and_warning():
    good = json.dumps(merge(defaults(), {"setpoint": 40.0}))
    for text in ["", good[: len(good) // 2], "not json", "[1, 2]",
                 '{"setpoint": "warm"}', '{"hysteresis": -2}', '{"setpoint": 1000}']:
        path = scratch_path("bad.json")
        write(path, text)
        got, warning = load(path)
        assert got == defaults(), text
        assert warning and "using defaults" in warning, text


def test_partial_file_keeps_its_values_and_defaults_the_rest():
    path = scratch_path("partial.json")
    write(path, '{"setpoint": 33.0, "from_the_future": 1}')
    got, warning = load(path)
    assert got["setpoint"] == 33.0 and got["hysteresis"] == defaults()["hysteresis"]
    assert "unknown" in warning


def test_power_cut_before_rename_keeps_old_settings():
    path = scratch_path("settings.json")
    old = merge(defaults(), {"setpoint": 26.0})
    save(path, old)
    # A cut after the new file was partly written, before the rename.
    write(path + ".tmp", '{"setpoint": 3')
    assert load(path) == (old, None)
    # The next save replaces the stray temp file.
    new = merge(defaults(), {"setpoint": 35.0})
    save(path, new)
    assert load(path) == (new, None)


def test_spec_names_unique():
    assert len(settings.defaults()) == len(settings.SPEC)  # every name once


def test_a_name_is_short_plain_text():
    for good in ("", "greenhouse", "Rack 2", "printer-enclosure_1.b", "x" * 24):
        assert merge(defaults(), {"name": good})["name"] == good
    for bad in ("x" * 25, "a/b", "tab\there", "caf\u00e9", 7, None, ["a"]):
        try:
            merge(defaults(), {"name": bad})
        except Invalid as e:
            assert e.code == "type" and "letters, digits" in e.msg, (bad, e.msg)
        else:
            raise AssertionError("accepted %r" % (bad,))
