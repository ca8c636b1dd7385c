"""The worst-case `dockwise lint` inputs of issue 15, each run as a real process: wall time, peak RSS, exit code and
whether the answer is right, beside the same inputs on an older dockwise (`--baseline SRC`, e.g. a checkout of the
commit before the fixes), capped at --baseline-timeout seconds and --baseline-memory GiB of address space.

Usage: python benchmarks/hostile_inputs.py [--baseline /path/to/old/src] [--only NAME ...] [--json-out FILE]
`--json-out docs/benchmarks/hostile-inputs.json` records the run; `make docs` renders the table there from it.
Goal: every input within 10 s and 300 MiB, with a one-line error (exit 2) or a correct result.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))
from dockwise.report import bench_docs  # noqa: E402

GOAL_SECONDS, GOAL_MIB = 10.0, 300.0


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]  # after `dockwise lint`
    check: Callable[[subprocess.CompletedProcess], bool]  # the answer is right
    cwd: str = "."


def _findings(result: subprocess.CompletedProcess) -> list[dict]:
    try:
        return json.loads(result.stdout)
    except ValueError:
        return []


def _has(rule: str, *words: str) -> Callable[[subprocess.CompletedProcess], bool]:
    def check(result: subprocess.CompletedProcess) -> bool:
        return result.returncode == 1 and any(
            f["rule"] == rule and all(w in f["message"] for w in words) for f in _findings(result)
        )

    return check


def _one_error_line(result: subprocess.CompletedProcess) -> bool:
    lines = result.stderr.decode(errors="replace").splitlines()
    return result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ")


def _lacks(rule: str) -> Callable[[subprocess.CompletedProcess], bool]:
    return lambda r: r.returncode in (0, 1) and bool(r.stdout) and not any(f["rule"] == rule for f in _findings(r))


def _well_formed_junit(result: subprocess.CompletedProcess) -> bool:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(result.stdout)
    except ET.ParseError:
        return False
    text = result.stdout.decode("utf-8")
    return result.returncode == 1 and root.tag == "testsuites" and "\\xff" in text and "\x1b" not in text


def build_cases(work: Path) -> list[Case]:
    def dockerfile(name: str, text: str) -> str:
        path = work / name
        path.write_text(text)
        return str(path)

    def context(name: str) -> Path:
        root = work / name
        root.mkdir()
        (root / ".dockerignore").write_text(".git\n")
        return root

    cases = []
    chain = ["FROM python:3.13-slim", "ARG A0=xx"] + [f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, 31)]
    cases.append(
        Case(
            "ARG A1=${A0}${A0} x30",
            ("--format", "json", dockerfile("chain", "\n".join(chain) + "\n")),
            _has("DW136", "A17"),
        )
    )
    env = "FROM python:3.13-slim\n" + "".join(f"ENV V{i}=value{i}\n" for i in range(20_000))
    cases.append(Case("20,000 ENV lines", ("--format", "json", dockerfile("env", env)), _lacks("DW999")))

    ignore = context("ignore")
    (ignore / ("a" * 250)).write_text("x")
    (ignore / ".dockerignore").write_text("*a*a*a*a*a*a*a*a*a*ab\n")
    (ignore / "Dockerfile").write_text("FROM python:3.13-slim\nCOPY . /app\n")
    cases.append(
        Case(".dockerignore *a*a*a*a*a*a*a*a*a*ab", ("--format", "json", str(ignore / "Dockerfile")), _lacks("DW999"))
    )
    glob = context("glob")
    (glob / ("a" * 250)).write_text("x")
    (glob / "Dockerfile").write_text("FROM python:3.13-slim\nCOPY *a*a*a*a*a*a*a*a*a*ab /app/\n")
    cases.append(Case("COPY *a*a*a*a*a*a*a*a*a*ab", ("--format", "json", str(glob / "Dockerfile")), _lacks("DW999")))

    big = context("big")
    for i in range(60_000):
        (big / f"f{i:05}").touch()
    (big / "zz").mkdir()
    (big / "zz" / ".env").write_text("TOKEN=1\n")
    (big / "zz" / "id_rsa").write_text("key\n")
    (big / "Dockerfile").write_text("FROM python:3.13-slim\nCOPY . /app\n")
    cases.append(
        Case(
            "60,000 files, secrets last",
            ("--format", "json", str(big / "Dockerfile")),
            _has("DW115", "zz/.env", "zz/id_rsa"),
        )
    )

    copies = context("copies")
    for i in range(20_000):
        (copies / f"f{i:05}").touch()
    (copies / ".env").write_text("X=1\n")
    (copies / "Dockerfile").write_text("FROM python:3.13-slim\n" + "".join(f"COPY . /app{i}/\n" for i in range(10_000)))
    cases.append(
        Case(
            "10,000 x COPY . . over 20,000 files",
            ("--format", "json", str(copies / "Dockerfile")),
            lambda r: _has("DW115")(r) and _has("DW123", "more files than one lint run checks")(r),
        )
    )

    links = context("links")
    (links / "real_conf").mkdir()
    (links / "real_conf" / "app.ini").write_text("x=1\n")
    (links / "conf").symlink_to("real_conf")
    (links / "etc").symlink_to("/etc")
    (links / "requirements.txt").symlink_to("/etc/passwd")
    (links / "Dockerfile").write_text(
        "FROM python:3.13-slim\nCOPY conf/ ./conf/\nCOPY etc/ ./etc/\nCOPY requirements.txt ./\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
    )
    cases.append(
        Case(
            "symlinks to a dir and to /etc",
            ("--format", "json", str(links / "Dockerfile")),
            lambda r: _lacks("DW117")(r) and _lacks("DW104")(r),
        )
    )

    names = context("names")
    (names / "x\x1b]0;owned\x07.env").write_text("X=1\n")
    (names / "nl.env\nDockerfile:1:1: error DW999 forged").write_text("X=1\n")
    with open(os.path.join(os.fsencode(names), b"latin1-\xff.env"), "wb") as handle:
        handle.write(b"X=1\n")
    (names / "Dockerfile").write_text("FROM python:3.13-slim\nCOPY . /app\n")
    cases.append(
        Case(
            "non-UTF-8, ESC and new-line names (JUnit)",
            ("--format", "junit", str(names / "Dockerfile")),
            _well_formed_junit,
        )
    )

    cases.append(
        Case(
            "1 MB RUN line",
            (
                "--format",
                "json",
                dockerfile("run", "FROM python:3.13-slim\nRUN echo " + "a" * 1_000_000 + " && sudo true\n"),
            ),
            _has("DW108"),
        )
    )
    line = context("line")
    (line / ".dockerignore").write_text("a" * 1_000_000 + "\n")
    (line / "Dockerfile").write_text("FROM python:3.13-slim\nCOPY . /app\n")
    cases.append(
        Case("1 MB .dockerignore line", ("--format", "json", str(line / "Dockerfile")), _has("DW004", "65535"))
    )
    stages = "".join(
        f"# dockwise: stage ignore=DW113\nFROM python:3.13-slim AS s{i}\nCOPY --from=s{max(i - 1, 0)} /a /a\n"
        for i in range(10_000)
    )
    cases.append(Case("10,000 stages", ("--format", "json", dockerfile("stages", stages)), _has("DW120")))
    many = "FROM python:3.13-slim\n" + "RUN sudo a\n" * 90_000
    cases.append(
        Case(
            "90,000 lines with a finding each",
            ("--format", "sarif", dockerfile("many", many)),
            lambda r: r.returncode == 1 and b"more findings of this rule" in r.stdout,
        )
    )
    workdir = "FROM python:3.13-slim\n" + "WORKDIR aaaaaaaaaa\n" * 50_000
    cases.append(
        Case("50,000 relative WORKDIRs", ("--format", "json", dockerfile("workdir", workdir)), _has("DW136", "WORKDIR"))
    )
    reuse = chain[:17] + [line for i in range(20_000) for line in (f"ENV X{i}=1", 'EXPOSE "$A15"')]
    cases.append(
        Case(
            '20,000 x EXPOSE "$A15" (64 KiB)',
            ("--format", "json", dockerfile("reuse", "\n".join(reuse) + "\n")),
            _has("DW136", "one lint run"),
        )
    )
    pattern = "FROM python:3.13-slim\nARG A=" + "a" * 4000 + "\nENV B=${A/*a*a*a*a*a*a*b/x}\n"
    cases.append(
        Case(
            "${A/*a*a*a*a*a*a*b/x}, A 4,000 chars",
            ("--format", "json", dockerfile("pattern", pattern)),
            _lacks("DW999"),
        )
    )
    os.mkfifo(work / "fifo")
    cases.append(Case("a FIFO as the Dockerfile", (str(work / "fifo"),), _one_error_line))
    cases.append(
        Case(
            "--config /dev/zero",
            ("--config", "/dev/zero", dockerfile("plain", "FROM python:3.13-slim\n")),
            _one_error_line,
        )
    )
    return cases


@dataclass(frozen=True)
class Run:
    seconds: float
    mib: float
    result: subprocess.CompletedProcess | None  # None: killed at the timeout

    def describe(self, check: Callable[[subprocess.CompletedProcess], bool]) -> str:
        if self.result is None:
            return "timeout"
        if b"Traceback" in self.result.stderr or b"MemoryError" in self.result.stderr:
            return "traceback"
        return "right" if check(self.result) else f"WRONG (exit {self.result.returncode})"


def run(case: Case, src: Path, timeout: float, memory_gib: float | None) -> Run:
    """One `dockwise lint` process; its peak RSS comes from wait4's rusage of that very child."""
    env = {**os.environ, "PYTHONPATH": str(src), "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}

    def limit() -> None:
        if memory_gib is not None:
            cap = int(memory_gib * 1024**3)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "dockwise.cli", "lint", *case.args],
        cwd=case.cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=limit,
    )
    outputs: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda key, stream: outputs.__setitem__(key, stream.read()), args=pair)
        for pair in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    timer.cancel()
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    result = (
        None
        if killed
        else subprocess.CompletedProcess(process.args, process.returncode, outputs["out"], outputs["err"])
    )
    return Run(seconds, usage.ru_maxrss / 1024, result)


