"""Rules: one module each (`dwNNN_name.py`), plus plugins from the `dockwise.rules` entry-point group.

A rule module holds a docstring (what and why, an ``Anti-pattern::`` and a ``Best practice::`` Dockerfile that the
test suite runs, and optionally a ``Context::`` block listing build-context files), and:

- ``ID`` (``"DW005"``), ``NAME`` (``"pip-no-cache"``), ``SEVERITY`` (a `Severity`), ``FIX`` (one line),
  ``REFS`` (``{"hadolint": "DL3042", "buildkit": ..., "cis": "4.x"}``, only the ones that exist);
- ``check(subject: Subject) -> Iterable[Hit]``.

A plugin is a module with the same attributes, named by an entry point, e.g. in its pyproject.toml::

    [project.entry-points."dockwise.rules"]
    ACME001 = "acme_rules.no_alpine"
"""

from __future__ import annotations

import importlib
import pkgutil
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Mapping

from dockwise.dockerfile.context import BuildContext
from dockwise.dockerfile.model import Build
from dockwise.dockerfile.parse import Instruction
from dockwise.core.errors import DockwiseError
from dockwise.core.findings import Severity

ENTRY_POINT_GROUP = "dockwise.rules"


@dataclass(frozen=True)
class Subject:
    """What a rule looks at: the build model and, when known, the build context."""

    build: Build
    context: BuildContext | None
    path: str


@dataclass(frozen=True)
class ContextCopy:
    """A COPY/ADD of the target's lineage that reads the build context, with its sources expanded."""

    instruction: Instruction
    sources: tuple[str, ...]

    def files(self, context: BuildContext) -> list[str]:
        """The context files it really sends, after .dockerignore."""
        return [path for source in self.sources for path in context.select(source)]


def context_copies(subject: Subject) -> Iterator[ContextCopy]:
    """Every COPY/ADD in the target stage and the stages it inherits from that reads the build context (not
    `--from`, not a heredoc), in order."""
    build = subject.build
    for stage in build.target_lineage:
        for step in stage.steps:
            instruction = step.instruction
            if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None or instruction.heredocs:
                continue
            yield ContextCopy(instruction, tuple(build.expand(s, step.variables) for s in instruction.args[:-1]))


@dataclass(frozen=True)
class Hit:
    """One place where a rule does not hold; the lint run turns it into a `Finding`."""

    line: int | None
    message: str
    column: int | None = None


@dataclass(frozen=True)
class Example:
    """A docstring example: a Dockerfile that must (`bad`) or must not trigger its rule, and context files."""

    bad: bool
    dockerfile: str
    context: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    fix: str
    refs: Mapping[str, str]
    doc: str
    check: Callable[[Subject], Iterable[Hit]] = field(compare=False)

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else self.name

    def examples(self) -> tuple[Example, ...]:
        """The ``Anti-pattern::`` / ``Best practice::`` blocks of the docstring, each with the ``Context::`` after it.

        A context line is ``path`` (an empty file) or ``path: content`` with ``\\n`` for new lines.
        """
        found: list[Example] = []
        for title, body in _literal_blocks(self.doc):
            if title in ("Anti-pattern", "Best practice"):
                found.append(Example(title == "Anti-pattern", body + "\n"))
            elif title == "Context" and found:
                files = tuple(_context_line(line) for line in body.splitlines() if line.strip())
                found[-1] = Example(found[-1].bad, found[-1].dockerfile, files)
        return tuple(found)

    @classmethod
    def from_module(cls, module: ModuleType) -> "Rule":
        try:
            return cls(
                id=module.ID,
                name=module.NAME,
                severity=module.SEVERITY,
                fix=module.FIX,
                refs=dict(getattr(module, "REFS", {})),
                doc=module.__doc__ or "",
                check=module.check,
            )
        except AttributeError as exc:
            raise DockwiseError(
                f"rule module {module.__name__} is incomplete ({exc})",
                "define ID, NAME, SEVERITY, FIX and check()",
                exit_code=2,
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
    return path, content.replace("\\n", "\n") + ("\n" if sep else "")


def builtin_rules() -> tuple[Rule, ...]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("dw"))
    return tuple(Rule.from_module(importlib.import_module(f"{__name__}.{name}")) for name in names)


def plugin_rules() -> tuple[Rule, ...]:
    rules = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = point.load()
        except Exception as exc:  # a broken plugin is the user's mistake: report it, do not crash
            raise DockwiseError(f"cannot load rule plugin {point.name!r}: {exc}", "fix or uninstall the plugin", 2) from None
        rules.append(Rule.from_module(loaded))
    return tuple(rules)


def all_rules() -> tuple[Rule, ...]:
    """Built-in rules then plugins, sorted by id; a duplicate id is an error."""
    rules = builtin_rules() + plugin_rules()
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise DockwiseError(f"two rules use the id {rule.id}", "rename the plugin's rule", exit_code=2)
        seen.add(rule.id)
    return tuple(sorted(rules, key=lambda r: r.id))
