"""Property-based: images nobody vetted — generated layers (hostile names, links, whiteouts, special files, mutated
bytes) and configs with any JSON in any field — in every container format. Whatever the input:

- reading ends within a time bound, and the only exception that escapes is DockwiseError with exit code 2;
- when it succeeds, every output is well-formed: the JSON documents parse (strictly: no NaN), JUnit is XML, the
  GitHub annotations are one per line, the SBOM is JSON, and no text output holds a terminal control character or
  an undecodable byte.

`make test` runs the full profile, `make check` the short one (HYPOTHESIS_PROFILE=check, tests/conftest.py).
"""

from __future__ import annotations

import json
import random
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockwise.core.errors import DockwiseError
from dockwise.core.rules import all_rules
from dockwise.image import collect
from dockwise.image.checks import run_checks
from dockwise.image.comparison import Comparison, ImageReport
from dockwise.image.practices import judge
from dockwise.image.sbom import sbom_json
from dockwise.report.github import render as render_github
from dockwise.report.html import render_html
from dockwise.report.junit import render as render_junit
from dockwise.report.markdown import render_markdown
from dockwise.report.sarif import render as render_sarif
from dockwise.report.table import facts_text
from tests.image.archives import docker_save, image_config, oci_layout, sha
from tests.image.hostile_inputs import member, raw_layer

SECONDS = 10
RULES = all_rules("image")

NAME_PARTS = st.one_of(
    st.sampled_from(
        [
            "etc",
            "app",
            "usr",
            "bin",
            "sh",
            "passwd",
            "..",
            ".",
            "",
            ".wh.x",
            ".wh..wh..opq",
            ".env",
            "id_rsa",
            "site-packages",
            "pip",
            "__pycache__",
            "x.cpython-39.pyc",
            "[red]x[/red]",
            "a\x1b[2Jb",
            "\x07",
            "line\nbreak",
            "\udcff",
            "é",
            "\u202e",
        ]
    ),
    st.text(max_size=12),
)
PATHS = st.lists(NAME_PARTS, min_size=1, max_size=5).map("/".join)
LINE_PARTS = st.one_of(
    st.sampled_from(
        [
            "root",
            "x",
            "0",
            "65532",
            "",
            "/bin/sh",
            "Package",
            "Version",
            "Status",
            "install ok installed",
            "ID",
            "PRETTY_NAME",
            "\x1b[2J",
            "\udcff",
            " ",
        ]
    ),
    st.text(max_size=6),
)
SPECIAL_CONTENT = {  # files the facts parse, with lines made of plausible and hostile parts
    "etc/passwd": ":",
    "etc/group": ":",
    "etc/os-release": "=",
    "var/lib/dpkg/status": ": ",
}


def _special_text(separator: str):
    line = st.lists(LINE_PARTS, max_size=7).map(separator.join)
    return st.lists(line, max_size=6).map("\n".join)


KINDS = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "fifo": tarfile.FIFOTYPE,
    "char": tarfile.CHRTYPE,
}


@st.composite
def entries(draw) -> tuple[tarfile.TarInfo, bytes | None]:
    special = draw(st.sampled_from([None, None, *SPECIAL_CONTENT]))
    name = special or draw(PATHS)
    kind = "file" if special else draw(st.sampled_from(sorted(KINDS)))
    info = member(
        name,
        KINDS[kind],
        draw(PATHS) if kind in ("symlink", "hardlink") else "",
        draw(st.sampled_from([0o644, 0o755, 0o4755, 0o2755, 0o777, 0o1777])),
    )
    info.uid = info.gid = draw(st.sampled_from([0, 1000, 65532]))
    if kind != "file":
        return info, None
    if special:
        return info, draw(_special_text(SPECIAL_CONTENT[special])).encode("utf-8", "surrogateescape")
    return info, draw(st.sampled_from([b"", b"x" * 100, b"-----BEGIN OPENSSH PRIVATE KEY-----\n" + b"A" * 80]))


@st.composite
def layers(draw) -> bytes:
    data = raw_layer(*draw(st.lists(entries(), max_size=8)))
    if draw(SELDOM):  # bytes damaged after the fact (digests still match): the walker's turn
        rng = random.Random(draw(st.integers(0, 2**32)))
        buffer = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            buffer[rng.randrange(len(buffer))] = rng.randrange(256)
        data = bytes(buffer[: rng.randint(0, len(buffer))] if rng.random() < 0.3 else buffer)
    return data


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**66), 2**66) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
HOSTILE_TEXT = st.one_of(st.text(max_size=12), st.sampled_from(["\x1b[2J", "[red]x", "a\nb", "\udcff", "/../..", ""]))
SHAPED_FIELDS = {  # each config field with a value of the shape the spec gives it, holding hostile text
    "User": HOSTILE_TEXT,
    "WorkingDir": HOSTILE_TEXT,
    "StopSignal": HOSTILE_TEXT,
    "Env": st.lists(st.one_of(HOSTILE_TEXT, HOSTILE_TEXT.map(lambda t: f"SECRET_TOKEN={t}")), max_size=3),
    "Entrypoint": st.lists(HOSTILE_TEXT, max_size=3),
    "Cmd": st.lists(HOSTILE_TEXT, max_size=3),
    "Labels": st.dictionaries(HOSTILE_TEXT, HOSTILE_TEXT, max_size=3),
    "ExposedPorts": st.dictionaries(HOSTILE_TEXT, st.just({}), max_size=3),
    "Volumes": st.dictionaries(HOSTILE_TEXT, st.just({}), max_size=2),
    "Healthcheck": st.fixed_dictionaries(
        {"Test": st.lists(HOSTILE_TEXT, max_size=3)},
        optional={"Interval": st.integers(0, 2**63), "Retries": st.integers(0, 9)},
    ),
}
SELDOM = st.sampled_from([False] * 9 + [True])  # hypothesis favours the first element: True about 1 in 10


