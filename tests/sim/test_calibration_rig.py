"""What the virtual Pico gives a calibration: parts drawn within tolerance per seed
(R25, Beta, the fixed resistor and the ADC's offset), a bath that holds the bead at a
temperature (`bath C` / `bath off`), and a reference thermometer (`reference`)."""

from __future__ import annotations

import random
from pathlib import Path

import picofan_cli
from polling import until

from device_port import Port
from fanctl.sampler import Sampler
from fanctl.settings import defaults
from picofan.sim.adc import AdcParams, Rp2040Adc, draw_offset_lsb
from picofan.sim.process import SimProcess
from picofan.spec import curve


def test_parts_are_drawn_within_tolerance_per_seed() -> None:
    seen = []
    for seed in (1, 2, 1):
        with SimProcess(speed=50, seed=seed) as sim:
            seen.append(sim.info["parts"])
    assert seen[0] == seen[2] != seen[1]  # one board per seed
    p = AdcParams()
    for parts in seen:
        assert abs(parts["r0"] / 10000 - 1) <= p.r25_tolerance
        assert abs(parts["beta"] / 3950 - 1) <= p.beta_tolerance
        assert abs(parts["r_fixed"] / 10000 - 1) <= p.r_fixed_tolerance
        assert p.offset_lsb[0] <= parts["adc_offset_lsb"] <= p.offset_lsb[1]
    offsets = {draw_offset_lsb(p, seed) for seed in range(20)}
    assert len(offsets) == 20 and max(offsets) - min(offsets) > 5  # spread, not one value


def test_the_adc_offset_moves_the_codes() -> None:
    p = AdcParams(noise_lsb=0.0)
    plain = Rp2040Adc(p, random.Random(1))
    high = Rp2040Adc(p, random.Random(1), offset_lsb=12.0)
    # Away from the E11 wide codes: 12 LSB more input is 12 codes more.
    assert high.code(0.3) - plain.code(0.3) == 12


def readings(sim: SimProcess, port: Port, n: int) -> list[dict]:
    """The board's next n readings from now on (not the lines already waiting)."""
    now = sim.control("status")["state"]["ms"]
    return [port.wait_for(lambda m: m["type"] == "tele" and m["ms"] > now
                          and m["temp"] is not None) for _ in range(n)]


def test_bath_holds_the_bead_and_reference_reads_it(sim: SimProcess, port: Port) -> None:
    before = sim.control("reference")["reference_c"]
    assert sim.control("bath 0")["ok"]
    # The bead follows the water in seconds (board time; the sim runs at 50x).
    until(lambda: abs(sim.control("reference")["reference_c"]) < 0.005, "the bead at 0 degC")
    assert abs(before) > 5  # it was in the air, near the body's temperature
    assert sim.control("status")["state"]["bath_c"] == 0.0
    # The board's reading is close to the bath, off by what its parts' tolerance makes it.
    tele = readings(sim, port, 5)
    assert all(abs(m["temp"]) < 1.5 for m in tele), [m["temp"] for m in tele]
    # Out of the water: the bead warms back toward the air around the body.
    assert sim.control("bath off")["ok"]
    until(lambda: sim.control("reference")["reference_c"] > 5, "the bead back in the air")
    assert sim.control("status")["state"]["bath_c"] is None


def test_board_reading_is_off_by_the_parts_and_the_offset(sim: SimProcess, port: Port) -> None:
    # The board converts with the nominal part; what it reads is the drawn part seen
    # through the fixed resistor and the ADC's offset.
    sim.control("bath 40")
    until(lambda: abs(sim.control("reference")["reference_c"] - 40) < 0.005, "the bead at 40")
    parts = sim.info["parts"]
    true_ohms = curve.c_to_beta_ohms(40.0, parts["r0"], parts["t0"], parts["beta"])
    ratio = curve.ohms_to_ratio(true_ohms, parts["r_fixed"])
    nominal = defaults()

    def board_reads(offset_lsb: float) -> float:
        # The sim's ADC on its own, read by the firmware's sampler (its E11 correction
        # included) and averaged long: what the board converts.
        adc = Rp2040Adc(AdcParams(), random.Random(0), offset_lsb)
        sampler = Sampler(lambda: Rp2040Adc.to_u16(adc.code(ratio)))
        temps = []
        for _ in range(125):
            sampler.sample(nominal)
            assert sampler.temp is not None
            temps.append(sampler.temp)
        return sum(temps) / len(temps)

    with_offset, without = board_reads(parts["adc_offset_lsb"]), board_reads(0.0)
    temps = [m["temp"] for m in readings(sim, port, 8)]
    mean = sum(temps) / len(temps)
    assert abs(mean - with_offset) < 0.03, (mean, with_offset, without)
    assert abs(with_offset - without) > 0.1  # the offset shows
    assert abs(mean - 40) > 0.05  # off, as a board with 1 % parts is


def test_bath_refuses_bad_input_in_one_line(sim: SimProcess) -> None:
    for bad, why in (("bath", "bath takes 1 argument(s)"),
                     ("bath warm", "bath must be a number, not 'warm'"),
                     ("bath 500", "bath must be between -30 and 100"),
                     ("reference 3", "reference takes 0 argument(s)")):
        assert sim.control(bad) == {"ok": False, "error": why}
    assert sim.control("status")["state"]["bath_c"] is None  # nothing changed
    help_text = sim.control("help")["help"]
    assert "bath C | bath off" in help_text and "reference" in help_text


def test_bath_and_reference_typed_at_the_sims_console(tmp_path: Path) -> None:
    with picofan_cli.SimCommand(tmp_path) as sim:
        assert sim.proc.stdin is not None and sim.proc.stdout is not None
        sim.proc.stdout.readline()  # "control socket …; type help …"
        sim.proc.stdin.write("bath 25\n")
        sim.proc.stdin.flush()
        assert sim.proc.stdout.readline().startswith("ok: bead ")
        until(lambda: abs(sim.control("reference")["reference_c"] - 25) < 0.01,
              "the bead at 25")
        sim.proc.stdin.write("reference\n")
        sim.proc.stdin.flush()
        said = sim.proc.stdout.readline()
    assert said.startswith("reference 2") and said.endswith(" C\n"), said
    assert abs(float(said.split()[1]) - 25) < 0.01
