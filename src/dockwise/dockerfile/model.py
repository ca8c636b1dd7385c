"""The build as BuildKit sees it: stages, the target, ARG/ENV scope per stage, and `${VAR}` expansion.

Rules about the final image ask `Build.target_lineage` (the target stage and the stages it is built `FROM`), so
builder stages that only feed `COPY --from` never produce final-image findings.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from dockwise.core.platform import DEFAULT_PLATFORM
from dockwise.dockerfile.expansion import MAX_VALUE, Expander, ExpansionTooLong
from dockwise.dockerfile.parse import Dockerfile, Instruction
from dockwise.dockerfile.scope import Scope

# Args BuildKit defines without an ARG (docs.docker.com/build/building/variables/#pre-defined-build-arguments).
PREDEFINED_ARGS = MappingProxyType(
    {
        "TARGETPLATFORM": str(DEFAULT_PLATFORM),
        "TARGETOS": DEFAULT_PLATFORM.os,
        "TARGETARCH": DEFAULT_PLATFORM.architecture,
        "TARGETVARIANT": "",
        "BUILDPLATFORM": str(DEFAULT_PLATFORM),
        "BUILDOS": DEFAULT_PLATFORM.os,
        "BUILDARCH": DEFAULT_PLATFORM.architecture,
        "BUILDVARIANT": "",
    }
)
MAX_PATH = 4096
"""Linux's PATH_MAX: a longer WORKDIR cannot be created (DW136)."""


WINDOWS_BASES = ("mcr.microsoft.com/windows", "nanoserver", "servercore", "windows/")


@dataclass(frozen=True)
class Step:
    """An instruction with the scope in force when it runs: variables (ARG and ENV), WORKDIR, USER."""

    instruction: Instruction
    variables: Mapping[str, str]
    env: Mapping[str, str]
    workdir: str | None
    user: str | None
    shell: tuple[str, ...] = ()  # the SHELL in force (its JSON argv); empty means the default /bin/sh -c

    @property
    def run(self) -> Instruction | None:
        """The RUN this step executes: its own, or the one an ONBUILD defers to every image built FROM this one
        (what it leaves behind lands in those images, so the same rules apply; hadolint checks them too)."""
        instruction = self.instruction
        if instruction.keyword == "ONBUILD" and instruction.onbuild is not None:
            instruction = instruction.onbuild
        return instruction if instruction.keyword == "RUN" else None

    @property
    def deferred(self) -> bool:
        """An ONBUILD step: it runs in the images built FROM this one, not in this build."""
        return self.instruction.keyword == "ONBUILD"


@dataclass(frozen=True)
class Stage:
    """One `FROM` and its instructions. `parent` is the index of the stage it is built on, if any."""

    index: int
    name: str | None
    from_instruction: Instruction
    base: str
    parent: int | None
    steps: tuple[Step, ...]
    env: Mapping[str, str]
    workdir: str | None
    user: str | None
    platform: str | None = None  # `FROM --platform=...`, expanded
    shell: tuple[str, ...] = ()  # the SHELL in force at the end of the stage (children inherit it)

    @property
    def label(self) -> str:
        return self.name or str(self.index)

    @property
    def resolved(self) -> bool:
        """False when the base still holds a variable that no ARG default or --build-arg gave a value."""
        return "$" not in self.base

    @property
    def is_scratch(self) -> bool:
        return self.base.lower() == "scratch"


@dataclass(frozen=True)
class Overflow:
    """A value the build could not use: an ARG/ENV past MAX_VALUE, a WORKDIR past MAX_PATH."""

    line: int
    message: str


