"""The circuit's computed figures as Markdown: the LED resistors, the ADC's
counts and resolution, and the 4-wire fan's stage and tach input set against
their datasheets. Each is a `<!-- generated:wiring-... -->` section."""

from __future__ import annotations

from fanctl import fan, pins, thermistor
from picofan.spec import curve
from wiring.calc import (
    ADC_PIN,
    DISSIPATION_MW_PER_K,
    DNL_CODES,
    DNL_MAX_LSB,
    GPIO_DRIVE_MA,
    LED_MAX_MA,
    LED_TARGET_MA,
    LEDS,
    NOISE_LSB_RMS,
    OUT_PIN,
    TABLE_TEMPS,
    TACH_PIN,
    VDD,
    counts_at,
    counts_per_degree,
    degrees_per_step,
    farads_text,
    led_ma,
    led_resistor,
    ntc_on_top,
    ohms_text,
    read_u16_of_code,
    self_heating_mw,
    settings,
)
from wiring.four_wire import (
    C_TACH,
    FAN_MAX_RPM,
    GPIO_HYSTERESIS,
    GPIO_PULL_OHMS,
    GPIO_VIH,
    GPIO_VIL,
    GPIO_VOH_MIN,
    NPN,
    NPN_SAT_BETA,
    NPN_SWITCH_NS,
    NPN_VBE_SAT,
    NPN_VCE_SAT,
    NPN_VCEO,
    R_BASE_PULLDOWN,
    R_TACH_PULLUP,
    R_TACH_SERIES,
    SPEC_PWM_HZ,
    SPEC_PWM_IMAX_MA,
    SPEC_PWM_VIL,
    SPEC_PWM_VMAX,
    SPEC_SINK_MA,
    pwm_stage,
    rpm_at,
    tach_input,
    tach_ppr_range,
)
from wiring.tables import header_row


def led_table() -> str:
    rows = header_row(
        "LED colour",
        "Vf typical / lowest",
        "(3.3 V − Vf) / 2 mA",
        "(3.3 V − lowest Vf) / 3 mA",
        "resistor (E12, rounded up)",
        "current",
        "at lowest Vf",
    )
    for colour, vf, vf_low in LEDS:
        typical = (VDD - vf) / (LED_TARGET_MA / 1000)
        worst = (VDD - vf_low) / (LED_MAX_MA / 1000)
        r = led_resistor(vf, vf_low)
        rows.append(
            f"| {colour} | {vf:g} V / {vf_low:g} V | {typical:.0f} Ω | {worst:.0f} Ω | "
            f"**{ohms_text(r)}** | {led_ma(vf, r):.2f} mA | {led_ma(vf_low, r):.2f} mA |"
        )
    return "\n".join(rows)


def numbers_table() -> str:
    s = settings()
    rows = header_row("°C", "NTC (Ω)", f"{ADC_PIN} (V)", "`read_u16`", "°C per ADC step")
    for t in TABLE_TEMPS:
        ohms = curve.c_to_ohms(t, s)
        ratio = curve.ohms_to_ratio(ohms, s["r_fixed"], ntc_on_top())
        counts = curve.c_to_counts(t, s)
        rows.append(
            f"| {t} | {ohms:,.0f} | {ratio * VDD:.3f} | {counts} | {degrees_per_step(t):.3f} |"
        )
    return "\n".join(rows)


