"""`make bench-postcodes`: `import_postcodes` on a national file, timed.

    python -m bench.postcodes [--rows 2700000] [--pg-bindir DIR]

1. Writes an ONSPD-shaped file of --rows postcodes in var/bench/
   (bench/onspd.py: 54 columns, Scottish, Welsh and other rows, a few bad).
2. Starts a throwaway PostgreSQL (and Redis, which the production settings
   insist on), as `make bench` does, and migrates.
3. Runs `manage.py import_postcodes` as production would (bench/settings.py:
   the production settings, psycopg2) three times: into an empty directory;
   the same file again; the next quarter's edition (new postcodes, some
   wards changed). Between runs, VACUUM ANALYZE and a checkpoint, as the
   months between two editions would leave the database.
4. For each run: the wall-clock seconds; the CPU seconds of the command and
   of PostgreSQL (all its processes); the command's peak resident memory,
   from the kernel (os.wait4); and its counts, checked against what the file
   was written with.
5. Prints the table, writes bench/postcodes-results.json and copies the
   table into README.md (a run of another size writes
   var/bench/postcodes-results.json only).

The machine is shared: the load average before each run is recorded, since
other work on the cores stretches the wall-clock time (not the CPU time).
"""

import argparse
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.onspd import COLUMNS, OnspdFile, onspd_write
from bench.processes import PostgreSQL, Redis, ServiceError, stop_all
from bench.run import machine, readme_block_write

BASE_DIR = Path(__file__).resolve().parent.parent
SCRATCH = BASE_DIR / "var" / "bench"
RESULTS = BASE_DIR / "bench" / "postcodes-results.json"
README_START = "<!-- bench:postcodes -->"
README_END = "<!-- /bench:postcodes -->"
NATIONAL_ROWS = 2_700_000
TARGET_SECONDS = 120

RUNS = [
    ("first", "Into an empty directory", 1),
    ("again", "The same file again", 1),
    ("next", "The next quarter's edition", 2),
]


def say(text: str = "") -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=NATIONAL_ROWS)
    parser.add_argument("--pg-bindir", default=os.environ.get("NFC_PG_BINDIR", ""))
    args = parser.parse_args(argv)
    if not args.pg_bindir:
        parser.error("name PostgreSQL's bin folder: --pg-bindir or NFC_PG_BINDIR")
    national = args.rows == NATIONAL_ROWS
    results_path = RESULTS if national else SCRATCH / "postcodes-results.json"
    SCRATCH.mkdir(parents=True, exist_ok=True)
    # `kill` stops the run as Ctrl-C does: through the finally below.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    services: list = []
    try:
        results = bench(args, services=services)
    except KeyboardInterrupt:
        say("\nInterrupted: stopping the services.")
        return 130
    except ServiceError as error:
        say(f"\nFailed: {error}\nLogs: {SCRATCH}")
        return 1
    finally:
        stop_all(services, say)
        (SCRATCH / "postcodes.csv").unlink(missing_ok=True)
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    say(f"\nWrote {results_path.relative_to(BASE_DIR)}; logs in {SCRATCH}/")
    if national:
        update_readme(results)
    return 0 if all(results["targets"].values()) else 1


