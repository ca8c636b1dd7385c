"""The build as BuildKit sees it: stages, the target, ARG/ENV scope per stage, and `${VAR}` expansion.

Rules about the final image ask `Build.target_lineage` (the target stage and the stages it is built `FROM`), so
builder stages that only feed `COPY --from` never produce final-image findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from e2b_dockerfile_utils import ShellLex

from dockwise.core.platform import DEFAULT_PLATFORM
from dockwise.dockerfile.parse import Dockerfile, Instruction

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
class Build:
    """The parsed file, its stages, and which one is built."""

    dockerfile: Dockerfile
    stages: tuple[Stage, ...]
    target: Stage | None
    global_args: Mapping[str, str]
    build_args: Mapping[str, str]
    escape: str = "\\"

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

    def is_windows(self, stage: Stage) -> bool:
        """The stage builds a Windows image: its `--platform` (or its root's) says windows, or the root base is a
        Windows base image (nanoserver, servercore, mcr.microsoft.com/windows) — otherwise it is Linux, the
        platform BuildKit defaults to here."""
        for link in reversed(self.lineage(stage)):
            if link.platform and "$" not in link.platform:
                return link.platform.lower().startswith("windows")
        base = self.external_base(stage).lower()
        return any(hint in base for hint in WINDOWS_BASES)

    def expand(self, word: str, variables: Mapping[str, str]) -> str:
        return expand(word, variables, self.escape)


def expand(word: str, variables: Mapping[str, str], escape: str = "\\", *, unset_empty: bool = False) -> str:
    """Expand `$VAR`, `${VAR:-default}`, `${VAR:+x}`... as BuildKit does; unknown variables stay as written, or
    become empty with `unset_empty` (what BuildKit does to them)."""
    if not any(c in word for c in ("$", "'", '"', escape)):
        return word
    try:
        return ShellLex(escape, env=variables, skip_unset_env=not unset_empty).process_word(word)
    except (ValueError, RecursionError):
        return word


def build_model(dockerfile: Dockerfile, build_args: Mapping[str, str] | None = None, target: str | None = None) -> Build:
    """Stages and scopes of `dockerfile`. `target` None means the last stage; an unknown name raises KeyError."""
    build_args = dict(build_args or {})
    escape = dockerfile.escape
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    current: dict | None = None
    for instruction in dockerfile.instructions:
        if instruction.keyword == "FROM":
            if current is not None:
                stages.append(_finish(current))
            current = _start_stage(instruction, len(stages), stages, global_args, escape)
        elif current is None:
            if instruction.keyword == "ARG":
                for name, default in _arg_pairs(instruction):
                    value = build_args.get(name, expand(default, {**PREDEFINED_ARGS, **global_args}, escape) if default is not None else None)
                    if value is not None:
                        global_args[name] = value
        else:
            _step(current, instruction, build_args, global_args, escape)
    if current is not None:
        stages.append(_finish(current))
    chosen = None
    if stages:
        if target is None:
            chosen = stages[-1]
        else:
            matches = [s for s in stages if s.name == target.lower()]
            if not matches:
                raise KeyError(target)
            chosen = matches[0]
    return Build(
        dockerfile=dockerfile,
        stages=tuple(stages),
        target=chosen,
        global_args=MappingProxyType(global_args),
        build_args=MappingProxyType(build_args),
        escape=escape,
    )


def _expand_image(word: str, variables: Mapping[str, str], escape: str) -> str:
    """Expand a FROM reference; unset variables count as empty (as in BuildKit) when that still leaves a
    well-formed reference, and stay as written otherwise, so that rules can tell the base is unknown."""
    kept = expand(word, variables, escape)
    if "$" not in kept:
        return kept
    try:
        emptied = ShellLex(escape, env=variables, skip_unset_env=False).process_word(word)
    except (ValueError, RecursionError):
        return kept
    if emptied and not emptied.endswith((":", "@", "/")) and not emptied.startswith((":", "@", "/")) and "//" not in emptied:
        return emptied
    return kept


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


def _start_stage(instruction: Instruction, index: int, stages: list[Stage], global_args: dict[str, str], escape: str) -> dict:
    args = list(instruction.args)
    name = args[2].lower() if len(args) >= 3 and args[1].lower() == "as" else None
    base = _expand_image(args[0], {**PREDEFINED_ARGS, **global_args}, escape) if args else ""
    parent = next((s.index for s in stages if s.name and s.name == base.lower()), None)
    env: dict[str, str] = {}
    workdir = user = None
    shell: tuple[str, ...] = ()
    if parent is not None:
        env = dict(stages[parent].env)
        workdir, user = stages[parent].workdir, stages[parent].user
        shell = stages[parent].shell
    platform = instruction.flag("platform")
    return {
        "platform": _expand_image(platform, {**PREDEFINED_ARGS, **global_args}, escape) if platform else None,
        "shell": shell,
        "index": index,
        "name": name,
        "from": instruction,
        "base": base,
        "parent": parent,
        "steps": [],
        "args": {},
        "env": env,
        "workdir": workdir,
        "user": user,
    }


def _step(current: dict, instruction: Instruction, build_args: Mapping[str, str], global_args: Mapping[str, str], escape: str) -> None:
    variables = {**current["args"], **current["env"]}
    current["steps"].append(
        Step(
            instruction=instruction,
            variables=MappingProxyType(variables),
            env=MappingProxyType(dict(current["env"])),
            workdir=current["workdir"],
            user=current["user"],
            shell=current["shell"],
        )
    )
    keyword = instruction.keyword
    if keyword == "ARG":
        for name, default in _arg_pairs(instruction):
            if name in build_args:
                current["args"][name] = build_args[name]
            elif default is not None:
                current["args"][name] = expand(default, variables, escape)
            elif name in global_args:
                current["args"][name] = global_args[name]
            elif name in PREDEFINED_ARGS:
                current["args"][name] = PREDEFINED_ARGS[name]
    elif keyword == "ENV":
        args = instruction.args
        for i in range(0, len(args) - 2, 3):
            # Every value of one ENV line sees the scope from before that line (DL3044).
            current["env"][args[i]] = expand(args[i + 1], variables, escape)
    elif keyword == "WORKDIR" and instruction.args:
        path = expand(instruction.args[0], variables, escape)
        base = current["workdir"] or "/"
        current["workdir"] = path if path.startswith("/") else base.rstrip("/") + "/" + path
    elif keyword == "USER" and instruction.args:
        current["user"] = expand(instruction.args[0], variables, escape)
    elif keyword == "SHELL" and instruction.json and instruction.args:
        current["shell"] = tuple(instruction.args)


def _finish(current: dict) -> Stage:
    return Stage(
        index=current["index"],
        name=current["name"],
        from_instruction=current["from"],
        base=current["base"],
        parent=current["parent"],
        steps=tuple(current["steps"]),
        env=MappingProxyType(dict(current["env"])),
        workdir=current["workdir"],
        user=current["user"],
        platform=current["platform"],
        shell=current["shell"],
    )