def resolution_text() -> str:
    s = settings()
    lines = []
    for t in (25, 40):
        lines.append(
            f"- At **{t} °C**: {counts_at(t)} counts, **{degrees_per_step(t):.3f} °C "
            f"per ADC step** ({1 / degrees_per_step(t):.0f} steps per °C)."
        )
    setpoint = s["setpoint"]
    best = curve.c_to_ohms(setpoint, s)
    lines.append(
        f"- Fixed resistor vs counts per °C (`read_u16`), at 25 °C and at the "
        f"default setpoint {setpoint:g} °C:"
    )
    lines.append("")
    lines += header_row("fixed resistor", "counts/°C at 25 °C", f"counts/°C at {setpoint:g} °C")
    for rf in (3300.0, s["r_fixed"], best, 33000.0):
        name = ohms_text(rf) if rf != best else f"{ohms_text(round(best, -1))} (= NTC at "
        name += f"{setpoint:g} °C, the best there)" if rf == best else ""
        lines.append(
            f"| {name} | {counts_per_degree(25, rf):.0f} | {counts_per_degree(setpoint, rf):.0f} |"
        )
    lines.append("")
    n = s["oversample"]
    step = degrees_per_step(25)
    lo_n, hi_n = (lsb * step for lsb in NOISE_LSB_RMS)
    lines.append(
        f"- Noise: one read is {NOISE_LSB_RMS[0]:g}–{NOISE_LSB_RMS[1]:g} codes RMS, "
        f"{lo_n:.3f}–{hi_n:.3f} °C at 25 °C; the firmware averages "
        f"`oversample` = {n} reads, which divides that by √{n}: "
        f"{lo_n / n**0.5:.3f}–{hi_n / n**0.5:.3f} °C."
    )
    spikes = []
    for code in DNL_CODES:
        t = thermistor.measure(read_u16_of_code(code), s)[0]
        if t is None:
            spikes.append(f"code {code} (outside the sensor range)")
        else:
            wide = DNL_MAX_LSB * degrees_per_step(t)
            spikes.append(f"code {code} ≈ {t:.1f} °C (up to {wide:.2f} °C)")
    lines.append(
        f"- The ADC's DNL spikes (erratum RP2040-E11, up to {DNL_MAX_LSB} codes "
        "wide, not removed by averaging) sit at " + ", ".join(spikes) + "."
    )
    p = max(self_heating_mw(t) for t in TABLE_TEMPS)
    lo, hi = (p / k for k in reversed(DISSIPATION_MW_PER_K))
    lines.append(
        f"- Self-heating: at most {p:.2f} mW in the thermistor (when it equals the "
        f"fixed resistor), so {lo:.2f}–{hi:.2f} °C above the air at "
        f"{DISSIPATION_MW_PER_K[0]:g}–{DISSIPATION_MW_PER_K[1]:g} mW/K."
    )
    return "\n".join(lines)


