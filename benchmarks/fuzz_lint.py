"""Fuzz `dockwise lint`: parse, model and every rule on generated and mutated Dockerfiles; count crashes.

A crash is any exception escaping `lint_text` (bad input must become findings, never a traceback). Inputs come from
two sources, alternating: mutations of the benchmark corpus (byte/line/token edits) and Dockerfiles assembled from
a grammar of BuildKit fragments (directives, heredocs, continuations, flags, JSON forms, variables, bad tokens).
Usage: python benchmarks/fuzz_lint.py [--count 100000] [--seed 1] [--json-out docs/benchmarks/fuzz-lint.json]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

KEYWORDS = [
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
    "from",
    "run",
    "Copy",
    "RUNN",
]
TOKENS = [
    "\\",
    "\\\n",
    "`",
    "`\n",
    "\n",
    "\n\n",
    " ",
    "\t",
    "#",
    "# escape=`\n",
    "# syntax=docker/dockerfile:1\n",
    "# check=skip=all\n",
    "<<EOF",
    "<<-EOF",
    "<<'EOF'",
    '<<"EOT"',
    "<<\\EOF",
    "EOF\n",
    "\tEOF\n",
    "$",
    "${",
    "}",
    "${A:-b}",
    "${A:+x}",
    "${A?err}",
    "${A/b/c}",
    "${A#x}",
    "${%}",
    "$(",
    "'",
    '"',
    "[",
    "]",
    '["a", "b"]',
    '["a", 1]',
    "[}",
    "--mount=type=cache,target=/root/.cache/pip",
    "--mount=type=secret,id=x",
    "--from=",
    "--from=build",
    "--chown=1:1",
    "--chmod=755",
    "--link",
    "--checksum=sha256:",
    "--platform=$BUILDPLATFORM",
    "--network=none",
    "--",
    "AS",
    "as build",
    "&&",
    "||",
    "|",
    ";",
    "pip install",
    "pip install -r r.txt",
    "apt-get install -y",
    "curl -fsSL x |",
    "sh",
    "sudo",
    "cd /x",
    "USER root",
    "0",
    "65536",
    "/tcp",
    "/TCP",
    "80-",
    "-1",
    "=",
    "==",
    "k=v",
    "k=",
    "=v",
    "\x0b",
    "\x0c",
    "\r",
    "\r\n",
    "\u00a0",
    "\u2028",
    "é",
    "\ufeff",
    "*",
    "**",
    "?",
    ".",
    "..",
    "/",
    "./",
    "...",
]


def generate(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(0, 14)):
        parts = [rng.choice(KEYWORDS)]
        for _ in range(rng.randint(0, 6)):
            parts.append(rng.choice(TOKENS) if rng.random() < 0.8 else rng.choice(KEYWORDS))
        lines.append(" ".join(parts) if rng.random() < 0.7 else "".join(parts))
    return "\n".join(lines) + rng.choice(["", "\n", "\\", "\\\n"])


def mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(6)
        pos = rng.randint(0, len(text))
        if op == 0:
            text = text[:pos] + rng.choice(TOKENS) + text[pos:]
        elif op == 1:
            text = text[:pos] + text[pos + rng.randint(1, 20) :]
        elif op == 2 and text:
            start = rng.randrange(len(text))
            text = text[:pos] + text[start : start + rng.randint(1, 40)] + text[pos:]
        elif op == 3:
            lines = text.split("\n")
            rng.shuffle(lines)
            text = "\n".join(lines)
        elif op == 4:
            text = (
                text[:pos]
                + chr(
                    rng.choice(
                        [0x09, 0x0A, 0x0D, 0x20, 0x5C, 0x60, 0x24, 0x7B, 0x7D, 0x22, 0x27, rng.randint(0x20, 0x2FFF)]
                    )
                )
                + text[pos:]
            )
        else:
            lines = text.split("\n")
            if lines:
                i = rng.randrange(len(lines))
                lines.insert(i, lines[i])
            text = "\n".join(lines)
    return text


def seeds(folder: Path) -> list[tuple[str, Path]]:
    import make_corpus

    return [(path.read_text(), path.parent) for path in make_corpus.write(folder)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json-out", type=Path, help="write the run as JSON here (docs/benchmarks/fuzz-lint.json)")
    options = parser.parse_args()
    load = os.getloadavg()[0]

    from dockwise.core.rules import all_rules
    from dockwise.dockerfile.context import BuildContext
    from dockwise.dockerfile.lint import lint_text
    from dockwise.report import bench_docs

    rng = random.Random(options.seed)
    rules = all_rules("dockerfile")
    crashes = 0
    findings = 0
    started, wall_started, cpu_started = time.perf_counter(), time.time(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = seeds(Path(tmp))
        contexts = {folder: BuildContext.load(folder, folder / "Dockerfile") for _, folder in corpus}
        for n in range(options.count):
            if n % 2:
                text, folder = rng.choice(corpus)
                text, context = mutate(rng, text), contexts[folder]
            else:
                text, context = generate(rng), None
            try:
                findings += len(lint_text(text, context=context, rules=rules))
            except Exception:
                crashes += 1
                if crashes <= 5:
                    print(f"CRASH on input {n}: {text!r}", file=sys.stderr)
                    traceback.print_exc()
            if n and n % 20_000 == 0:
                print(f"  {n} inputs, {crashes} crashes", file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(
        f"fuzz_lint: {options.count} inputs (seed {options.seed}), {crashes} crashes, {findings} findings, "
        f"{elapsed:.1f} s ({options.count / elapsed:.0f} inputs/s)"
    )
    if options.json_out:
        results = {
            "inputs": options.count,
            "seed": options.seed,
            "crashes": crashes,
            "findings": findings,
            "seconds": round(elapsed, 1),
            "cpu_seconds": round(time.process_time() - cpu_started, 1),
        }
        bench_docs.write_record(options.json_out, bench_docs.record("fuzz_lint", sys.argv, wall_started, load, results))
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
