"""Run every benchmark and write docs/performance.md: machine, figures, goals and verdicts.

Each benchmark prints its own figures and, per goal, a line with the goal and MET / NOT MET;
this script only runs them (full or --quick sizes), keeps their output and collects the goal
lines into one table. Nothing here asserts a timing: a miss is reported, not failed.

Run: .venv/bin/python scripts/write_performance_doc.py [--quick] [--only allocate,files]
     (make bench / make bench-quick)
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> (arguments for the full run, arguments for --quick); the full run fits in 10 minutes
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "allocate": (["--samples", "2000", "--repeats", "7"], ["--samples", "300", "--repeats", "3"]),
    "batch": (
        ["--records", "1000000", "--repeats", "3", "--equivalence", "100000"],
        ["--records", "200000", "--repeats", "2", "--equivalence", "20000"],
    ),
    "files": (
        ["--records", "1000000", "--repeats", "3", "--dask-records", "5000000"],
        ["--records", "200000", "--repeats", "1"],
    ),
    "api": (["--clients", "50", "--requests", "1000"], ["--clients", "10", "--requests", "200"]),
    "reports": (
        ["--service-users", "100000", "--backends", "sqlite,postgresql"],
        ["--service-users", "5000", "--backends", "sqlite"],
    ),
}
GOAL = re.compile(r"\b(goal|target)\b", re.IGNORECASE)
VERDICT = re.compile(r"\b(NOT MET|MET)\b")


def machine() -> str:
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next(
            (ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines() if ln.startswith("model name")), cpu
        )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; {platform.system()} "
        f"{platform.release()}; load average at start {load}"
    )


def run(name: str, arguments: list[str]) -> tuple[str, float, int]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    output = done.stdout + (f"\n[stderr, last lines]\n{done.stderr[-2000:]}" if done.returncode else "")
    return output.strip(), time.perf_counter() - start, done.returncode


def document(results: list[tuple[str, list[str], str, float, int]], quick: bool, started: str, shared: str) -> str:
    lines = [
        "# Performance",
        "",
        "Written by `scripts/write_performance_doc.py` (`make bench`, or `make bench-quick` for small sizes);",
        "do not edit by hand. Each benchmark prints its figures, its goals and a verdict; the table",
        "collects the goal lines. Timings are wall-clock medians of one run: on a shared machine they",
        "are noisy, so compare ratios within one run rather than figures across runs.",
        "",
        f"- Run: {started}{' (quick sizes: figures are indicative only)' if quick else ''}",
        f"- Machine: {machine()}",
    ]
    if shared:
        lines.append(f"- Note: {shared}")
    lines += ["", "## Goals and verdicts", "", "| benchmark | goal line | verdict |", "|---|---|---|"]
    for name, _, output, _, code in results:
        if code:
            lines.append(f"| {name} | benchmark failed (exit {code}); see its output | NOT RUN |")
            continue
        for line in output.splitlines():
            if GOAL.search(line):
                found = VERDICT.search(line)
                verdict = found.group(1) if found else "-"
                lines.append(f"| {name} | {line.strip().replace('|', '/')} | {verdict} |")
    lines += ["", "## Output of each benchmark", ""]
    for name, arguments, output, seconds, code in results:
        lines += [
            f"### {name}",
            "",
            f"`.venv/bin/python benchmarks/{name}.py {' '.join(arguments)}` ({seconds:.0f} s, exit {code})",
            "",
            "```text",
            output,
            "```",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a minute or two, figures indicative")
    parser.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    parser.add_argument("--note", default="", help="a line for the document, e.g. 'machine shared with 8 jobs'")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    chosen = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    results = []
    for name in chosen:
        arguments = BENCHMARKS[name][1 if args.quick else 0]
        print(f"-- {name} {' '.join(arguments)}", flush=True)
        output, seconds, code = run(name, arguments)
        print(output, flush=True)
        results.append((name, arguments, output, seconds, code))
    args.output.write_text(document(results, args.quick, started, args.note) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
