"""Property-based: whatever the Dockerfile, the `.dockerignore` and the names in the context, `lint` ends within a
time bound, no exception escapes, and every output format is well-formed — JSON parses, SARIF validates against the
OASIS schema, JUnit parses as XML, GitHub annotations and text stay one line per record (issue 15).

The strategies lean on what broke before: doubling variables, substitution patterns, stars, long runs, control
characters, non-ASCII digits, names that are not UTF-8. `make test` runs the full profile, `make check` a short one.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dockwise.core.rules import all_rules
from dockwise.dockerfile.context import BuildContext
from dockwise.dockerfile.lint import lint_text
from dockwise.report.findings_output import FORMATS, FindingsReport, render
from dockwise.report.text import render as render_text

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
import fuzz_lint

RULES = all_rules("dockerfile")
SARIF = jsonschema.Draft202012Validator(json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text()))
BOUND_SECONDS = 5.0
"""Per example; the worst inputs the issue lists take well under a second each now."""

HOSTILE = [
    "${A}${A}",
    "${A}${A}${A}${A}",
    "ARG A=${A}${A}\n",
    "ENV A=${A}${A}\n",
    "${A/*a*a*a*b/x}",
    "${A%%*a*b}",
    "${A#*a*a}",
    "*a*a*a*a*a*a*ab",
    "a" * 300,
    "\x1b[2J",
    "\x1b]0;t\x07",
    "\u202e",
    "\u0661\u0662",
    "\u00b2",
    "\x00",
    "\ud800",
    "\\\n",
    "<<EOF\n",
    "EOF\n",
    "WORKDIR aaaaaaaa\n",
    "FROM a AS b\n",
    "COPY --from=b / /\n",
    "# dockwise: ignore=DW001\n",
    "# dockwise: stage ignore=DW008\n",
    "COPY conf/ ./conf/\n",
    "COPY . .\n",
    "COPY *a*a*a*ab ./\n",
    "EXPOSE \u0661\u0662\n",
    "USER \u00b2\n",
    "RUN pip install -r requirements.txt\n",
]
fragments = st.sampled_from(fuzz_lint.TOKENS + fuzz_lint.KEYWORDS + HOSTILE)
dockerfiles = st.one_of(
    st.lists(st.lists(fragments, max_size=8).map(" ".join), max_size=20).map("\n".join),
    st.lists(st.one_of(fragments, st.text(max_size=6)), max_size=50).map("".join),
    st.integers(1, 24).map(
        lambda n: "FROM a\nARG A0=xy\n" + "".join(f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}\n" for i in range(1, n))
    ),
)
pattern_chars = st.sampled_from(list("ab*?[]^-\\!/.# \u00e9") + ["**", "**/", "\x1b", "\t"])
ignore_files = st.lists(st.lists(pattern_chars, max_size=14).map("".join), max_size=8).map("\n".join)
name_chars = st.sampled_from(list("ab.-_ *?[\\é") + ["\x1b", "\x07", "\n", "\u202e", "\udcff", "env", "id_rsa"])
names = st.lists(name_chars, min_size=1, max_size=8).map("".join).filter(lambda n: n not in (".", ".."))
contexts = st.lists(
    st.tuples(st.lists(names, min_size=1, max_size=3).map("/".join), st.sampled_from(["", "x=1\n", "flask\n"])),
    max_size=6,
)


@contextlib.contextmanager
def time_bound(seconds: float):
    """Fail (rather than hang the suite) when the body runs past `seconds`."""

    def expired(_signum, _frame):
        raise TimeoutError(f"lint ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < seconds


def _write_context(root: Path, files, ignore: str | None) -> None:
    for path, content in files:
        target = os.path.join(os.fsencode(root), *(os.fsencode(part) for part in path.split("/")))
        with contextlib.suppress(OSError):  # a name that is a prefix of another, or too long: skip it
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(content.encode())
    if ignore is not None:
        (root / ".dockerignore").write_text(ignore, encoding="utf-8", errors="surrogateescape")


def assert_outputs_well_formed(findings, text: str) -> None:
    report = FindingsReport(
        findings=findings,
        checked=["Dockerfile"],
        rules=RULES,
        text=lambda colored: render_text(findings, {"Dockerfile": text}, color=colored),
        document=lambda: json.dumps([f.as_dict() for f in findings]) + "\n",
    )
    for fmt in FORMATS:
        out = render(report, fmt)
        out.encode("utf-8")  # no lone surrogate left: every output can be written as UTF-8
        assert not any(c in out for c in "\x1b\x07\u202e"), fmt
        if fmt == "json":
            assert len(json.loads(out)) == len(findings)
        elif fmt == "sarif":
            SARIF.validate(json.loads(out))
        elif fmt == "junit":
            assert ET.fromstring(out).tag == "testsuites"
        elif fmt == "github":
            assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in out.splitlines())
        else:
            records = [line for line in out.splitlines() if line.startswith("Dockerfile:")]
            assert len(records) == sum(1 for f in findings if f.line), out


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(dockerfiles)
@example(text="FROM a AS b\n RUN \ud800")  # found by this test: a lone surrogate in a shell form reached shellcheck
def test_any_dockerfile_lints_in_bounded_time_into_well_formed_output(text):
    with time_bound(BOUND_SECONDS):
        findings = lint_text(text, rules=RULES)
    assert_outputs_well_formed(findings, text)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(dockerfiles, contexts, st.none() | ignore_files)
def test_any_context_and_dockerignore_lint_in_bounded_time(text, files, ignore):
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        _write_context(root, files, ignore)
        with time_bound(BOUND_SECONDS):
            context = BuildContext.load(root)
            findings = lint_text(text, context=context, rules=RULES)
        assert_outputs_well_formed(findings, text)
        assert set(context.files) <= {f for f, _ in _listing(root)}


def _listing(root: Path):
    for directory, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(directory, root)
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(directory, d))]:
            yield (name if rel == "." else f"{rel}/{name}").replace(os.sep, "/"), None