def four_wire_numbers() -> str:
    """The 4-wire fan's stage and tach input, computed (wiring.four_wire) and set against
    the Intel 4-wire fan spec and the RP2040's and the 2N3904's datasheets."""
    stage, tach = pwm_stage(), tach_input()
    ppr, ppr_max = tach_ppr_range()
    lo_v, hi_v = NPN_VBE_SAT
    pull_lo, pull_hi = (ohms_text(r) for r in GPIO_PULL_OHMS)
    rpm_step = 60000 / (ppr * fan.RPM_WINDOW_MS)
    pwm = header_row("the PWM stage", "figure", "against")
    pwm += [
        f"| PWM frequency, period | {pins.PWM_HZ / 1000:g} kHz, {stage.period_us:g} µs | "
        f"the spec: {SPEC_PWM_HZ[0] / 1000:g}–{SPEC_PWM_HZ[1] / 1000:g} kHz |",
        f"| base current from {OUT_PIN} | {stage.base_ma_min:.2f}–{stage.base_ma_max:.2f} mA "
        f"| the pin's {GPIO_DRIVE_MA:g} mA default drive; least: the pin high at its "
        f"lowest {GPIO_VOH_MIN:g} V, Vbe {hi_v:g} V, less what {ohms_text(R_BASE_PULLDOWN)} "
        f"takes; most: 3.3 V, Vbe {lo_v:g} V |",
        f"| collector current | ≤ {stage.sink_ma:g} mA | the fan's pull-up sources at "
        f"most {SPEC_PWM_IMAX_MA:g} mA; the spec asks a controller to sink 5, and "
        f"recommends {SPEC_SINK_MA:g} |",
        f"| IC / IB at the recommended {SPEC_SINK_MA:g} mA | {stage.forced_beta:.1f} | "
        f"≤ {NPN_SAT_BETA}, where the {NPN}'s datasheet gives VCE(sat) ≤ "
        f"{NPN_VCE_SAT:g} V: saturated |",
        f"| the PWM line, low | ≤ {stage.line_low_v:g} V | the fan reads low below "
        f"{SPEC_PWM_VIL:g} V: {stage.line_margin_v:.1f} V to spare |",
        f"| the PWM line, high | the fan's own pull-up, ≤ {SPEC_PWM_VMAX:g} V | on the "
        f"collector only ({NPN} VCEO {NPN_VCEO:g} V); no Pico pin is on this line |",
        f"| turn-off time | ≤ {NPN_SWITCH_NS[1]} ns, {stage.turn_off_pct:.1f} % of a "
        f"period | one duty step of 1 % is {stage.period_us * 10:g} ns (datasheet figure, "
        "at 10 mA) |",
        f"| power in {NPN} | ≤ {stage.dissipation_mw:.1f} mW | collector and base, "
        "on the whole time; a TO-92 takes 625 mW |",
        f"| instead of the {NPN}: a MOSFET's on-resistance | ≤ {stage.fet_max_ohms:.0f} Ω "
        f"at {GPIO_VOH_MIN:g} V on its gate | {SPEC_PWM_VIL:g} V / {SPEC_PWM_IMAX_MA:g} mA |",
    ]
    tach_rows = header_row("the tach input", "figure", "against")
    tach_rows += [
        f"| GP3's thresholds | low < {GPIO_VIL:g} V, high > {GPIO_VIH:g} V, "
        f"hysteresis ≥ {GPIO_HYSTERESIS:g} V | the RP2040's datasheet, at 3.3 V, Schmitt "
        "trigger on (as at reset) |",
        f"| tach high | {tach.high_v:g} V | from 3V3 only: the fan's open collector can "
        f"only pull down, so its 12 V never reaches {TACH_PIN} |",
        f"| pull-up current, tach low | {tach.pullup_ma:.2f} mA + ≤ "
        f"{tach.pin_pullup_ma:.3f} mA | {ohms_text(R_TACH_PULLUP)} from 3.3 V, and the "
        f"pin's own pull-up ({pull_lo}–{pull_hi}, on in the firmware) through "
        f"{ohms_text(R_TACH_SERIES)} |",
        f"| tach low at {TACH_PIN} | the fan's collector + ≤ {tach.offset_v * 1000:.0f} mV | "
        f"reads low while the collector is under {tach.collector_max_v:.2f} V: any "
        "saturated transistor is |",
        f"| RC corner, {ohms_text(R_TACH_SERIES)} × {farads_text(C_TACH)} | "
        f"{tach.corner_hz / 1000:.1f} kHz | falling edge: τ {tach.fall_tau_us:.0f} µs, "
        f"{tach.fall_to_vil_us:.0f} µs to {GPIO_VIL:g} V: a shorter low spike (from the "
        "PWM wire beside the tach wire) is never counted |",
        f"| rising edge, {ohms_text(R_TACH_PULLUP + R_TACH_SERIES)} × "
        f"{farads_text(C_TACH)} | τ {tach.rise_tau_us:.0f} µs (corner "
        f"{tach.rise_corner_hz / 1000:.2f} kHz) | {tach.rise_to_vih_us:.0f} µs to "
        f"{GPIO_VIH:g} V, {tach.rise_10_90_us:.0f} µs from 10 % to 90 %; the hysteresis "
        "keeps a slow edge to one count |",
        f"| fastest tach | {tach.max_tach_hz:.0f} Hz ({tach.max_tach_hz_any_ppr:.0f} Hz at "
        f"`tach_ppr` {ppr_max}) | {FAN_MAX_RPM:,} rpm at {ppr} pulses per revolution; "
        f"a half period of {500 / tach.max_tach_hz:.1f} ms "
        f"({500000 / tach.max_tach_hz_any_ppr:.0f} µs) is far longer than either edge |",
        f"| fastest tach the RC passes | {tach.max_passed_hz / 1000:.1f} kHz | "
        f"about {round(rpm_at(tach.max_passed_hz), -3):,.0f} rpm at {ppr} pulses per "
        "revolution |",
        f"| rpm resolution | about {rpm_step:g} rpm | one pulse at {ppr} pulses per "
        f"revolution: the firmware counts pulses over whole samples until "
        f"{fan.RPM_WINDOW_MS} ms have passed ({fan.RPM_WINDOW_MS}–"
        f"{fan.RPM_WINDOW_MS + settings()['sample_ms']} ms at the default `sample_ms`) "
        "and divides by the time they took |",
    ]
    return "\n".join(pwm) + "\n\n" + "\n".join(tach_rows)
