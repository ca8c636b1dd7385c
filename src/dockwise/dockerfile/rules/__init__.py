"""Dockerfile rules: one module each (`dwNNN_name.py`, the contract is `dockwise.core.rules`), and the vocabulary
they share: the `Subject` a rule looks at, the steps its scope lets it see, and the COPY/ADD that read the context.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dockwise.core.rules import Scope
from dockwise.dockerfile.context import BuildContext
from dockwise.dockerfile.model import Build, Stage, Step
from dockwise.dockerfile.parse import Instruction


@dataclass(frozen=True)
class Subject:
    """What a rule looks at: the build model and, when known, the build context."""

    build: Build
    context: BuildContext | None
    path: str


def stages(subject: Subject, scope: Scope) -> tuple[Stage, ...]:
    """The stages a rule of `scope` sees: the target's lineage for the final image, else every stage."""
    return subject.build.target_lineage if scope is Scope.FINAL_IMAGE else subject.build.stages


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


def context_copies(subject: Subject) -> Iterator[ContextCopy]:
    """Every COPY/ADD in the target stage and the stages it inherits from that reads the build context (not
    `--from`, not a heredoc), in order."""
    build = subject.build
    for step in steps(subject, Scope.FINAL_IMAGE):
        instruction = step.instruction
        if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None or instruction.heredocs:
            continue
        yield ContextCopy(instruction, tuple(build.expand(s, step.variables) for s in instruction.args[:-1]))