@dataclass(frozen=True)
class Build:
    """The parsed file, its stages, and which one is built."""

    dockerfile: Dockerfile
    stages: tuple[Stage, ...]
    target: Stage | None
    global_args: Mapping[str, str]
    build_args: Mapping[str, str]
    escape: str = "\\"
    overflows: tuple[Overflow, ...] = ()  # values too long to use, for DW136
    # The mutable parts: what this lint run may still expand, shared by the model and every rule, and facts about the
    # build that many rules ask for, computed once (`dockwise.dockerfile.queries`).
    expander: Expander = field(default_factory=Expander, compare=False, repr=False)
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def lineage(self, stage: Stage) -> tuple[Stage, ...]:
        """`stage` and the stages it is built `FROM`, root first."""
        chain = [stage]
        while chain[-1].parent is not None and len(chain) <= len(self.stages):
            chain.append(self.stages[chain[-1].parent])
        return tuple(reversed(chain))

    @property
    def target_lineage(self) -> tuple[Stage, ...]:
        return self.lineage(self.target) if self.target else ()

    def target_steps(self) -> tuple[Step, ...]:
        """Every step whose result is in the final image, in build order."""
        return tuple(step for stage in self.target_lineage for step in stage.steps)

    def external_base(self, stage: Stage) -> str:
        """The image reference at the root of `stage`'s lineage."""
        return self.lineage(stage)[0].base

    def stage_named(self, name: str) -> Stage | None:
        """The first stage called `name` (case-insensitive, as BuildKit compares them), by index: 10,000 stages."""
        return self._named.get(name.lower())

    @cached_property
    def _named(self) -> dict[str, Stage]:
        named: dict[str, Stage] = {}
        for stage in self.stages:
            if stage.name:
                named.setdefault(stage.name, stage)
        return named

    def is_windows(self, stage: Stage) -> bool:
        """The stage builds a Windows image: its `--platform` (or its root's) says windows, or the root base is a
        Windows base image (nanoserver, servercore, mcr.microsoft.com/windows) — otherwise it is Linux, the
        platform BuildKit defaults to here."""
        for link in reversed(self.lineage(stage)):
            if link.platform and "$" not in link.platform:
                return link.platform.lower().startswith("windows")
        base = self.external_base(stage).lower()
        return any(hint in base for hint in WINDOWS_BASES)

    def expand(self, word: str, variables: Mapping[str, str], *, unset_empty: bool = False) -> str:
        """`word` expanded in `variables` as BuildKit does (see `dockwise.dockerfile.expansion` for the bounds);
        unknown variables stay as written, or become empty with `unset_empty` (what BuildKit does to them)."""
        return self.expander.expand(word, variables, unset_empty=unset_empty)


def with_predefined(variables: Mapping[str, str]) -> Mapping[str, str]:
    """`variables` over BuildKit's predefined args, without copying either (a scope may hold 20,000 names)."""
    return ChainMap(variables, PREDEFINED_ARGS)  # type: ignore[arg-type]


def build_model(
    dockerfile: Dockerfile, build_args: Mapping[str, str] | None = None, target: str | None = None
) -> Build:
    """Stages and scopes of `dockerfile`. `target` None means the last stage; an unknown name raises KeyError."""
    builder = _Builder(dict(build_args or {}), dockerfile.escape)
    for instruction in dockerfile.instructions:
        builder.add(instruction)
    stages = builder.finish()
    chosen = None
    if stages:
        if target is None:
            chosen = stages[-1]
        else:
            chosen = next((s for s in stages if s.name == target.lower()), None)
            if chosen is None:
                raise KeyError(target)
    return Build(
        dockerfile=dockerfile,
        stages=stages,
        target=chosen,
        global_args=MappingProxyType(builder.global_args),
        build_args=MappingProxyType(builder.build_args),
        escape=dockerfile.escape,
        overflows=tuple(builder.overflows),
        expander=builder.expander,
    )