FORMATS = ["docker-save", "oci-dir-gzip", "oci-tar-plain"]


@st.composite
def images(draw) -> tuple[str, list[bytes], dict]:
    """A container format, layers, and a config for them: any field may hold any JSON, mostly plausible values."""
    contents = draw(st.lists(layers(), min_size=1, max_size=3))
    config = image_config(contents, history=[f"RUN {i}" for i in range(len(contents))])
    for field in draw(st.lists(st.sampled_from(sorted(SHAPED_FIELDS)), max_size=3)):
        config["config"][field] = draw(JSON_VALUES if draw(SELDOM) else SHAPED_FIELDS[field])
    if draw(SELDOM):
        config[draw(st.sampled_from(["config", "history", "created", "architecture", "os", "rootfs"]))] = draw(
            JSON_VALUES
        )
    if draw(SELDOM):
        config["rootfs"] = {
            "type": "layers",
            "diff_ids": draw(
                st.lists(st.sampled_from([sha(b""), "sha256:" + "0" * 64, "sha256:../x", "md5:0"]), max_size=3)
            ),
        }
    return draw(st.sampled_from(FORMATS)), contents, config


def _write(directory: Path, fmt: str, contents: list[bytes], config: dict) -> str:
    if fmt == "docker-save":
        return str(docker_save(contents, config).write_tar(directory / "image.tar"))
    if fmt == "oci-dir-gzip":
        return str(oci_layout(contents, config).write_dir(directory / "layout"))
    return str(oci_layout(contents, config, compress=False).write_tar(directory / "layout.tar"))


def _strict_json(text: str) -> object:
    return json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(AssertionError(f"{name} in JSON")))


def _clean(text: str) -> None:
    bad = [
        ch
        for ch in text
        if (ord(ch) < 32 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F or 0xD800 <= ord(ch) <= 0xDFFF
    ]
    assert not bad, f"{bad[:5]!r} in {text[:200]!r}"


def assert_invariants(path: str, *, render_pages: bool = True) -> None:
    """The invariants for one image; `render_pages` also renders the two slow formats (rich text, HTML)."""
    start = time.perf_counter()
    try:
        facts = collect(path)
    except DockwiseError as exc:
        assert exc.exit_code == 2, exc.one_line()
        assert "\n" not in exc.one_line()
        return
    finally:
        assert time.perf_counter() - start < SECONDS
    findings = run_checks(facts, rules=RULES)
    document = json.dumps({"image": facts.as_dict(), "findings": [f.as_dict() for f in findings]}, allow_nan=False)
    _strict_json(document)
    _strict_json(render_sarif(findings, {rule.id: rule.title for rule in RULES}))
    _strict_json(sbom_json(facts))
    ET.fromstring(render_junit(findings, [facts.reference]).encode("utf-8"))
    github = render_github(findings)
    _clean(github)
    assert all(line.startswith("::") for line in github.splitlines())
    comparison = Comparison((ImageReport(facts, tuple(findings), judge(facts), None, "not probed"),), "now")
    _clean(render_markdown(comparison))
    if render_pages:
        _clean(facts_text(facts, findings, color=False))
        _clean(render_html(comparison))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(images(), SELDOM)
def test_any_image_reads_cleanly_or_fails_with_one_line(image, pages):
    fmt, contents, config = image
    with tempfile.TemporaryDirectory(prefix="dockwise-prop-") as directory:
        assert_invariants(_write(Path(directory), fmt, contents, config), render_pages=pages)


def test_the_generator_reaches_the_facts():
    """Most generated images must read through to facts (not stop at a digest or a type), or the suite proves
    little about the layers: sample the strategy and count."""
    outcomes = {"facts": 0, "refused": 0}

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(images())
    def sample(image):
        fmt, contents, config = image
        with tempfile.TemporaryDirectory(prefix="dockwise-prop-") as directory:
            try:
                collect(_write(Path(directory), fmt, contents, config))
                outcomes["facts"] += 1
            except DockwiseError:
                outcomes["refused"] += 1

    sample()
    assert outcomes["facts"] >= sum(outcomes.values()) / 3, outcomes


@settings(deadline=None)
@given(st.binary(max_size=2048), st.sampled_from(["manifest.json", "index.json", "config"]))
def test_any_bytes_as_an_image_document_fail_with_one_line(data, which):
    contents = [raw_layer((member("etc/passwd"), b"root:x:0:0::/:/bin/sh\n"))]
    with tempfile.TemporaryDirectory(prefix="dockwise-prop-") as directory:
        if which == "config":
            path = str(docker_save(contents, raw_config=data).write_tar(Path(directory) / "image.tar"))
        elif which == "manifest.json":
            archive = docker_save(contents)
            archive.members["manifest.json"] = data
            path = str(archive.write_tar(Path(directory) / "image.tar"))
        else:
            archive = oci_layout(contents)
            archive.members["index.json"] = data
            path = str(archive.write_dir(Path(directory) / "layout"))
        assert_invariants(path)
