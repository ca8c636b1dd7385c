"""The one Rule contract for Dockerfile rules (DWnnn) and image checks (DInnn), and the registry that finds them.

A rule is a module: its docstring (a one-line title, then what and why, an ``Anti-pattern::`` and a
``Best practice::`` Dockerfile that the test suite runs, each optionally followed by a ``Context::`` block of
build-context files, and an optional ``Known limitations::`` block), and these attributes:

- ``ID`` (``"DW005"``), ``NAME`` (``"pip-no-cache"``), ``SEVERITY`` (a `Severity`), ``SCOPE`` (a `Scope`),
  ``FIX`` (one line), ``REFS`` (``{"hadolint": "DL3042", "buildkit": ..., "cis": "4.x", "dockle": ...}``);
- optionally ``ENABLED_BY_DEFAULT = False`` for a rule that runs only when the settings' ``enable`` names it, and
  ``RELAYS = "SC"`` for a rule that reports another tool's codes under their own ids (`Hit.code`);
- ``check(subject) -> Iterable[Hit]``: the subject is the lint `Subject` for Dockerfile scopes and the
  `ImageFacts` for `Scope.IMAGE`.

Built-in rules live one module each in `dockwise.dockerfile.rules` and `dockwise.image.checks`; plugins are modules
with the same attributes named by an entry point of the ``dockwise.rules`` group, e.g. in their pyproject.toml::

    [project.entry-points."dockwise.rules"]
    ACME001 = "acme_rules.no_alpine"
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import ModuleType

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.findings import Finding, Severity

ENTRY_POINT_GROUP = "dockwise.rules"
BUILTIN_PACKAGES = ("dockwise.dockerfile.rules", "dockwise.image.checks")
DOMAINS = ("dockerfile", "image")  # the domain of each built-in package


class Scope(str, Enum):
    """What a rule looks at. The first four are Dockerfile scopes (`dockwise lint`), the last is the built image."""

    FINAL_IMAGE = "final-image"  # the target stage and the stages it is built FROM
    EVERY_STAGE = "every-stage"  # every stage, builders included
    BUILD_CONTEXT = "build-context"  # the files the build sends, and which of them COPY/ADD take
    FILE = "file"  # the file as text: syntax, directives, pragmas
    IMAGE = "image"  # the built image: config and final filesystem (`dockwise inspect`)

    @property
    def domain(self) -> str:
        return "image" if self is Scope.IMAGE else "dockerfile"

    def describe(self) -> str:
        return {
            Scope.FINAL_IMAGE: "the final image: the target stage and the stages it is built FROM",
            Scope.EVERY_STAGE: "every stage, builder stages included",
            Scope.BUILD_CONTEXT: "the build context and what COPY/ADD take from it",
            Scope.FILE: "the Dockerfile as written",
            Scope.IMAGE: "the built image: its config and final filesystem",
        }[self]


@dataclass(frozen=True)
class Hit:
    """One place where a rule does not hold; the runner turns it into a `Finding`.

    `fix` and `severity` override the rule's own for this hit (a check whose advice depends on what it found).
    `code` is the id the finding is reported under when a rule relays another tool's codes (ShellCheck's SC2086):
    it can be ignored, silenced and given a severity like a rule id, and so can the relaying rule as a whole.
    """

    line: int | None
    message: str
    column: int | None = None
    fix: str | None = None
    severity: Severity | None = None
    code: str | None = None


@dataclass(frozen=True)
class Example:
    """A docstring example: a Dockerfile that must (`bad`) or must not trigger its rule, and its context files."""

    bad: bool
    dockerfile: str
    context: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    scope: Scope
    fix: str
    refs: Mapping[str, str]
    doc: str
    check: Callable[..., Iterable[Hit]] = field(compare=False)
    enabled_by_default: bool = True
    relays: str = ""

    def reports(self, code: str) -> bool:
        """Whether a finding's rule id comes from this rule: its own id, or a code it relays (SC2086 for DW130)."""
        return code == self.id or (
            bool(self.relays) and code.startswith(self.relays) and code[len(self.relays) :].isdigit()
        )

    @property
    def domain(self) -> str:
        return self.scope.domain

    @property
    def title(self) -> str:
        """The docstring's first line."""
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    def description(self) -> str:
        """What and why: the docstring's prose before its first literal block, without the title."""
        lines = textwrap.dedent("\n".join(self.doc.strip().splitlines()[1:])).strip().splitlines()
        prose: list[str] = []
        for line in lines:
            if line.strip().endswith("::"):
                break
            prose.append(line)
        return "\n".join(prose).strip()

    def limitations(self) -> str:
        return next((body for title, body in _literal_blocks(self.doc) if title == "Known limitations"), "")

    def examples(self) -> tuple[Example, ...]:
        """The ``Anti-pattern::`` / ``Best practice::`` blocks of the docstring, each with the ``Context::`` after it.

        A context line is ``path`` (an empty file), ``path: content`` with ``\\n`` for new lines, or
        ``path: <N bytes>`` for N zero bytes (see `example_bytes`).
        """
        found: list[Example] = []
        for title, body in _literal_blocks(self.doc):
            if title in ("Anti-pattern", "Best practice"):
                found.append(Example(title == "Anti-pattern", body + "\n"))
            elif title == "Context" and found:
                files = tuple(_context_line(line) for line in body.splitlines() if line.strip())
                found[-1] = Example(found[-1].bad, found[-1].dockerfile, files)
        return tuple(found)

    def finding(self, hit: Hit, file: str, severity: Severity | None = None, column: int | None = None) -> Finding:
        """The finding for one hit in `file`; `severity` is the configured one (it beats the hit's own)."""
        return Finding(
            hit.code or self.id,
            severity or hit.severity or self.severity,
            file,
            hit.line,
            hit.column if hit.column is not None else column,
            hit.message,
            hit.fix or self.fix,
            dict(self.refs),
        )

    @classmethod
    def from_module(cls, module: ModuleType) -> Rule:
        try:
            return cls(
                id=module.ID,
                name=module.NAME,
                severity=module.SEVERITY,
                scope=getattr(module, "SCOPE", Scope.FINAL_IMAGE),
                fix=module.FIX,
                refs=dict(getattr(module, "REFS", {})),
                doc=module.__doc__ or "",
                check=module.check,
                enabled_by_default=getattr(module, "ENABLED_BY_DEFAULT", True),
                relays=getattr(module, "RELAYS", ""),
            )
        except AttributeError as exc:
            raise DockwiseError(
                f"rule module {module.__name__} is incomplete ({exc})",
                "define ID, NAME, SEVERITY, FIX and check()",
                exit_code=EXIT_USAGE,
            ) from None


