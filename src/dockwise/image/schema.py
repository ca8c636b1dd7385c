"""An image's JSON documents — docker-save's manifest.json, the OCI index and manifest, the image config — parsed
strictly and checked against the shapes the OCI image spec (and Docker's config extensions) give them, into typed
records. Nothing downstream ever sees a raw JSON value: a string where the spec says array, an int where it says
string, NaN, or nesting deep enough to exhaust the parser is one DockwiseError (exit 2) naming the field.

`null` is accepted wherever a field is optional (Go writes nil slices and maps as null); unknown fields are ignored.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from dockwise.core.errors import EXIT_USAGE, DockwiseError

HEALTHCHECK_DURATIONS = ("Interval", "Timeout", "StartPeriod", "StartInterval")


class SaveEntry(NamedTuple):
    """One image of a `docker save` archive's manifest.json."""

    config: str
    repo_tags: tuple[str, ...]
    layers: tuple[str, ...]


class Descriptor(NamedTuple):
    """An OCI content descriptor (the digest's syntax is checked where it becomes a path)."""

    media_type: str
    digest: str
    size: int
    annotations: dict[str, str]
    platform: str | None = None  # os/architecture[/variant], for a manifest listed in an image index


class Manifest(NamedTuple):
    config: Descriptor
    layers: tuple[Descriptor, ...]


class HistoryEntry(NamedTuple):
    created: str | None
    created_by: str
    empty_layer: bool


class ImageConfig(NamedTuple):
    """The fields of an image config that dockwise reads, each of the type the spec gives it."""

    created: str | None
    architecture: str | None
    os: str | None
    user: str
    workdir: str
    env: tuple[str, ...]
    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    exposed_ports: tuple[str, ...]
    labels: dict[str, str]
    healthcheck: dict | None
    history: tuple[HistoryEntry, ...]
    diff_ids: tuple[str, ...]


