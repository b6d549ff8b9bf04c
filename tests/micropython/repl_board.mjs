// A virtual Pico W: the official MicroPython WebAssembly build's REPL (normal and
// raw), with a flash filesystem and a model of the RP2040's watchdog, served over
// stdin/stdout to repl_board.py, which puts it on a pseudo-terminal.
//   node repl_board.mjs --flash HOSTDIR [--heap 512k] [--reset-cause power|watchdog]
//                       [--machine "Raspberry Pi Pico W with RP2040"]
// --machine: the board as os.uname().machine names it (repl_board_boot.py: the chip
// whose watchdog registers it models follows from it).
// The flash starts as a copy of HOSTDIR; a "sync" request writes it back there.
//
// Framing (both ways): one type byte, a 4-byte big-endian length, the payload.
//   S: serial bytes
//   C: control, one reply each, in order: "sync" -> "synced" | "watchdog" -> its state
//      as JSON | "clock T" -> "clock NOW" once the board's clock reaches T |
//      "hang-adc" -> "ok" (from now on an ADC conversion never completes)
//
//   R: (to the host) "watchdog": the board hard-resets; this process ends at once
// A watchdog reset is a hard reset: the flash is written back to HOSTDIR, an R frame
// goes out and this process kills itself; repl_board.py then starts a fresh one with
// --reset-cause watchdog (a new interpreter, the friendly REPL, boot.py and main.py).
//
// Why a worker and a SharedArrayBuffer: Python code running on the board (the app's
// select.poll, sys.stdin reads) must wait for serial input synchronously, as on the
// Pico, while this thread is busy inside the interpreter. The worker reads stdin and
// fills a ring; this thread blocks on it with Atomics.wait.
import fs from "node:fs";
import path from "node:path";
import { MessageChannel, Worker, receiveMessageOnPort } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let hostFlash = null;
let heap = 512 * 1024;
let resetCause = "power";
let machine = "Raspberry Pi Pico W with RP2040";
while (args.length) {
  const flag = args.shift();
  const value = args.shift();
  if (flag === "--flash") hostFlash = value;
  else if (flag === "--heap") heap = parseInt(value) * (value.endsWith("k") ? 1024 : 1);
  else if (flag === "--reset-cause") resetCause = value;
  else if (flag === "--machine") machine = value;
  else throw new Error(`unknown flag ${flag}`);
}
if (!hostFlash) throw new Error("--flash HOSTDIR is required");
const FLASH = "/flash"; // the in-memory folder behind the board's "/"

// ---- the input ring, filled by the worker ---------------------------------
const SIZE = 1 << 16;
const sab = new SharedArrayBuffer(20 + SIZE);
// [written, read, control requests, events, stdin closed]
const hdr = new Int32Array(sab, 0, 5);
const ring = new Uint8Array(sab, 20, SIZE);
// Control requests travel as messages, read synchronously (receiveMessageOnPort):
// this thread never returns to Node's event loop while the board runs.
const control = new MessageChannel();
const worker = new Worker(
  `
  const { workerData } = require("node:worker_threads");
  const fs = require("node:fs");
  const { sab, port } = workerData;
  const hdr = new Int32Array(sab, 0, 5);
  const ring = new Uint8Array(sab, 20, ${SIZE});
  let pending = Buffer.alloc(0);
  const bump = () => { Atomics.add(hdr, 3, 1); Atomics.notify(hdr, 3); };
  const chunk = Buffer.alloc(65536);
  for (;;) {
    let n;
    try { n = fs.readSync(0, chunk); } catch (e) { if (e.code === "EAGAIN") continue; throw e; }
    if (n === 0) { Atomics.store(hdr, 4, 1); bump(); break; } // stdin closed: power off
    pending = Buffer.concat([pending, chunk.subarray(0, n)]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      const len = pending.readUInt32BE(1);
      const body = pending.subarray(5, 5 + len);
      if (pending[0] === 0x53) {
        for (const b of body) {
          while (Atomics.load(hdr, 0) - Atomics.load(hdr, 1) >= ${SIZE}) {
            Atomics.wait(hdr, 1, Atomics.load(hdr, 1), 50); // full: wait for the reader
          }
          const w = Atomics.load(hdr, 0);
          ring[w % ${SIZE}] = b;
          Atomics.store(hdr, 0, w + 1);
        }
      } else {
        port.postMessage(body.toString()); // queued for the board before it is counted
        Atomics.add(hdr, 2, 1);
      }
      bump();
      pending = pending.subarray(5 + len);
    }
  }
  `,
  { eval: true, workerData: { sab, port: control.port2 }, transferList: [control.port2] },
);
worker.unref();