def _measured(run: Run, answer: str) -> dict:
    return {"seconds": round(run.seconds, 3), "mib": round(run.mib, 1), "answer": answer}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="src/ of an older dockwise to run the same inputs")
    parser.add_argument("--baseline-timeout", type=float, default=30.0)
    parser.add_argument("--baseline-memory", type=float, default=4.0, help="GiB of address space for the baseline")
    parser.add_argument("--only", nargs="*", default=None, help="case names containing these words")
    parser.add_argument(
        "--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/hostile-inputs.json)"
    )
    options = parser.parse_args()
    started, load = time.time(), os.getloadavg()[0]
    recorded: list[dict] = []
    work = Path(tempfile.mkdtemp(prefix="dockwise-hostile-"))
    try:
        cases = [c for c in build_cases(work) if not options.only or any(w in c.name for w in options.only)]
        extra = options.baseline is not None
        print("| input | dockwise s | peak MiB | answer |" + (" baseline s | peak MiB | answer |" if extra else ""))
        print("|---|---|---|---|" + ("---|---|---|" if extra else ""))
        failures = 0
        for case in cases:
            ours = run(case, SRC, 60, None)
            verdict = ours.describe(case.check)
            met = verdict == "right" and ours.seconds <= GOAL_SECONDS and ours.mib <= GOAL_MIB
            failures += not met
            row = f"| {case.name} | {ours.seconds:.2f} | {ours.mib:.0f} | {verdict} |"
            entry = {"name": case.name, "met": met, "dockwise": _measured(ours, verdict), "baseline": None}
            if options.baseline:
                theirs = run(case, options.baseline, options.baseline_timeout, options.baseline_memory)
                entry["baseline"] = _measured(theirs, theirs.describe(case.check))
                row += f" {theirs.seconds:.2f} | {theirs.mib:.0f} | {theirs.describe(case.check)} |"
            recorded.append(entry)
            print(row, flush=True)
        print(
            f"\n{len(cases) - failures}/{len(cases)} within {GOAL_SECONDS:.0f} s and {GOAL_MIB:.0f} MiB with the right answer"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if options.json_out:
        results = {
            "goal": {"seconds": GOAL_SECONDS, "mib": GOAL_MIB},
            "baseline": str(options.baseline or ""),
            "cases": recorded,
        }
        bench_docs.write_record(options.json_out, bench_docs.record("hostile_inputs", sys.argv, started, load, results))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
