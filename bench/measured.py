"""Run a command from this small process; its seconds and peak memory.

    python bench/measured.py USAGE_JSON COMMAND [ARGUMENT ...]

On Linux a process's peak resident memory (ru_maxrss, as getrusage and
wait4 give it) starts from that of the process it was forked from, and
exec does not reset it: a command started straight from the bench, which
holds the data it has just loaded (some 350 MB), would be charged for the
bench's memory, in its own account and in the kernel's. Forked from this
fresh interpreter instead, the command's figures are its own.

The command's exit code is this script's; its wall-clock seconds and peak
resident memory, as the kernel counts them (os.wait4), are written to
USAGE_JSON as {"seconds": ..., "peak_rss_mb": ...}.
"""

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    usage_path, *command = argv
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)  # exec failed: the command was not found
    _, status, usage = os.wait4(pid, 0)
    with open(usage_path, "w") as out:
        json.dump(
            {
                "seconds": round(time.monotonic() - started, 1),
                "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux gives kB
            },
            out,
        )
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