const available = () => Atomics.load(hdr, 0) - Atomics.load(hdr, 1);
function take() {
  const r = Atomics.load(hdr, 1);
  const b = ring[r % SIZE];
  Atomics.store(hdr, 1, r + 1);
  Atomics.notify(hdr, 1);
  return b;
}
const peek = (i) => ring[(Atomics.load(hdr, 1) + i) % SIZE];

// ---- output -----------------------------------------------------------------
let out = [];
let capture = null;
function frame(type, payload) {
  const head = Buffer.alloc(5);
  head[0] = type.charCodeAt(0);
  head.writeUInt32BE(payload.length, 1);
  fs.writeSync(1, Buffer.concat([head, payload]));
}
function flush() {
  if (out.length) {
    frame("S", Buffer.from(out));
    out = [];
  }
}
function emit(byte) {
  if (capture) capture.push(byte);
  else {
    out.push(byte);
    if (out.length >= 4096) flush();
  }
}
const say = (text) => {
  for (const b of Buffer.from(text)) emit(b);
};

// ---- the flash: host folder <-> in-memory folder ------------------------------
function load(host, guest) {
  mp.FS.mkdirTree(guest);
  for (const e of fs.readdirSync(host, { withFileTypes: true })) {
    const from = path.join(host, e.name);
    if (e.isDirectory()) load(from, `${guest}/${e.name}`);
    else mp.FS.writeFile(`${guest}/${e.name}`, fs.readFileSync(from));
  }
}
function save(guest, host) {
  // Mirror exactly: what is on the board, and nothing else.
  fs.rmSync(host, { recursive: true, force: true });
  fs.mkdirSync(host, { recursive: true });
  for (const name of mp.FS.readdir(guest)) {
    if (name === "." || name === "..") continue;
    const g = `${guest}/${name}`;
    if (mp.FS.isDir(mp.FS.stat(g).mode)) save(g, path.join(host, name));
    else fs.writeFileSync(path.join(host, name), mp.FS.readFile(g));
  }
}
let served = 0;
const alarms = []; // board times that "clock T" requests wait for
function serviceControl() {
  if (Atomics.load(hdr, 4)) {
    flush();
    process.exit(0);
  }
  // The watchdog first: whatever this pass answers, it answers at a time the
  // watchdog was checked.
  const now = Date.now();
  watchdogCheck(now);
  while (served < Atomics.load(hdr, 2)) {
    const request = receiveMessageOnPort(control.port1).message;
    served++;
    flush();
    const [verb, arg] = request.split(" ");
    if (verb === "sync") {
      save(FLASH, hostFlash);
      frame("C", Buffer.from("synced"));
    } else if (verb === "watchdog") {
      frame("C", Buffer.from(JSON.stringify(watchdogState(now))));
    } else if (verb === "clock") {
      alarms.push(Number(arg));
      alarms.sort((a, b) => a - b);
    } else if (verb === "hang-adc") {
      adcHung = true;
      frame("C", Buffer.from("ok"));
    } else {
      frame("C", Buffer.from(`unknown request ${request}`));
    }
  }
  while (alarms.length && alarms[0] <= now) {
    alarms.shift();
    flush();
    frame("C", Buffer.from(`clock ${now}`));
  }
}