def bench(args, *, services: list) -> dict:
    path = SCRATCH / "postcodes.csv"
    say(f"Writing an ONSPD-shaped file of {args.rows:,} postcodes...")
    started = time.monotonic()
    editions = {1: onspd_write(path, rows=args.rows, edition=1)}
    say(f"  {describe(editions[1])}, in {time.monotonic() - started:.0f} s")

    say("Starting PostgreSQL and Redis...")
    postgres = PostgreSQL(bindir=Path(args.pg_bindir), scratch=SCRATCH)
    services.append(postgres)
    postgres.start()
    redis = Redis(scratch=SCRATCH)
    services.append(redis)
    redis.start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis.url,
        "STATIC_ROOT": str(SCRATCH / "static"),
    }
    manage(env, "migrate", "--no-input", "-v0")

    runs = {}
    before: OnspdFile | None = None  # the edition imported last
    for name, label, edition in RUNS:
        if edition not in editions:
            say(f"Writing edition {edition} of the file...")
            editions[edition] = onspd_write(path, rows=args.rows, edition=edition)
            say(f"  {describe(editions[edition])}")
        settle(postgres)
        say(f"{label}: import_postcodes...")
        run = timed_import(postgres, env, path)
        run |= {"label": label, "edition": edition}
        run["as_written"] = check(run, editions[edition], before=before)
        before = editions[edition]
        runs[name] = run
        say(f"  {run['summary']}")
        say(
            f"  {run['seconds']:.1f} s; CPU: the command {run['command_cpu_seconds']:.1f} s, "
            f"PostgreSQL {run['postgresql_cpu_seconds']:.1f} s; "
            f"peak memory {run['peak_memory_mib']:.0f} MiB; load before {run['load_before']:.1f}"
        )
        if run["as_written"] is not True:
            say(f"  COUNTS DIFFER from the file's: {run['as_written']}")

    box = machine(Path(args.pg_bindir), wrk="")
    box.pop("wrk")
    version = re.search(r"PostgreSQL\)? ([\d.]+)", box["postgresql"])
    box["postgresql_version"] = version.group(1) if version else "?"
    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": box,
        "postgresql_settings": PostgreSQL.SETTINGS,
        "file": {
            "columns": len(COLUMNS),
            **{f"edition_{edition}": file.as_dict() for edition, file in editions.items()},
        },
        "runs": runs,
        "target_seconds": TARGET_SECONDS,
    }
    results["targets"] = {
        name: run["seconds"] < TARGET_SECONDS and run["as_written"] is True
        for name, run in runs.items()
    }
    say("")
    say(results_text(results))
    return results


def describe(file: OnspdFile) -> str:
    return (
        f"{file.rows:,} rows, {file.size / 1e9:.2f} GB: {file.english:,} in English wards, "
        f"{file.not_in_england:,} outside England, {file.invalid} bad"
    )


def manage(env: dict, *arguments: str) -> None:
    completed = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if completed.returncode:
        raise ServiceError(f"manage.py {' '.join(arguments)} failed:\n{completed.stderr[-2000:]}")


def psql(postgres: PostgreSQL, sql: str) -> str:
    command = [postgres.bindir / "psql", "-h", "127.0.0.1", "-p", postgres.port]
    command += ["-U", postgres.USER, "-X", "-q", "-t", "-A", "-c", sql, postgres.DATABASE]
    completed = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=1800
    )
    if completed.returncode:
        raise ServiceError(f"psql failed on {sql!r}: {completed.stderr.strip()}")
    return completed.stdout.strip()


def settle(postgres: PostgreSQL) -> None:
    """Leave the database as months between two editions would: vacuumed,
    analysed, and its dirty pages written."""
    psql(postgres, "VACUUM ANALYZE areas_postcode")
    psql(postgres, "CHECKPOINT")


def postgresql_cpu_seconds(postgres: PostgreSQL) -> float:
    """CPU time used so far by every process of the cluster: the postmaster,
    its live children, and (through the postmaster's cutime and cstime) the
    children that have ended, such as a finished import's backend."""
    postmaster = int((postgres.datadir / "postmaster.pid").read_text().split()[0])
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue  # ended just now: counted in the postmaster's cutime next time
        # The fields after the command's name: state, ppid, ..., utime (the 12th),
        # stime, cutime, cstime.
        fields = text[text.rindex(")") + 2 :].split()
        if int(entry.name) == postmaster:
            total += sum(int(value) for value in fields[11:15])
        elif int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def timed_import(postgres: PostgreSQL, env: dict, path: Path) -> dict:
    out, err = SCRATCH / "import_postcodes.out", SCRATCH / "import_postcodes.err"
    load_before = os.getloadavg()[0]
    cpu_before = postgresql_cpu_seconds(postgres)
    started = time.monotonic()
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_postcodes", str(path)],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
        # wait4, not wait: the kernel's account of this one child's memory and CPU.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    # The import's backend has ended; wait until the postmaster has reaped it.
    time.sleep(0.5)
    cpu = postgresql_cpu_seconds(postgres) - cpu_before
    if process.returncode:
        raise ServiceError(f"import_postcodes failed ({process.returncode}):\n{err.read_text()}")
    summary = summary_of(out.read_text())
    return {
        "seconds": round(seconds, 1),
        "command_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "postgresql_cpu_seconds": round(cpu, 1),
        "peak_memory_mib": round(usage.ru_maxrss / 1024, 1),  # Linux gives kB
        "load_before": round(load_before, 2),
        "summary": summary.split(": ", 1)[1],
        "counts": counts_of(summary),
        "bad_rows_listed": len(err.read_text().splitlines()),
    }