class _Invalid(Exception):
    """A field of the wrong shape: where it is, what it is, what the spec wants."""

    def __init__(self, where: str, value: object, wanted: str) -> None:
        super().__init__(f"{where} is {_kind(value)}; the OCI image spec requires {wanted}")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def parse_json(data: bytes, what: str) -> object:
    """Strict JSON: no NaN or Infinity (they would make our own JSON output invalid), bounded nesting."""
    try:
        return json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise DockwiseError(
            f"{what[:120]!r} nests too deeply to be an image document", "re-create the image", exit_code=EXIT_USAGE
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DockwiseError(
            f"{what[:120]!r} is not valid JSON ({str(exc)[:160]})", "re-create the archive", exit_code=EXIT_USAGE
        ) from None


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def _object(value: object, where: str, *, optional: bool = False) -> dict:
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise _Invalid(where, value, "an object")
    return value


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(where, value, "a string")
    return value


def _optional_string(value: object, where: str) -> str | None:
    return None if value is None else _string(value, where)


def _int(value: object, where: str, *, minimum: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or (minimum is not None and value < minimum):
        raise _Invalid(where, value, "an integer" if minimum is None else f"an integer ≥ {minimum}")
    return value


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(where, value, "a boolean")
    return value


def _strings(value: object, where: str) -> tuple[str, ...] | None:
    """An optional array of strings (None when absent or null)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise _Invalid(where, value, "an array of strings")
    for number, item in enumerate(value):
        _string(item, f"{where}[{number}]")
    return tuple(value)


def _string_map(value: object, where: str) -> dict[str, str]:
    for key, item in _object(value, where, optional=True).items():
        _string(item, f"{where}[{key[:60]!r}]")
    return dict(value) if isinstance(value, dict) else {}


def _descriptor(value: object, where: str) -> Descriptor:
    desc = _object(value, where)
    _strings(desc.get("urls"), f"{where}.urls")
    named = None
    if desc.get("platform") is not None:
        platform = _object(desc["platform"], f"{where}.platform")
        for field in ("architecture", "os", "os.version", "variant"):
            _optional_string(platform.get(field), f"{where}.platform.{field}")
        for field in ("os.features", "features"):
            _strings(platform.get(field), f"{where}.platform.{field}")
        named = platform_name(platform.get("os"), platform.get("architecture"), platform.get("variant"))
    for field in ("artifactType", "data"):
        _optional_string(desc.get(field), f"{where}.{field}")
    return Descriptor(
        _string(desc.get("mediaType"), f"{where}.mediaType"),
        _string(desc.get("digest"), f"{where}.digest"),
        _int(desc.get("size"), f"{where}.size", minimum=0),
        _string_map(desc.get("annotations"), f"{where}.annotations"),
        named,
    )


def platform_name(os: object, architecture: object, variant: object = None) -> str | None:
    """`linux/arm64/v8` from a descriptor's or config's fields (None without an architecture)."""
    if not isinstance(architecture, str) or not architecture:
        return None
    name = f"{os if isinstance(os, str) and os else 'linux'}/{architecture}"
    return f"{name}/{variant}" if isinstance(variant, str) and variant else name


def _checked(what: str, read, value: object):
    try:
        return read(value)
    except _Invalid as exc:
        raise DockwiseError(
            f"{what[:120]}: {exc}", "the image is not valid; rebuild or re-export it", exit_code=EXIT_USAGE
        ) from None


def save_manifest(value: object, what: str = "manifest.json") -> tuple[SaveEntry, ...]:
    """docker-save's manifest.json: a non-empty array of {Config, RepoTags, Layers}."""

    def read(value: object) -> tuple[SaveEntry, ...]:
        if not isinstance(value, list) or not value:
            raise _Invalid("the document", value, "a non-empty array of images")
        entries = []
        for number, item in enumerate(value):
            where = f"[{number}]"
            entry = _object(item, where)
            layers = _strings(entry.get("Layers"), f"{where}.Layers")
            if layers is None:
                raise _Invalid(f"{where}.Layers", None, "an array of strings")
            _optional_string(entry.get("Parent"), f"{where}.Parent")
            _object(entry.get("LayerSources"), f"{where}.LayerSources", optional=True)
            entries.append(
                SaveEntry(
                    _string(entry.get("Config"), f"{where}.Config"),
                    _strings(entry.get("RepoTags"), f"{where}.RepoTags") or (),
                    layers,
                )
            )
        return tuple(entries)

    return _checked(what, read, value)


def index_manifests(value: object, what: str = "index.json") -> tuple[Descriptor, ...]:
    """An OCI image index: its `manifests` descriptors (non-empty)."""

    def read(value: object) -> tuple[Descriptor, ...]:
        index = _object(value, "the document")
        _int(index.get("schemaVersion", 2), "schemaVersion")
        _optional_string(index.get("mediaType"), "mediaType")
        _string_map(index.get("annotations"), "annotations")
        manifests = index.get("manifests")
        if not isinstance(manifests, list) or not manifests:
            raise _Invalid("manifests", manifests, "a non-empty array of descriptors")
        return tuple(_descriptor(item, f"manifests[{number}]") for number, item in enumerate(manifests))

    return _checked(what, read, value)


def image_manifest(value: object, what: str) -> Manifest:
    """An OCI image manifest: its config and layer descriptors."""

    def read(value: object) -> Manifest:
        manifest = _object(value, "the document")
        _int(manifest.get("schemaVersion", 2), "schemaVersion")
        _optional_string(manifest.get("mediaType"), "mediaType")
        _string_map(manifest.get("annotations"), "annotations")
        if manifest.get("subject") is not None:
            _descriptor(manifest["subject"], "subject")
        layers = manifest.get("layers")
        if not isinstance(layers, list):
            raise _Invalid("layers", layers, "an array of descriptors")
        return Manifest(
            _descriptor(manifest.get("config"), "config"),
            tuple(_descriptor(item, f"layers[{number}]") for number, item in enumerate(layers)),
        )

    return _checked(what, read, value)


def image_config(value: object, what: str) -> ImageConfig:
    """An image config (OCI image-spec config.md, with Docker's Healthcheck)."""

    def read(value: object) -> ImageConfig:
        document = _object(value, "the document")
        run = _object(document.get("config"), "config", optional=True)
        rootfs = _object(document.get("rootfs"), "rootfs")
        _string(rootfs.get("type"), "rootfs.type")
        diff_ids = _strings(rootfs.get("diff_ids"), "rootfs.diff_ids")
        if diff_ids is None:
            raise _Invalid("rootfs.diff_ids", None, "an array of strings")
        for field in ("author", "variant", "os.version"):
            _optional_string(document.get(field), field)
        _strings(document.get("os.features"), "os.features")
        for field in ("StopSignal",):
            _optional_string(run.get(field), f"config.{field}")
        for field in ("Volumes",):
            for key, item in _object(run.get(field), f"config.{field}", optional=True).items():
                _object(item, f"config.{field}[{key[:60]!r}]")
        for field in ("OnBuild", "Shell"):
            _strings(run.get(field), f"config.{field}")
        if run.get("ArgsEscaped") is not None:
            _bool(run["ArgsEscaped"], "config.ArgsEscaped")
        ports = _object(run.get("ExposedPorts"), "config.ExposedPorts", optional=True)
        for key, item in ports.items():
            _object(item, f"config.ExposedPorts[{key[:60]!r}]")
        return ImageConfig(
            created=_optional_string(document.get("created"), "created"),
            architecture=_optional_string(document.get("architecture"), "architecture"),
            os=_optional_string(document.get("os"), "os"),
            user=_optional_string(run.get("User"), "config.User") or "",
            workdir=_optional_string(run.get("WorkingDir"), "config.WorkingDir") or "",
            env=_strings(run.get("Env"), "config.Env") or (),
            entrypoint=_strings(run.get("Entrypoint"), "config.Entrypoint") or None,
            cmd=_strings(run.get("Cmd"), "config.Cmd") or None,
            exposed_ports=tuple(sorted(ports)),
            labels=dict(sorted(_string_map(run.get("Labels"), "config.Labels").items())),
            healthcheck=_healthcheck(run.get("Healthcheck")),
            history=_history(document.get("history")),
            diff_ids=diff_ids,
        )

    return _checked(what, read, value)


def _healthcheck(value: object) -> dict | None:
    """Docker's HealthConfig: Test (array of strings), durations in nanoseconds, Retries; only these are kept."""
    if value is None:
        return None
    check = _object(value, "config.Healthcheck")
    kept: dict[str, object] = {}
    test = _strings(check.get("Test"), "config.Healthcheck.Test")
    if test is not None:
        kept["Test"] = list(test)
    for field in (*HEALTHCHECK_DURATIONS, "Retries"):
        if check.get(field) is not None:
            kept[field] = _int(check[field], f"config.Healthcheck.{field}", minimum=0)
    return kept


def _history(value: object) -> tuple[HistoryEntry, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Invalid("history", value, "an array of objects")
    entries = []
    for number, item in enumerate(value):
        where = f"history[{number}]"
        step = _object(item, where)
        for field in ("author", "comment"):
            _optional_string(step.get(field), f"{where}.{field}")
        empty = step.get("empty_layer")
        entries.append(
            HistoryEntry(
                _optional_string(step.get("created"), f"{where}.created"),
                _optional_string(step.get("created_by"), f"{where}.created_by") or "",
                False if empty is None else _bool(empty, f"{where}.empty_layer"),
            )
        )
    return tuple(entries)