// Sleep until input (or, deaf to input, until more arrives), a control request, the
// watchdog's deadline, an alarm, or `ms` (Infinity: no limit), whichever comes first.
function sleep(ms, deaf = false) {
  const seq = Atomics.load(hdr, 3);
  if ((available() && !deaf) || Atomics.load(hdr, 2) !== served || Atomics.load(hdr, 4)) {
    return;
  }
  const now = Date.now();
  let wake = Math.min(ms, (alarms.length ? alarms[0] : Infinity) - now);
  if (watchdog.enabled) wake = Math.min(wake, watchdog.deadline - now);
  Atomics.wait(hdr, 3, seq, wake === Infinity ? undefined : Math.max(0, wake));
}

// Wait until input (or a control request) arrives or `ms` pass (-1: forever).
function waitInput(ms) {
  const until = ms < 0 ? Infinity : Date.now() + ms;
  for (;;) {
    serviceControl();
    if (available()) return true;
    const left = until - Date.now();
    if (left <= 0) return false;
    flush();
    sleep(left);
  }
}

// ---- the RP2040 watchdog ------------------------------------------------------
// The WATCHDOG block (0x40058000) as far as MicroPython on a Pico reaches it: the
// rp2 port's machine.WDT is pico-sdk's watchdog_enable() (clear ENABLE, load the
// counter, set ENABLE) and .feed() its watchdog_update() (reload the counter); CTRL's
// ENABLE (bit 30) and TRIGGER (bit 31) through mem32 at its four aliases. Its
// countdown is on the board's clock (Date.now(), what time.ticks_ms counts) and
// runs whatever the interpreter does: at the REPL, in the raw REPL, through a soft
// reset. Expiry is a hard reset. It is checked whenever the board's code calls out
// of the interpreter (every wait, poll, serial read, ADC read, register access) and
// while the board idles; a loop of pure Python that never calls out is not seen.
const watchdog = {
  enabled: false, // CTRL.ENABLE
  load: 0, // ms the counter restarts from (pico-sdk keeps this as load_value)
  deadline: 0, // board time the counter reaches 0, while enabled
  left: 0, // ms on the counter, held while not enabled
};
function watchdogCheck(now = Date.now()) {
  if (watchdog.enabled && now >= watchdog.deadline) hardReset();
}
function watchdogSetEnable(on, now = Date.now()) {
  if (on && !watchdog.enabled) watchdog.deadline = now + watchdog.left;
  if (!on && watchdog.enabled) watchdog.left = Math.max(0, watchdog.deadline - now);
  watchdog.enabled = on;
}
function watchdogState(now) {
  return {
    now,
    enabled: watchdog.enabled,
    load_ms: watchdog.load,
    deadline: watchdog.enabled ? watchdog.deadline : null,
  };
}
function hardReset() {
  // What survives a reset: the flash. Not the interpreter, the REPL mode, the
  // serial input not yet read, nor this watchdog's state.
  flush();
  save(FLASH, hostFlash);
  frame("R", Buffer.from("watchdog"));
  // Not process.exit(): it would wait for the worker, blocked reading stdin.
  process.kill(process.pid, "SIGKILL");
}
let adcHung = false;
globalThis.rp2040 = {
  watchdog_enable(ms) {
    watchdogCheck();
    watchdogSetEnable(false);
    if (ms === 0) hardReset(); // pico-sdk: a 0 ms delay sets TRIGGER
    watchdog.load = ms;
    watchdog.left = ms;
    watchdogSetEnable(true);
  },
  watchdog_update() {
    watchdogCheck();
    const now = Date.now();
    if (watchdog.enabled) watchdog.deadline = now + watchdog.load;
    else watchdog.left = watchdog.load;
  },
  // alias: 0 plain write, 1 XOR, 2 SET, 3 CLR (offsets 0x0000, 0x1000, 0x2000, 0x3000)
  ctrl_write(alias, enable, trigger) {
    watchdogCheck();
    const bit = Boolean(enable);
    const was = watchdog.enabled;
    if (trigger && alias !== 3) hardReset(); // TRIGGER set: a reset now
    watchdogSetEnable([bit, was !== bit, was || bit, was && !bit][alias]);
  },
  ctrl_enable() {
    watchdogCheck();
    return watchdog.enabled ? 1 : 0;
  },
  adc_read() {
    watchdogCheck();
    // A conversion that never completes (an injected fault): the CPU waits here,
    // deaf to Ctrl-C, until the watchdog or the power ends it.
    while (adcHung) {
      serviceControl();
      flush();
      sleep(Infinity, true);
    }
    return 32768; // mid-scale: a plausible room-temperature reading
  },
};