def _literal_blocks(doc: str) -> list[tuple[str, str]]:
    lines = textwrap.dedent(doc).splitlines() if doc else []
    blocks, i = [], 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line.endswith("::"):
            continue
        body: list[str] = []
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
            body.append(lines[i])
            i += 1
        blocks.append((line[:-2].split(" (")[0].strip(), textwrap.dedent("\n".join(body)).strip("\n")))
    return blocks


def _context_line(line: str) -> tuple[str, str]:
    path, sep, content = line.strip().partition(": ")
    if _FILLER.fullmatch(content):
        return path, content
    return path, content.replace("\\n", "\n") + ("\n" if sep else "")


_FILLER = re.compile(r"<(\d{1,9}) bytes>")


def example_bytes(content: str) -> bytes:
    """The bytes of an example's context file: its text, or N zero bytes for the filler `<N bytes>`."""
    filler = _FILLER.fullmatch(content)
    return b"\0" * int(filler.group(1)) if filler else content.encode()


def builtin_rules(domain: str | None = None) -> tuple[Rule, ...]:
    """The built-in rules of one domain, or of both; only their package is imported (inspect needs no lint rule)."""
    rules = []
    for package_name in BUILTIN_PACKAGES if domain is None else [BUILTIN_PACKAGES[DOMAINS.index(domain)]]:
        package = importlib.import_module(package_name)
        names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name[:2] in ("dw", "di"))
        rules += [Rule.from_module(importlib.import_module(f"{package_name}.{name}")) for name in names]
    return tuple(rules)


def plugin_rules() -> tuple[Rule, ...]:
    from importlib.metadata import (
        entry_points,  # only here: it costs a tenth of a lint run's start-up
    )

    rules = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = point.load()
        except Exception as exc:  # a broken plugin is the user's mistake: report it, do not crash
            raise DockwiseError(
                f"cannot load rule plugin {point.name!r}: {exc}", "fix or uninstall the plugin", 2
            ) from None
        rules.append(Rule.from_module(loaded))
    return tuple(rules)


def all_rules(domain: str | None = None) -> tuple[Rule, ...]:
    """Built-in rules then plugins of one domain ("dockerfile", "image") or both, Dockerfile rules first, each by id; a duplicate id is
    an error."""
    rules = builtin_rules(domain) + plugin_rules()
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise DockwiseError(f"two rules use the id {rule.id}", "rename the plugin's rule", exit_code=EXIT_USAGE)
        seen.add(rule.id)
    return tuple(
        sorted(
            (r for r in rules if domain is None or r.domain == domain), key=lambda r: (r.domain != "dockerfile", r.id)
        )
    )


def find_rule(rule_id: str, rules: Sequence[Rule] | None = None) -> Rule:
    wanted = rule_id.strip().upper()
    for rule in rules if rules is not None else all_rules():
        if rule.id == wanted or rule.name == rule_id.strip().lower():
            return rule
    raise DockwiseError(f"no rule {rule_id!r}", "list them with `dockwise rules`", exit_code=EXIT_USAGE)
