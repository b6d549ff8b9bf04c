// Run a script inside the official MicroPython WebAssembly build, under Node.
//   node run.mjs [--heap 192k] [--mount HOSTDIR:GUESTDIR ...] [--path GUESTDIR ...]
//                [--each CODE --times N] SCRIPT [ARGS...]
// Host folders are copied into the interpreter's in-memory filesystem; sys.path
// gets the --path folders; sys.argv is [SCRIPT, ARGS...]. The exit status is 1
// when the script raises (the traceback goes to stderr), 0 otherwise.
// --each runs CODE N more times after the script, each as a run of its own: this
// build's garbage collector frees nothing while a run is under way (it cannot scan
// the WebAssembly stack), only between runs, so heap figures need separate runs.
import fs from "node:fs";
import path from "node:path";
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";

const args = process.argv.slice(2);
const mounts = [];
const paths = [];
let heap = 192 * 1024; // the first heap block; this build adds more when it fills
let each = null;
let times = 0;
while (args.length && args[0].startsWith("--")) {
  const flag = args.shift();
  const value = args.shift();
  if (flag === "--mount") mounts.push(value.split(":"));
  else if (flag === "--path") paths.push(value);
  else if (flag === "--heap") heap = parseInt(value) * (value.endsWith("k") ? 1024 : 1);
  else if (flag === "--each") each = value;
  else if (flag === "--times") times = parseInt(value);
  else throw new Error(`unknown flag ${flag}`);
}
const script = args.shift();
if (!script) throw new Error("no script given");

const mp = await loadMicroPython({
  heapsize: heap,
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});

function copyTree(host, guest) {
  mp.FS.mkdirTree(guest);
  for (const entry of fs.readdirSync(host, { withFileTypes: true })) {
    const from = path.join(host, entry.name);
    const to = `${guest}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== "__pycache__") copyTree(from, to);
    } else if (/\.(py|mpy|json)$/.test(entry.name)) {
      mp.FS.writeFile(to, fs.readFileSync(from));
    }
  }
}
for (const [host, guest] of mounts) copyTree(host, guest);

const setup = [
  "import sys",
  ...paths.map((p) => `sys.path.insert(0, ${JSON.stringify(p)})`),
  `sys.argv[:] = ${JSON.stringify([script, ...args])}`,
].join("\n");
try {
  mp.runPython(setup);
  mp.runPython(fs.readFileSync(script, "utf8"));
  for (let i = 0; each && i < times; i++) mp.runPython(each);
} catch (error) {
  if (error.name !== "PythonError") throw error;
  if (error.type === "SystemExit") process.exit(0);
  process.stderr.write(error.message + "\n");
  process.exit(1);
}