// ---- the interpreter ------------------------------------------------------
const mp = await loadMicroPython({
  heapsize: heap,
  linebuffer: false,
  stdout: (bytes) => bytes.forEach(emit),
  stderr: (bytes) => bytes.forEach(emit),
  // sys.stdin while Python runs: blocking, one byte at a time, like the Pico's USB
  // serial. The interrupt character never reaches it (see poll below).
  stdin: () => {
    for (;;) {
      waitInput(-1);
      if (interrupted()) return undefined; // EAGAIN now; KeyboardInterrupt right after
      return take();
    }
  },
});
const Module = mp._module;

// Ctrl-C while Python runs: the Pico's USB driver raises KeyboardInterrupt instead
// of passing the byte on; so does this board, from whichever wait sees it.
function interrupted() {
  if (available() && peek(0) === Module._mp_hal_get_interrupt_char()) {
    take();
    Module._mp_sched_keyboard_interrupt();
    return true;
  }
  return false;
}
// select.poll on sys.stdin: this build's poll says "ready" always and never waits.
// Make it report real readiness; MicroPython's poll loop calls it until its timeout,
// so each call waits briefly for input rather than spinning the CPU.
mp.FS.getStream(0).stream_ops.poll = () => {
  waitInput(1);
  if (interrupted()) return 4; // POLLOUT only; the pending interrupt fires next
  return available() ? 5 : 4;
};

mp.runPython(fs.readFileSync(path.join(HERE, "repl_board_boot.py"), "utf8"));
load(hostFlash, FLASH);
mp.runPython(`_power_on(${JSON.stringify(FLASH)}, ${JSON.stringify(resetCause)}, ${JSON.stringify(machine)})`);

// Power on or soft reset: boot.py, then main.py unless the REPL is in raw mode
// (as on the Pico: a raw-REPL soft reset, which mpremote and ampy use, skips it).
function boot() {
  capture = [];
  mp.replInit(); // prints the banner; the mode (raw or friendly) survives a reset
  const banner = Buffer.from(capture);
  capture = null;
  const raw = banner.includes("raw REPL");
  mp.runPython(`_boot(${raw ? "False" : "True"})`);
  for (const b of banner) emit(b);
}

boot();
for (;;) {
  waitInput(-1);
  const b = take();
  if (b === 0x05 && waitFor(2) && peek(0) === 0x41 && peek(1) === 0x01) {
    // mpremote's raw-paste request: this build's raw paste reads stdin itself and
    // aborts, so decline it ("R\x00") and mpremote falls back to the plain raw REPL.
    take();
    take();
    say("R\x00");
    continue;
  }
  if (mp.replProcessChar(b)) {
    say("MPY: soft reboot\r\n");
    boot();
  }
}

function waitFor(n) {
  // The two bytes of a raw-paste request follow at once; 100 ms is generous.
  const until = Date.now() + 100;
  while (available() < n && Date.now() < until) waitInput(until - Date.now());
  return available() >= n;
}
