"""Run a command and print its peak resident memory, as the last line of output: `peak <MiB>`.

A benchmark that starts a command itself cannot read that figure from the child's rusage:
Linux keeps a process's peak across exec, and a child started by vfork (as subprocess does)
takes the starting process's own peak with it, so a child of a benchmark holding 300 MB reports
at least 300 MB. Started through this small program (no Django, a few MB), a command's figure is
its own. The command's output and exit status are passed on.

    .venv/bin/python bench/peak_memory.py COMMAND [ARGUMENT ...]
"""

import os
import subprocess
import sys


def main():
    process = subprocess.Popen(sys.argv[1:])
    _pid, status, usage = os.wait4(process.pid, 0)
    sys.stdout.flush()
    print(f"peak {usage.ru_maxrss / 1024:.1f}", flush=True)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
