"""`dockwise init` on the corpus of public apps (tests/fixtures/corpus): how far each one gets, served hardened.

Each app goes through corpus_run.one_app, on a copy: init (and the init command of its to-do), both builds, the
distroless image run hardened with a volume, its real routes, `docker stop`, a restart on the same volume, the write
still there. One row per app: the stage reached, exit codes, the one-line cause of a failure, timings.

Containers and volumes carry the label dockwise.test=bench-corpus-RUN; images (the CLI's build has no --label)
carry the tags dockwise-test/corpus-APP:VARIANT-RUN; all are removed at the end.

    python benchmarks/bench_init_corpus.py [--apps flaskr-tdd,quart-blog] [--json FILE] [--md FILE]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus_routes import CORPUS, load
from corpus_run import STAGES, CorpusRun, Row, one_app, remove_images
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dockwise.engine.client import sdk_client

ROOT = Path(__file__).resolve().parents[1]
RUN_ID = uuid.uuid4().hex[:8]
RUN = CorpusRun(RUN_ID, {"dockwise.test": f"bench-corpus-{RUN_ID}"})


def markdown(rows: list[Row], meta: dict) -> str:
    served_count = sum(r.ok for r in rows)
    eligible = [r for r in rows if r.runs_on_host]
    lines = [
        "# `dockwise init` on the corpus of public apps",
        "",
        f"Run {meta['date']} on {meta['machine']}, commit {meta['commit']}, {meta['seconds']} s; "
        "`python benchmarks/bench_init_corpus.py` (tests/fixtures/corpus, routes in each app's routes.toml)."
        + "".join(
            f" {', '.join(a['apps'])}: run again {a['date']} at commit {a['commit']} (`--apps ... --append`)."
            for a in meta.get("appended", [])
        ),
        *(["", meta["note"]] if meta.get("note") else []),
        "",
        f"Served hardened, routes right, stop exit 0, the write still there after a restart: **{served_count} of "
        f"{len(rows)}**; of the {len(eligible)} that run under their own README on a Python dockwise has a base for "
        "(the host's 3.11, or 3.13 in dockwise's slim base: routes.toml `runs_on_host`): "
        f"**{sum(r.ok for r in eligible)}**.",
        "",
        "| app | runs on host | stage reached | cause | init / std / distroless build (s) | to-do followed |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        host = {True: "yes", False: "no", None: "?"}[r.runs_on_host]
        times = " / ".join(
            f"{r.seconds[s]:.0f}" if s in r.seconds else "–" for s in ("init", "build-standard", "build-distroless")
        )
        cause = (r.cause[:220] + (f" — {r.detail}" if r.detail else "")).replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {r.app} | {host} | {r.stage}{' ✔' if r.ok else ''} | {cause} | {times} | {r.todo_followed or '–'} |"
        )
    lines += ["", "By class (an app counts in each of its classes, from its routes.toml):", ""]
    lines += ["| class | apps | served | stopped at (app: stage) |", "|---|---|---|---|"]
    for name in sorted({c for r in rows for c in r.classes}):
        members = [r for r in rows if name in r.classes]
        stopped = ", ".join(f"{r.app}: {r.stage}" for r in members if not r.ok) or "–"
        lines.append(f"| {name} | {len(members)} | {sum(r.ok for r in members)} | {stopped} |")
    return "\n".join(lines) + "\n"


def rerender(path: Path, md: Path | None) -> None:
    """Read a run's JSON again, take runs_on_host and classes from the routes.toml files as they are now, and
    write the JSON and the markdown again (the host runs and the bench run are separate)."""
    data = json.loads(path.read_text())
    rows = [Row(**row) for row in data["rows"]]
    for row in rows:
        routes = load(CORPUS / row.app)
        row.runs_on_host = routes["host"].get("runs_on_host")
        row.host_note = routes["host"].get("host_note", "")
        row.classes = routes.get("classes", [])
    path.write_text(json.dumps({"meta": data["meta"], "rows": [asdict(r) for r in rows]}, indent=2) + "\n")
    if md:
        md.write_text(markdown(rows, data["meta"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default="", help="comma-separated corpus apps [default: all]")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of apps with routes.toml files")
    parser.add_argument("--json", type=Path, help="write the rows as JSON here")
    parser.add_argument("--md", type=Path, help="write the markdown table here")
    parser.add_argument(
        "--append", action="store_true", help="put this run's rows into --json's earlier run (same apps replaced)"
    )
    parser.add_argument("--rerender", action="store_true", help="only rewrite --json's rows and --md from routes.toml")
    args = parser.parse_args()
    if args.rerender:
        rerender(args.json, args.md)
        return 0
    names = args.apps.split(",") if args.apps else sorted(p.parent.name for p in args.corpus.glob("*/routes.toml"))
    client = sdk_client()
    console = Console(stderr=True)
    rows: list[Row] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dockwise-bench-corpus-") as tmp:
        try:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as progress:
                task = progress.add_task("corpus", total=len(names))
                for name in names:
                    progress.update(task, description=f"corpus: {name}")
                    try:
                        row = one_app(client, RUN, args.corpus, name, Path(tmp))
                    except Exception as error:  # recorded, not hidden: the bench goes on with the next app
                        row = Row(name, stage="bench", cause=f"bench error: {type(error).__name__}: {error}"[:300])
                    rows.append(row)
                    console.print(f"{name}: {row.stage}{' ✔' if row.ok else ''} {row.cause}", markup=False)
                    progress.advance(task)
        finally:
            for container in client.containers.list(
                all=True, filters={"label": f"dockwise.test={RUN.labels['dockwise.test']}"}
            ):
                container.remove(force=True)
            for volume in client.volumes.list(filters={"label": f"dockwise.test={RUN.labels['dockwise.test']}"}):
                volume.remove(force=True)
            remove_images(client, RUN, names)
    table = Table(title="dockwise init on the corpus")
    for column in ("app", "host", "stage", "cause"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r.app, str(r.runs_on_host), r.stage + (" ✔" if r.ok else ""), r.cause[:160])
    Console().print(table)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()} {platform.machine()}, {_cpus()} CPUs, Docker {client.version()['Version']}",
        "commit": commit.stdout.strip(),
        "seconds": round(time.monotonic() - started),
        "stages": list(STAGES),
    }
    if args.append and args.json and args.json.is_file():
        earlier = json.loads(args.json.read_text())
        ran = {r.app for r in rows}
        rows = sorted([Row(**r) for r in earlier["rows"] if r["app"] not in ran] + rows, key=lambda r: r.app)
        meta = earlier["meta"] | {"appended": [*earlier["meta"].get("appended", []), {**meta, "apps": sorted(ran)}]}
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=2) + "\n")
    if args.md:
        args.md.write_text(markdown(rows, meta))
    return 0


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
