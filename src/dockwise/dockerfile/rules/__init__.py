"""Dockerfile rules: one module each (`dwNNN_name.py`, the contract is `dockwise.core.rules`), and the vocabulary
they share: the `Subject` a rule looks at, the steps its scope lets it see, and the COPY/ADD that read the context.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dockwise.core.config import Settings
from dockwise.core.rules import Scope
from dockwise.dockerfile.context import BuildContext
from dockwise.dockerfile.model import Build, Stage, Step
from dockwise.dockerfile.parse import Instruction
from dockwise.dockerfile.queries import production_target

if TYPE_CHECKING:
    from dockwise.dockerfile.shellcheck import ShellcheckResults


@dataclass(frozen=True)
class Subject:
    """What a rule looks at: the build model, when known the build context, and the settings in force (the
    policies some rules follow, e.g. what must be pinned). `shellcheck` holds ShellCheck's comments on this file's
    RUN scripts when the run already collected them for many files at once (see `dockwise.dockerfile.shellcheck`)."""

    build: Build
    context: BuildContext | None
    path: str
    settings: Settings = field(default_factory=Settings)
    shellcheck: ShellcheckResults | None = None


def stages(subject: Subject, scope: Scope) -> tuple[Stage, ...]:
    """The stages a rule of `scope` sees: the target's lineage for the final image, else every stage. A target that
    is not a production image (`production_target`: a development stage, an output-only `FROM scratch` stage, a CI
    check stage) has no final-image findings: production practice is not its point."""
    if scope is not Scope.FINAL_IMAGE:
        return subject.build.stages
    return subject.build.target_lineage if production_target(subject.build) is not None else ()


def steps(subject: Subject, scope: Scope) -> Iterator[Step]:
    """Every step a rule of `scope` sees, in build order. A rule about RUN asks `step.run`, which is also the RUN an
    ONBUILD defers, so no rule has to opt in to ONBUILD."""
    for stage in stages(subject, scope):
        yield from stage.steps


@dataclass(frozen=True)
class ContextCopy:
    """A COPY/ADD of the target's lineage that reads the build context, with its sources expanded."""

    instruction: Instruction
    sources: tuple[str, ...]

    def files(self, context: BuildContext) -> list[str]:
        """The context files it really sends, after .dockerignore."""
        return [path for source in self.sources for path in context.select(source)]


def context_copies(subject: Subject, scope: Scope = Scope.FINAL_IMAGE) -> Iterator[ContextCopy]:
    """Every COPY/ADD of the stages `scope` sees (by default the target stage and the stages it inherits from)
    that reads the build context (not `--from`, not a heredoc), in order."""
    build = subject.build
    for step in steps(subject, scope):
        instruction = step.instruction
        if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None or instruction.heredocs:
            continue
        yield ContextCopy(instruction, tuple(build.expand(s, step.variables) for s in instruction.args[:-1]))
