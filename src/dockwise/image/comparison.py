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
        return tuple(round(v / first, 3) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
                     for v in self.values)

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "unit": self.unit, "values": list(self.values),
                "ratios_vs_first": list(self.ratios()), "lower_is_better": self.lower_is_better}


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
        row("python_distribution_count", "Python distributions", "count", True, lambda i: len(i.facts.python_distributions)),
        row("python_versions", "Python", "text", None, lambda i: ", ".join(i.facts.python_releases) or "none"),
        row("user", "User (uid)", "text", None, lambda i: f"{i.facts.user.configured or 'root'} ({i.facts.user.uid})"),
        row("shells", "Shells", "count", True, lambda i: len(i.facts.shells)),
        row("package_managers", "Package managers", "text", None, lambda i: ", ".join(i.facts.package_managers) or "none"),
        row("exposed_ports", "Exposed ports", "text", None, lambda i: ", ".join(i.facts.exposed_ports) or "none"),
        row("setuid_count", "setuid/setgid files", "count", True,
            lambda i: len(set(i.facts.setuid_files) | set(i.facts.setgid_files))),
        row("reclaimable_bytes", "Reclaimable (wasted) bytes", "bytes", True, lambda i: i.facts.waste.reclaimable_bytes),
        row("cache_bytes", "Leftover cache bytes", "bytes", True, lambda i: sum(c.bytes for c in i.facts.caches)),
        row("findings", "Findings", "count", True, lambda i: len(i.findings)),
        row("practices_passed", "Seed practices passed", "count", False,
            lambda i: sum(v.status == "pass" for v in i.verdicts)),
    ]
    if any(image.runtime is not None for image in images):
        rows += [
            row("startup_ms_median", "Startup to first 200 (median)", "ms", True, lambda i: _runtime_value(i, "startup_ms", "median")),
            row("startup_ms_range", "Startup min-max", "text", None, _startup_range),
            row("idle_rss_bytes", "Idle RSS", "bytes", True, lambda i: _runtime_value(i, "idle_rss_bytes")),
            row("requests_per_s", "Requests/s (loopback)", "req/s", False, lambda i: _runtime_value(i, "requests_per_s")),
            row("running_uid", "Running uid", "text", None, lambda i: _runtime_value(i, "running_uid")),
            row("exec_sh_refused", "exec sh refused", "text", None, lambda i: _runtime_value(i, "exec_sh_refused")),
        ]
    return tuple(rows)
