// A virtual Pico W: the official MicroPython WebAssembly build's REPL (normal and
// raw), with a flash filesystem, served over stdin/stdout to repl_board.py, which
// puts it on a pseudo-terminal.
//   node repl_board.mjs --flash HOSTDIR [--heap 512k]
// The flash starts as a copy of HOSTDIR; a "sync" request writes it back there.
//
// Framing (both ways): one type byte, a 4-byte big-endian length, the payload.
//   S: serial bytes          C: control ("sync" -> reply C "synced")
//
// Why a worker and a SharedArrayBuffer: Python code running on the board (the app's
// select.poll, sys.stdin reads) must wait for serial input synchronously, as on the
// Pico, while this thread is busy inside the interpreter. The worker reads stdin and
// fills a ring; this thread blocks on it with Atomics.wait.
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let hostFlash = null;
let heap = 512 * 1024;
while (args.length) {
  const flag = args.shift();
  const value = args.shift();
  if (flag === "--flash") hostFlash = value;
  else if (flag === "--heap") heap = parseInt(value) * (value.endsWith("k") ? 1024 : 1);
  else throw new Error(`unknown flag ${flag}`);
}
if (!hostFlash) throw new Error("--flash HOSTDIR is required");
const FLASH = "/flash"; // the in-memory folder behind the board's "/"

// ---- the input ring, filled by the worker ---------------------------------
const SIZE = 1 << 16;
const sab = new SharedArrayBuffer(16 + SIZE);
const hdr = new Int32Array(sab, 0, 4); // [written, read, control requests, events]
const ring = new Uint8Array(sab, 16, SIZE);
const worker = new Worker(
  `
  const { workerData } = require("node:worker_threads");
  const fs = require("node:fs");
  const hdr = new Int32Array(workerData, 0, 4);
  const ring = new Uint8Array(workerData, 16, ${SIZE});
  let pending = Buffer.alloc(0);
  const bump = () => { Atomics.add(hdr, 3, 1); Atomics.notify(hdr, 3); };
  const chunk = Buffer.alloc(65536);
  for (;;) {
    let n;
    try { n = fs.readSync(0, chunk); } catch (e) { if (e.code === "EAGAIN") continue; throw e; }
    if (n === 0) { Atomics.store(hdr, 2, -1); bump(); break; } // stdin closed: power off
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
        Atomics.add(hdr, 2, 1);
      }
      bump();
      pending = pending.subarray(5 + len);
    }
  }
  `,
  { eval: true, workerData: sab },
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
function serviceControl() {
  const requests = Atomics.load(hdr, 2);
  if (requests < 0) {
    flush();
    process.exit(0);
  }
  while (served < requests) {
    served++;
    flush();
    save(FLASH, hostFlash);
    frame("C", Buffer.from("synced"));
  }
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
    const seq = Atomics.load(hdr, 3);
    if (available() || Atomics.load(hdr, 2) !== served) continue;
    Atomics.wait(hdr, 3, seq, left === Infinity ? undefined : left);
  }
}

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
mp.runPython(`_power_on(${JSON.stringify(FLASH)})`);

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
