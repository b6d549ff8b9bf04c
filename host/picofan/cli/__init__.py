"""The `picofan` command: ports | ping | get | set | wifi | log | monitor | calibrate |
flash | micropython | repl | reset | run | bridge | plot | completion | sim.

`command` holds the table of commands and main() (the `picofan` entry point); `output`
the exit codes and what is written; `options` the shared options and the argparse
types of numbers; each other module one command, or a few that share their options
(`settings`: get and set; `deploy`: flash, micropython, repl, reset and run). The work
itself is elsewhere in picofan: this package reads the command line and reports.

Exit codes: 0 ok, 1 the device answered with an error (or a flash failed), 2 bad input on the
command line (nothing was sent), 3 no board / no reply / link trouble, 4 the log could
not be written (the disk full: the CSV ends at its last whole row);
128 + the signal's number when a signal stopped ping, get or set (log and
monitor stop on Ctrl-C, SIGTERM and SIGHUP as asked: 0); 141 (128 + SIGPIPE) when the
reader of the output went away before it was written (`| head`). With --json a failure
is also one JSON object on stdout: {"error": {"exit": N, "code": C, "message": M}}."""
