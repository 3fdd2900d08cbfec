"""What changed since the last committed bench: each figure of a run beside
the same figure in bench/results.json as committed, so a slower commit
shows (``make bench BENCH_ARGS="--compare"``, or, for results already
written, ``python -m bench.compare var/bench/results.json``)."""

import json
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
COMMITTED = "bench/results.json"
# A change smaller than this, either way, is the machine's noise.
NOTICED = 0.10


def committed_results(ref: str = "HEAD") -> dict | None:
    """bench/results.json as committed at ``ref``, or None without one."""
    shown = subprocess.run(
        ["git", "show", f"{ref}:{COMMITTED}"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode != 0:
        return None
    return json.loads(shown.stdout)


def _figures(results: dict) -> dict[str, tuple[float, str, bool]]:
    """Each figure by name: its value, its unit, and whether more is better."""
    figures: dict[str, tuple[float, str, bool]] = {}
    for name, page in (results.get("pages") or {}).items():
        for users in ("c1", "c8"):
            measured = page.get(users) or {}
            at = f"{name} @{users[1:]}"
            if measured.get("p95_ms") is not None:
                figures[f"{at} p95"] = (measured["p95_ms"], "ms", False)
            if measured.get("per_second") is not None:
                figures[f"{at} per second"] = (measured["per_second"], "/s", True)
        if page.get("queries") is not None:
            figures[f"{name} queries"] = (page["queries"], "", False)
        if page.get("bytes"):
            figures[f"{name} bytes"] = (page["bytes"], "B", False)
            figures[f"{name} bytes compressed"] = (page["gzip_bytes"], "B", False)
    stages = (results.get("report") or {}).get("stages") or {}
    for stage, timing in stages.items():
        figures[f"report {stage}"] = (timing["seconds"], "s", False)
    if "total" in stages:
        figures["report peak memory"] = (stages["total"]["peak_rss_mb"], "MB", False)
    return figures


def changes(before: dict, after: dict) -> list[str]:
    """A line for each figure both runs measured: before, after, and the
    change, marked WORSE or better where it is more than NOTICED."""
    old, new = _figures(before), _figures(after)
    lines = []
    for name, (now, unit, more_is_better) in new.items():
        if name not in old:
            continue
        was = old[name][0]
        ratio = (now - was) / was if was else (1.0 if now else 0.0)
        verdict = ""
        if abs(ratio) > NOTICED:
            verdict = " better" if (ratio > 0) == more_is_better else " WORSE"
        shown_unit = f" {unit}" if unit else ""
        lines.append(f"{name}: {was:g} → {now:g}{shown_unit} ({ratio:+.0%}){verdict}")
    return lines


def report_changes(after: dict, say=print, ref: str = "HEAD") -> None:
    before = committed_results(ref)
    if before is None:
        say(f"No committed {COMMITTED} at {ref} to compare with.")
        return
    say(f"\nSince the bench committed at {ref} ({before.get('date', 'undated')}):")
    scales = [(run.get("settings") or {}).get("scale", 1.0) for run in (before, after)]
    if scales[0] != scales[1]:
        say(f"  (its data at scale {scales[0]:g}, this run's at {scales[1]:g}: not like for like)")
    lines = changes(before, after) + targets_changed(before, after)
    for line in lines or ["nothing measured in both runs"]:
        say(f"  {line}")


def targets_changed(before: dict, after: dict) -> list[str]:
    """A line for each target this run judged (met or MISSED: not a page
    left out by --only, nor one too few requests to tell) whose verdict
    differs from the committed run's."""

    def verdict(met) -> str:
        return {True: "met", False: "MISSED", None: "not judged"}[met]

    old, new = before.get("targets") or {}, after.get("targets") or {}
    return [
        f"target {key}: {verdict(old[key])} → {verdict(met)}"
        for key, met in new.items()
        if key in old and met is not None and old[key] != met
    ]


if __name__ == "__main__":
    report_changes(json.loads(Path(sys.argv[1]).read_text()))
