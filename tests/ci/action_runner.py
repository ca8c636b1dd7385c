"""Runs a composite action's steps here, as a GitHub runner would for the parts this action uses: inputs with their
defaults, `if:` conditions of the forms `inputs.NAME == 'value'` / `!=`, `${{ inputs.* }}`, `${{ github.* }}` and
`${{ steps.ID.outputs.* }}` expressions, each `run:` step in `bash --noprofile --norc -eo pipefail` (the runner's
`shell: bash`) with GITHUB_OUTPUT and GITHUB_PATH files, and the first failing step ending the job. `uses:` steps
are recorded, not run (they are other actions)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
_CONDITION = re.compile(r"^inputs\.([\w-]+)\s*(==|!=)\s*'([^']*)'$")


@dataclass
class Job:
    steps_run: list[str] = field(default_factory=list)
    steps_skipped: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    failed: str | None = None
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    action_outputs: dict[str, str] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)


def run_action(action_file: Path, inputs: dict[str, str], *, workdir: Path, env: dict[str, str]) -> Job:
    action = yaml.safe_load(action_file.read_text())
    unknown = set(inputs) - set(action["inputs"])
    assert not unknown, f"inputs the action does not declare: {unknown}"
    values = {name: inputs.get(name, str(spec.get("default", ""))) for name, spec in action["inputs"].items()}
    job = Job()
    context = {"github.action_path": str(action_file.parent), "github.workspace": str(workdir)}

    def evaluate(text: str) -> str:
        def one(match: re.Match) -> str:
            expression = match.group(1)
            if expression.startswith("inputs."):
                return values[expression[len("inputs.") :]]
            if expression.startswith("steps."):
                step_id, _, name = expression[len("steps.") :].partition(".outputs.")
                return job.outputs.get(step_id, {}).get(name, "")
            return context[expression]

        return _EXPRESSION.sub(one, text)

    runner_temp = workdir / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    for number, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {number}")
        condition = step.get("if")
        if condition is not None:
            match = _CONDITION.match(condition.strip())
            assert match, f"condition this runner does not evaluate: {condition!r}"
            holds = (values[match.group(1)] == match.group(3)) == (match.group(2) == "==")
            if not holds:
                job.steps_skipped.append(name)
                continue
        if "uses" in step:
            job.uses.append(step["uses"])
            continue
        assert step["shell"] == "bash", step
        output_file, path_file = runner_temp / f"output-{number}", runner_temp / f"path-{number}"
        output_file.write_text("")
        path_file.write_text("")
        script = runner_temp / f"step-{number}.sh"
        script.write_text(step["run"])
        step_env = {
            **env,
            **{key: evaluate(str(value)) for key, value in (step.get("env") or {}).items()},
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_PATH": str(path_file),
            "RUNNER_TEMP": str(runner_temp),
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workdir,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        job.steps_run.append(name)
        job.logs[name] = done.stdout + done.stderr
        if "id" in step:
            job.outputs[step["id"]] = dict(
                line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
            )
        added = [line for line in path_file.read_text().splitlines() if line]
        if added:
            env = {**env, "PATH": os.pathsep.join([*added, env.get("PATH", "")])}
        if done.returncode != 0:
            job.failed = name
            break
    if job.failed is None:
        job.action_outputs = {name: evaluate(str(spec["value"])) for name, spec in action["outputs"].items()}
    return job
