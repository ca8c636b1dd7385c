"""What `dockwise slim` did, for people and machines: kept files and why, size by directory before and after, the
probes side by side, practices and checks on both images, and how the trace was taken.

`as_dict()` is the JSON (`--report-json FILE`), `render_text()` the terminal summary, `demo_column()` the figures
of a `slim` column beside the demo's images; the demo's HTML report renders the same data (dockwise.report.html).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dockwise.image.facts import ImageFacts
from dockwise.image.practices import judge
from dockwise.slim.assemble import Written
from dockwise.slim.keep import KeepSet, Options
from dockwise.slim.probes import ProbeResult
from dockwise.slim.trace import Trace
from dockwise.slim.tracer import RunResult

DIRECTORY_ROWS = 18


@dataclass(frozen=True)
class SlimReport:
    data: dict

    def as_dict(self) -> dict:
        return self.data


def build_report(
    *,
    source: ImageFacts,
    slim: ImageFacts,
    tag: str,
    keep: KeepSet,
    trace: Trace,
    probes: tuple[ProbeResult, ...],
    original: RunResult,
    traced: RunResult,
    slim_run: RunResult,
    size_before: dict[str, int],
    size_after: dict[str, int],
    written: Written,
    options: Options,
    timings: dict[str, float],
    notes: tuple[str, ...] = (),
) -> SlimReport:
    from dockwise.image.checks import run_checks

    directories = sorted(set(size_before) | set(size_after), key=lambda d: (-size_before.get(d, 0), d))
    rows: list[dict] = [
        {"directory": d, "before": size_before.get(d, 0), "after": size_after.get(d, 0)} for d in directories
    ]
    if len(rows) > DIRECTORY_ROWS:
        rest = rows[DIRECTORY_ROWS:]
        rows = rows[:DIRECTORY_ROWS] + [
            {
                "directory": f"(other {len(rest)} directories)",
                "before": sum(r["before"] for r in rest),
                "after": sum(r["after"] for r in rest),
            }
        ]
    before_verdicts = {v.practice: v.status for v in judge(source)}
    practices = [
        {"practice": v.practice, "title": v.title, "original": before_verdicts[v.practice], "slim": v.status}
        for v in judge(slim)
    ]
    source_packages = {p.name for p in source.debian_packages}
    source_dists = {d.name for d in source.python_distributions}
    data = {
        "source": {
            "reference": source.reference,
            "id": source.id,
            "size_bytes": source.size_bytes,
            "files": source.file_count,
        },
        "slim": {
            "tag": tag,
            "id": written.image_id,
            "size_bytes": slim.size_bytes,
            "files": slim.file_count,
            "file_bytes": written.file_bytes,
        },
        "ratio": round(slim.size_bytes / source.size_bytes, 4) if source.size_bytes else None,
        "options": {
            "includes": list(options.includes),
            "keep_python_stdlib": options.keep_stdlib,
            "only_traced_modules": options.only_traced,
        },
        "size_by_directory": rows,
        "kept_by_reason": keep.reasons(),
        "kept": [
            {
                "path": "/" + path,
                "reason": item.reason.kind,
                "detail": item.reason.detail,
                **({"bytes_from": "/" + item.data} if item.data else {}),
                **({"rewritten": True} if item.content is not None else {}),
            }
            for path, item in sorted(keep.kept.items())
        ],
        "probes": [result.as_dict() for result in probes],
        "healthcheck": {
            "original_exit": original.health_exit,
            "traced_exit": traced.health_exit,
            "slim_exit": slim_run.health_exit,
        },
        "startup_to_first_answer_ms": {
            "original": round(original.ready_seconds * 1000, 1),
            "traced": round(traced.ready_seconds * 1000, 1),
            "slim": round(slim_run.ready_seconds * 1000, 1),
        },
        "practices": practices,
        "checks": {
            "original": sorted({f.rule for f in run_checks(source)}),
            "slim": sorted({f.rule for f in run_checks(slim)}),
        },
        "debian_packages": {
            "kept": sorted(p.name for p in slim.debian_packages),
            "removed": sorted(source_packages - {p.name for p in slim.debian_packages}),
        },
        "python_distributions": {
            "kept": sorted(d.name for d in slim.python_distributions),
            "removed": sorted(source_dists - {d.name for d in slim.python_distributions}),
        },
        "trace": _trace_summary(trace),
        "notes": [*notes, *keep.notes],
        "left_out_by_only_traced_modules": list(keep.left_out),
        "seconds": {name: round(value, 2) for name, value in timings.items()},
    }
    return SlimReport(data)


def _trace_summary(trace: Trace) -> dict:
    calls = Counter(call.name for call in trace.calls())
    return {
        "how": {
            "files": "strace -f -ff -y --seccomp-bpf -e trace=%file,%process, run inside the container as its user "
            "from a read-only bundle (no --privileged, no added capability)",
            "python": "PEP 578 audit hook loaded as sitecustomize from a read-only PYTHONPATH directory: sys.modules "
            "at start and exit, import, open, ctypes.dlopen, os.listdir/os.scandir",
            "mapped": "/proc/<pid>/maps of every process in the container, read from the host after the probes",
        },
        "processes": len(trace.processes),
        "syscalls": sum(calls.values()),
        "syscalls_by_name": dict(calls.most_common(12)),
        "python_interpreters": [{"pid": p.pid, "executable": p.executable, "version": p.version} for p in trace.python],
        "modules": len(trace.imported_modules()),
        "python_events": dict(Counter(event.kind for event in trace.python_events)),
        "mapped_files": len({m.path for m in trace.mapped}),
    }


def _mb(value: int) -> str:
    return f"{value / 1e6:.1f} MB"


def render_text(report: SlimReport) -> str:
    data = report.data
    source, slim = data["source"], data["slim"]
    lines = [
        f"{slim['tag']}  {slim['id'][7:19]}",
        f"size: {_mb(source['size_bytes'])} -> {_mb(slim['size_bytes'])} ({data['ratio']:.2f}x), "
        f"files {source['files']} -> {slim['files']}",
        "",
        f"{'directory':40} {'before':>10} {'after':>10}",
    ]
    lines += [
        f"{row['directory'][:40]:40} {_mb(row['before']):>10} {_mb(row['after']):>10}"
        for row in data["size_by_directory"]
    ]
    lines += ["", "kept because: " + ", ".join(f"{kind} {count}" for kind, count in data["kept_by_reason"].items()), ""]
    lines.append(f"{'probe':34} {'original':>16} {'slim':>16}  same")
    for probe in data["probes"]:

        def cell(answer):
            return f"{answer['status']} {answer['bytes']} B" if answer else "-"

        lines.append(
            f"{probe['name'][:34]:34} {cell(probe['original']):>16} {cell(probe['slim']):>16}  "
            f"{'yes' if probe['identical'] else 'NO'}"
        )
    health = data["healthcheck"]
    if health["original_exit"] is not None:
        lines.append(
            f"{'HEALTHCHECK command':34} {'exit ' + str(health['original_exit']):>16} "
            f"{'exit ' + str(health['slim_exit']):>16}  {'yes' if health['original_exit'] == health['slim_exit'] else 'NO'}"
        )
    lines.append("")
    lines.append("practices: " + ", ".join(f"{p['practice']} {p['original']}->{p['slim']}" for p in data["practices"]))
    lines.append(
        f"checks failing: original {', '.join(data['checks']['original']) or 'none'}; "
        f"slim {', '.join(data['checks']['slim']) or 'none'}"
    )
    lines.append(
        f"Debian packages kept {len(data['debian_packages']['kept'])}, removed "
        f"{len(data['debian_packages']['removed'])}; Python distributions kept "
        f"{len(data['python_distributions']['kept'])}, removed {len(data['python_distributions']['removed'])}"
    )
    trace = data["trace"]
    lines.append(
        f"trace: {trace['processes']} processes, {trace['syscalls']} file syscalls, {trace['modules']} "
        f"modules, {trace['mapped_files']} mapped files"
    )
    lines += [f"note: {note}" for note in data["notes"]]
    return "\n".join(lines) + "\n"


def demo_column(report: SlimReport) -> dict[str, object]:
    """The figures of a `slim` column beside standard and distroless (same keys as the JSON report)."""
    data = report.data
    return {
        "image": data["slim"]["tag"],
        "id": data["slim"]["id"],
        "size_bytes": data["slim"]["size_bytes"],
        "files": data["slim"]["files"],
        "source_size_bytes": data["source"]["size_bytes"],
        "ratio_to_source": data["ratio"],
        "probes_identical": all(p["identical"] for p in data["probes"]),
        "probes": len(data["probes"]),
        "debian_packages": len(data["debian_packages"]["kept"]),
        "python_distributions": len(data["python_distributions"]["kept"]),
    }
