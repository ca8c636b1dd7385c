"""Pipfile.lock: its default packages, converted in the build to hash-pinned requirement lines.

Each entry is checked here against the grammar of what the build's one-liner writes (a name, `==VERSION`,
sha256 hashes, extras, a marker), so the conversion cannot fail in the build nor add a line or option to what
pip reads; a VCS, path or editable entry is refused with its line.
"""

from __future__ import annotations

import json
import re

from packaging.markers import InvalidMarker, Marker
from packaging.utils import canonicalize_name

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence, line_of
from dockwise.pyapp.grammar import is_distribution_name
from dockwise.pyapp.layouts import Dependencies, Layout, LayoutContext
from dockwise.pyapp.layouts.project import table
from dockwise.pyapp.scan import read_app_file
from dockwise.pyapp.wheels import Pin, valid_pins

LAYOUT = Layout("pipenv", ("Pipfile.lock",), lockfile=True)
_HASH = re.compile(r"(sha256|sha384|sha512|md5):[0-9a-fA-F]{1,128}")
_VERSION = re.compile(r"==[A-Za-z0-9.!+_-]+")


def detect(context: LayoutContext) -> Dependencies | None:
    if not context.has("Pipfile.lock"):
        return None
    text = read_app_file(context.root, "Pipfile.lock")
    try:
        default = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DockwiseError(
            f"Pipfile.lock is not valid JSON ({exc})", "run `pipenv lock` again", exit_code=EXIT_USAGE
        ) from None
    except RecursionError:
        raise DockwiseError("Pipfile.lock nests too deeply", "run `pipenv lock` again", exit_code=EXIT_USAGE) from None
    default = table(default if isinstance(default, dict) else {"default": 0}, "default", "Pipfile.lock")
    for name, entry in default.items():
        unsupported = [key for key in ("git", "path", "file", "editable") if isinstance(entry, dict) and key in entry]
        if unsupported or not _entry_ok(name, entry):
            raise DockwiseError(
                f"Pipfile.lock:{line_of(text, json.dumps(name))}: {name} is not a hashed release "
                f"({', '.join(unsupported) or 'its version, hashes, extras or markers are missing or malformed'})",
                "dockwise installs locked packages with --require-hashes; lock a released version",
                exit_code=EXIT_USAGE,
            )
    return Dependencies(
        "pipenv",
        ("Pipfile.lock",),
        frozenset(canonicalize_name(n) for n in default),
        hashed=True,
        pinned=True,
        evidence=Evidence("Pipfile.lock", None, f"{len(default)} locked packages (default)"),
        install="pipfile-lock",
        pins=valid_pins(
            Pin(
                canonicalize_name(name),
                entry["version"].removeprefix("=="),
                Evidence("Pipfile.lock", line_of(text, json.dumps(name))),
                entry.get("markers"),
            )
            for name, entry in default.items()
        ),
    )


def _entry_ok(name: str, entry: object) -> bool:
    """A default entry the build's one-liner turns into one requirements line: every part matches its grammar, so
    nothing can add a line or an option to what pip reads."""
    if not isinstance(entry, dict) or not is_distribution_name(name):
        return False
    hashes, version = entry.get("hashes"), entry.get("version")
    extras, markers = entry.get("extras") or [], entry.get("markers")
    if not (isinstance(hashes, list) and hashes and all(isinstance(h, str) and _HASH.fullmatch(h) for h in hashes)):
        return False
    if not (isinstance(version, str) and _VERSION.fullmatch(version)):
        return False
    if not (isinstance(extras, list) and all(is_distribution_name(e) for e in extras)):
        return False
    if markers is not None:
        try:
            Marker(markers)
        except (InvalidMarker, TypeError):
            return False
        if "\n" in markers or "\r" in markers:
            return False
    return True
