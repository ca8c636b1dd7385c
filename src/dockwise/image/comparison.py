"""Images side by side, as data: each image's facts, findings, practice verdicts and runtime measurements, and the
metric rows every renderer (table, JSON, Markdown, HTML) reads. `dockwise.jobs.compare` fills it in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dockwise.core.findings import Finding
from dockwise.image.facts import ImageFacts
from dockwise.image.practices import Verdict


@dataclass(frozen=True)
class ImageReport:
    """One image of a comparison. `runtime` is RuntimeFacts.as_dict(), or None when not probed (see `runtime_note`)."""

    facts: ImageFacts
    findings: tuple[Finding, ...]
    verdicts: tuple[Verdict, ...]
    runtime: dict | None
    runtime_note: str

    @property
    def name(self) -> str:
        """What tables call the image: its first tag, else the reference it was read from."""
        return self.facts.tags[0] if self.facts.tags else self.facts.reference

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "reference": self.facts.reference,
            "facts": self.facts.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
            "verdicts": [v.__dict__.copy() for v in self.verdicts],
            "runtime": self.runtime,
            "runtime_note": self.runtime_note,
        }


@dataclass(frozen=True)
class Metric:
    """One row of the side-by-side table: a value per image, and each value's ratio to the first image's."""

    key: str
    label: str
    unit: str  # "bytes", "count", "ms", "req/s", "text"
    values: tuple[object, ...]
    lower_is_better: bool | None

    def ratios(self) -> tuple[float | None, ...]:
        first = self.values[0]
        if self.unit == "text" or not isinstance(first, (int, float)) or isinstance(first, bool) or not first:
            return tuple(None for _ in self.values)
        return tuple(
            round(v / first, 3) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
            for v in self.values
        )

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "values": list(self.values),
            "ratios_vs_first": list(self.ratios()),
            "lower_is_better": self.lower_is_better,
        }


@dataclass(frozen=True)
class Comparison:
    """What `dockwise compare` reports; every renderer (table, JSON, Markdown, HTML) reads only this."""

    images: tuple[ImageReport, ...]
    generated: str

    def metrics(self) -> tuple[Metric, ...]:
        return _metrics(self.images)

    def as_dict(self) -> dict:
        return {
            "generated": self.generated,
            "images": [image.as_dict() for image in self.images],
            "metrics": [metric.as_dict() for metric in self.metrics()],
        }


def _runtime_value(image: ImageReport, key: str, sub: str | None = None) -> object:
    if image.runtime is None:
        return None
    value = image.runtime.get(key)
    if sub is not None:
        value = value.get(sub) if isinstance(value, dict) else None
    return value


def _startup_range(image: ImageReport) -> str | None:
    low, high = _runtime_value(image, "startup_ms", "min"), _runtime_value(image, "startup_ms", "max")
    runs = _runtime_value(image, "startup_ms", "runs")
    return None if low is None else f"{low:.0f}-{high:.0f} ms ({runs} runs)"


def _metrics(images: tuple[ImageReport, ...]) -> tuple[Metric, ...]:
    def row(key: str, label: str, unit: str, lower: bool | None, get: Callable[[ImageReport], object]) -> Metric:
        return Metric(key, label, unit, tuple(get(image) for image in images), lower)

    rows = [
        row("size_bytes", "Size (unpacked layers)", "bytes", True, lambda i: i.facts.size_bytes),
        row("compressed_bytes", "Size (gzip -6 of layers)", "bytes", True, lambda i: i.facts.compressed_bytes),
        row("layer_count", "Layers", "count", True, lambda i: len(i.facts.layers)),
        row("file_count", "Files", "count", True, lambda i: i.facts.file_count),
        row("debian_package_count", "Debian packages", "count", True, lambda i: len(i.facts.debian_packages)),
        row(
            "python_distribution_count",
            "Python distributions",
            "count",
            True,
            lambda i: len(i.facts.python_distributions),
        ),
        row("python_versions", "Python", "text", None, lambda i: ", ".join(i.facts.python_releases) or "none"),
        row("user", "User (uid)", "text", None, lambda i: f"{i.facts.user.configured or 'root'} ({i.facts.user.uid})"),
        row("shells", "Shells", "count", True, lambda i: len(i.facts.shells)),
        row(
            "package_managers",
            "Package managers",
            "text",
            None,
            lambda i: ", ".join(i.facts.package_managers) or "none",
        ),
        row("exposed_ports", "Exposed ports", "text", None, lambda i: ", ".join(i.facts.exposed_ports) or "none"),
        row(
            "setuid_count",
            "setuid/setgid files",
            "count",
            True,
            lambda i: len(set(i.facts.setuid_files) | set(i.facts.setgid_files)),
        ),
        row(
            "reclaimable_bytes", "Reclaimable (wasted) bytes", "bytes", True, lambda i: i.facts.waste.reclaimable_bytes
        ),
        row("cache_bytes", "Leftover cache bytes", "bytes", True, lambda i: sum(c.bytes for c in i.facts.caches)),
        row("findings", "Findings", "count", True, lambda i: len(i.findings)),
        row(
            "practices_passed",
            "Seed practices passed",
            "count",
            False,
            lambda i: sum(v.status == "pass" for v in i.verdicts),
        ),
    ]
    if any(image.runtime is not None for image in images):
        rows += [
            row(
                "startup_ms_median",
                "Startup to first 200 (median)",
                "ms",
                True,
                lambda i: _runtime_value(i, "startup_ms", "median"),
            ),
            row("startup_ms_range", "Startup min-max", "text", None, _startup_range),
            row("idle_rss_bytes", "Idle RSS", "bytes", True, lambda i: _runtime_value(i, "idle_rss_bytes")),
            row(
                "requests_per_s", "Requests/s (loopback)", "req/s", False, lambda i: _runtime_value(i, "requests_per_s")
            ),
            row("running_uid", "Running uid", "text", None, lambda i: _runtime_value(i, "running_uid")),
            row("exec_sh_refused", "exec sh refused", "text", None, lambda i: _runtime_value(i, "exec_sh_refused")),
            row("probes_from", "HTTP probes and load from", "text", None, _probes_from),
        ]
    return tuple(rows)


def _probes_from(image: ImageReport) -> str | None:
    """Where the HTTP probes, startup timing and load ran (dockwise.measure.runtime's `engine`)."""
    engine = (image.runtime or {}).get("engine")
    if engine is None:
        return None
    return "helper in the netns (remote engine)" if engine == "remote" else "this host (published port)"


@dataclass(frozen=True)
class Cell:
    """One image's result in a hardening or resilience row: pass, fail or n/a, and what was seen."""

    status: str
    text: str


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


NA = Cell("n/a", "not measured")
IDLE_STOP_S = 2.0
RSS_GROWTH_LIMIT = 1.1


def hardening_rows(images: tuple[ImageReport, ...]) -> tuple[Row, ...]:
    """The run profile as proven inside each running container (`dockwise.measure.hardening`)."""
    hardening = [(image.runtime or {}).get("hardening") for image in images]
    names = next((list(h["checks"]) for h in hardening if h), [])
    rows = [Row("run profile", tuple(Cell("info", (image.runtime or {}).get("profile", "n/a")) for image in images))]
    for name in names:
        cells = []
        for found in hardening:
            value = (found or {}).get("checks", {}).get(name)
            cells.append(NA if value is None else Cell("pass" if value else "fail", _hardening_text(name, found)))
        rows.append(Row(name, tuple(cells)))
    return tuple(rows)


def _hardening_text(name: str, found: dict | None) -> str:
    found = found or {}
    return {
        "non-root": f"uid {found.get('uid')}",
        "no capabilities (CapEff 0)": f"CapEff {found.get('cap_eff')}",
        "all capabilities dropped (CapBnd 0)": f"CapBnd {found.get('cap_bnd')}",
        "no-new-privileges": f"NoNewPrivs {int(bool(found.get('no_new_privs')))}",
        "seccomp filter": f"Seccomp {found.get('seccomp_mode')}",
        "/ not writable": "write refused" if found.get("root_writable") is False else "written",
        "workdir not writable": f"{found.get('workdir')}: "
        + ("write refused" if found.get("workdir_writable") is False else "written"),
        "/tmp writable": "written" if found.get("tmp_writable") else "write refused",
        "pids limited": f"pids ≤ {found.get('pids_limit')}",
        "memory limited": f"≤ {(found.get('memory_limit_bytes') or 0) >> 20} MiB",
    }.get(name, "")


def resilience_rows(images: tuple[ImageReport, ...]) -> tuple[Row, ...]:
    """The resilience suite's verdicts (`dockwise.measure.resilience`), one row per fault."""
    suites = [(image.runtime or {}).get("resilience") for image in images]
    makers: list[tuple[str, Callable[[dict], Cell]]] = [
        ("sustained load, 64 connections", _sustained_cell),
        ("memory after the load", _memory_cell),
        ("a worker killed (SIGKILL)", _crash_cell),
        ("200 slow clients", _slow_cell),
        ("malformed HTTP", _malformed_cell),
        ("docker stop under load", _stop_cell),
        ("docker stop when idle", _idle_cell),
    ]
    return tuple(Row(label, tuple(make(suite) if suite else NA for suite in suites)) for label, make in makers)


def _pass(ok: bool) -> str:
    return "pass" if ok else "fail"


def _sustained_cell(suite: dict) -> Cell:
    load = (suite.get("sustained") or {}).get("load")
    if not load:
        return NA
    errors = load["socket_errors"] + load["non_2xx"]
    return Cell(
        _pass(errors == 0),
        f"{load['requests_per_s']:.0f} req/s, p50 {load.get('p50_ms')} ms, "
        f"p99 {load.get('p99_ms')} ms, {errors} errors",
    )


def _memory_cell(suite: dict) -> Cell:
    sustained = suite.get("sustained") or {}
    growth = sustained.get("rss_growth")
    if growth is None:
        return NA
    return Cell(
        _pass(growth <= RSS_GROWTH_LIMIT),
        f"×{growth} ({(sustained['rss_after_warmup'] or 0) >> 20} → {(sustained['rss_after_load'] or 0) >> 20} MiB)",
    )


def _crash_cell(suite: dict) -> Cell:
    crash = suite.get("worker_crash")
    if not crash or crash.get("killed_pid") is None:
        return Cell("n/a", (crash or {}).get("note", "not measured"))
    load = crash.get("load") or {}
    errors = load.get("socket_errors", 0) + load.get("non_2xx", 0)
    ok = crash["replaced"] and crash["answers_after"]
    return Cell(_pass(ok), ("replaced" if crash["replaced"] else "not replaced") + f"; {errors} errors under load")


def _slow_cell(suite: dict) -> Cell:
    slow = suite.get("slow_clients")
    if not slow:
        return NA
    seen = (
        f"normal request in {slow['normal_request_ms']} ms"
        if slow["normal_request_ms"] is not None
        else "normal request timed out"
    )
    return Cell(_pass(bool(slow.get("held"))), seen)


def _malformed_cell(suite: dict) -> Cell:
    malformed = suite.get("malformed")
    if not malformed:
        return NA
    good = sum(1 for case in malformed["cases"] if case["ok"])
    bad = [case["name"] for case in malformed["cases"] if not case["ok"]]
    text = f"{good}/{len(malformed['cases'])} answered 4xx or closed" + (f"; 5xx: {', '.join(bad)}" if bad else "")
    return Cell(_pass(bool(malformed.get("held"))), text + ("" if malformed["still_up"] else "; service down after"))


def _stop_cell(suite: dict) -> Cell:
    stop = suite.get("stop")
    if not stop:
        return NA
    return Cell(
        _pass(stop["exit_code"] == 0 and stop["lost"] == 0),
        f"exit {stop['exit_code']}, {stop['completed']} answered, {stop['lost']} lost, {stop['stop_seconds']} s",
    )


def _idle_cell(suite: dict) -> Cell:
    seconds = suite.get("idle_stop_seconds")
    return NA if seconds is None else Cell(_pass(seconds < IDLE_STOP_S), f"{seconds} s")