def summary_of(output: str) -> str:
    """The line of the command's output that gives its counts."""
    return next(line for line in output.splitlines() if " created, " in line)


def counts_of(summary: str) -> dict[str, int]:
    found = {
        word: int(number.replace(",", ""))
        for number, word in re.findall(r"([\d,]+) (created|updated|unchanged|invalid)", summary)
    }
    outside = re.search(r"([\d,]+) not in an English ward", summary)
    found["not_in_england"] = int(outside.group(1).replace(",", "")) if outside else 0
    return found


def check(run: dict, file: OnspdFile, *, before: OnspdFile | None) -> bool | str:
    """True if the command's counts are those the file was written with;
    ``before`` is the edition imported last, if any."""
    english = file.english
    if before is None:
        created, updated = english, 0
    elif before is file:
        created, updated = 0, 0
    else:
        created, updated = file.new, file.moved
    expected = {
        "created": created,
        "updated": updated,
        "unchanged": english - created - updated,
        "invalid": file.invalid,
        "not_in_england": file.not_in_england,
    }
    counts = run["counts"]
    wrong = {key: (counts.get(key), value) for key, value in expected.items()}
    wrong = {key: pair for key, pair in wrong.items() if pair[0] != pair[1]}
    return True if not wrong else f"(got, expected): {wrong}"


def results_text(results: dict) -> str:
    """The table (Markdown that reads as plain text too) and the verdict."""
    header = ["import", "seconds", "CPU: command", "CPU: PostgreSQL", "peak memory"]
    header += ["created", "updated", "unchanged", "skipped", "load before"]
    rows = []
    for run in results["runs"].values():
        counts = run["counts"]
        rows.append(
            [
                run["label"],
                f"{run['seconds']:.0f}",
                f"{run['command_cpu_seconds']:.0f} s",
                f"{run['postgresql_cpu_seconds']:.0f} s",
                f"{run['peak_memory_mib']:.0f} MiB",
                f"{counts.get('created', 0):,}",
                f"{counts.get('updated', 0):,}",
                f"{counts.get('unchanged', 0):,}",
                f"{counts.get('invalid', 0) + counts.get('not_in_england', 0):,}",
                f"{run['load_before']:.1f}",
            ]
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    verdicts = []
    for name, met in results["targets"].items():
        run = results["runs"][name]
        verdict = "met" if met else "MISSED"
        if run["as_written"] is not True:
            verdict += f", counts differ {run['as_written']}"
        verdicts.append(f"- {run['label']}: {verdict} ({run['seconds']:.0f} s)")
    return "\n".join(
        [
            line(header),
            rule,
            *(line(row) for row in rows),
            "",
            f"Target: each import under {results['target_seconds']} s on "
            f"{results['machine']['cores']} cores, with the counts the file was written with:",
            "",
            *verdicts,
        ]
    )


def update_readme(results: dict) -> None:
    """Put the table between the markers in README.md's Benchmarks section."""
    box, file = results["machine"], results["file"]["edition_1"]
    readme_block_write(
        README_START,
        README_END,
        [
            f"Latest run: {results['date'][:10]}, on {box['cores']} cores "
            f"({box['cpu'] or 'CPU model unknown'}) with {box['memory_gib']} GiB of memory, "
            f"{box['os']}, PostgreSQL {box['postgresql_version']}. The file: "
            f"{file['rows']:,} rows of {results['file']['columns']} columns, "
            f"{file['bytes'] / 1e9:.2f} GB; {file['english']:,} in English wards, "
            f"{file['not_in_england']:,} outside England, {file['invalid']} bad.",
            "",
            results_text(results),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