class _Builder:
    """Walks the instructions once, keeping each stage's scope as a persistent `Scope` (no copies)."""

    def __init__(self, build_args: dict[str, str], escape: str) -> None:
        self.build_args, self.escape = build_args, escape
        self.expander = Expander(escape)
        self.global_args: dict[str, str] = {}
        self.global_scope = Scope.of(PREDEFINED_ARGS)
        self.stages: list[Stage] = []
        self.named: dict[str, int] = {}
        self.overflows: list[Overflow] = []
        self.current: dict | None = None

    def add(self, instruction: Instruction) -> None:
        if instruction.keyword == "FROM":
            self._finish_stage()
            self.current = self._start_stage(instruction)
        elif self.current is None:
            if instruction.keyword == "ARG":
                for name, default in _arg_pairs(instruction):
                    value = self.build_args.get(name)
                    if value is None and default is not None:
                        value = self._value(instruction, name, default, self.global_scope)
                    if value is not None:
                        self.global_args[name] = value
                        self.global_scope = self.global_scope.set(name, value)
        else:
            self._step(instruction)

    def finish(self) -> tuple[Stage, ...]:
        self._finish_stage()
        return tuple(self.stages)

    def _value(self, instruction: Instruction, name: str, word: str, variables: Mapping[str, str]) -> str:
        """`word` expanded, or as written when it would be too long or the run's expansion budget is spent."""
        exhausted = self.expander.exhausted
        try:
            value = self.expander.bounded(word, variables)
        except ExpansionTooLong:
            self.overflows.append(
                Overflow(instruction.line, f"{name} expands past {MAX_VALUE} characters: no build can use it")
            )
            return word
        if self.expander.exhausted and not exhausted:
            self.overflows.append(
                Overflow(
                    instruction.line,
                    f"{name}: the expansions of this Dockerfile pass what one "
                    "lint run expands; from here on words stay unexpanded",
                )
            )
        return value

    def _image(self, word: str) -> str:
        """A FROM reference expanded; unset variables count as empty (as in BuildKit) when that still leaves a
        well-formed reference, and stay as written otherwise, so that rules can tell the base is unknown."""
        kept = self.expander.expand(word, self.global_scope)
        if "$" not in kept:
            return kept
        try:
            emptied = self.expander.bounded(word, self.global_scope, unset_empty=True)
        except ExpansionTooLong:
            return kept
        if (
            emptied
            and not emptied.endswith((":", "@", "/"))
            and not emptied.startswith((":", "@", "/"))
            and "//" not in emptied
        ):
            return emptied
        return kept

    def _start_stage(self, instruction: Instruction) -> dict:
        args = list(instruction.args)
        name = args[2].lower() if len(args) >= 3 and args[1].lower() == "as" else None
        base = self._image(args[0]) if args else ""
        parent = self.named.get(base.lower())
        env, workdir, user = Scope(), None, None
        if parent is not None:
            inherited = self.stages[parent]
            env, workdir, user = inherited.env, inherited.workdir, inherited.user  # type: ignore[assignment]
        shell = self.stages[parent].shell if parent is not None else ()
        platform = instruction.flag("platform")
        return {
            "index": len(self.stages),
            "name": name,
            "from": instruction,
            "base": base,
            "parent": parent,
            "steps": [],
            "variables": env,
            "env": env,
            "workdir": workdir,
            "user": user,
            "path_overflow": False,
            "shell": shell,
            "platform": self._image(platform) if platform else None,
        }

    def _finish_stage(self) -> None:
        current = self.current
        if current is None:
            return
        stage = Stage(
            index=current["index"],
            name=current["name"],
            from_instruction=current["from"],
            base=current["base"],
            parent=current["parent"],
            steps=tuple(current["steps"]),
            env=current["env"],
            workdir=current["workdir"],
            user=current["user"],
            platform=current["platform"],
            shell=current["shell"],
        )
        self.stages.append(stage)
        if stage.name is not None:
            self.named.setdefault(stage.name, stage.index)  # FROM <name> means the first stage of that name
        self.current = None

    def _step(self, instruction: Instruction) -> None:
        current = self.current
        assert current is not None
        variables, env = current["variables"], current["env"]
        current["steps"].append(
            Step(instruction, variables, env, current["workdir"], current["user"], current["shell"])
        )
        keyword = instruction.keyword
        # Every value of one ARG or ENV line sees the scope from before that line (DL3044); ENV beats ARG.
        if keyword == "ARG":
            for name, default in _arg_pairs(instruction):
                value = self.build_args.get(name)
                if value is None and default is not None:
                    value = self._value(instruction, name, default, variables)
                if value is None:
                    value = self.global_args.get(name, PREDEFINED_ARGS.get(name))
                if value is not None and name not in env:
                    current["variables"] = current["variables"].set(name, value)
        elif keyword == "ENV":
            args = instruction.args
            for i in range(0, len(args) - 2, 3):
                value = self._value(instruction, args[i], args[i + 1], variables)
                current["env"] = current["env"].set(args[i], value)
                current["variables"] = current["variables"].set(args[i], value)
        elif keyword == "WORKDIR" and instruction.args:
            path = self.expander.expand(instruction.args[0], variables)
            base = current["workdir"] or "/"
            path = path if path.startswith("/") else base.rstrip("/") + "/" + path
            if len(path) > MAX_PATH:
                if not current["path_overflow"]:  # once per stage: every later relative WORKDIR is too long too
                    current["path_overflow"] = True
                    self.overflows.append(
                        Overflow(
                            instruction.line, f"WORKDIR is longer than {MAX_PATH} characters: it cannot be created"
                        )
                    )
            else:
                current["workdir"] = path
        elif keyword == "USER" and instruction.args:
            current["user"] = self.expander.expand(instruction.args[0], variables)
        elif keyword == "SHELL" and instruction.json and instruction.args:
            current["shell"] = tuple(instruction.args)


def _arg_pairs(instruction: Instruction) -> list[tuple[str, str | None]]:
    pairs = []
    for word in instruction.args:
        name, sep, default = word.partition("=")
        pairs.append((name, _unquote(default) if sep else None))
    return pairs


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
