"""A failed pip step is said in one line with the way out, from the messages pip itself prints (the log lines
below are pip's, as a real build step printed them)."""

from __future__ import annotations

import pytest

from dockwise.engine.buildkit import parse_failure
from dockwise.engine.pip_failures import pip_cause


@pytest.mark.parametrize(
    ("output", "cause", "fix"),
    [
        (
            [
                "  Building wheel for uvloop (pyproject.toml): finished with status 'error'",
                "  ERROR: Failed building wheel for uvloop",
            ],
            "pip could not build uvloop from source",
            "pin a release of uvloop",
        ),
        (
            ["ERROR: Failed to build installable wheels for some pyproject.toml based projects (greenlet)"],
            "pip could not build greenlet from source (no wheel for this Python",
            "or build on a Python other than this one: dockwise init --force --python VERSION",
        ),
        (
            [
                "  Running setup.py install for greenlet: finished with status 'error'",
                "  error: subprocess-exited-with-error",
                "      x86_64-linux-gnu-gcc -fPIC -I/opt/venv/include -I/usr/include/python3.11 -c src/greenlet/greenlet.c",
                "error: legacy-install-failure",
            ],
            "pip could not build greenlet from source (no wheel for Python 3.11",
            "a Python other than 3.11",
        ),
        (
            [
                "error: legacy-install-failure",
                "",
                "× Encountered error while trying to install package.",
                "╰─> asyncpg",
                "      building 'asyncpg.protocol' into build/lib.linux-x86_64-cpython-313",
            ],
            "pip could not build asyncpg from source (no wheel for Python 3.13",
            "pin a release of asyncpg",
        ),
        (
            ["ERROR: No matching distribution found for tensorflow==1.15.0"],
            "no release of tensorflow==1.15.0",
            "check the name and version",
        ),
        (
            ["ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE."],
            "does not match the hash",
            "lock the dependencies again",
        ),
        (
            [
                "ERROR: Cannot install uvicorn==0.30.6 and uvicorn==0.54.0 because these package versions have conflicting dependencies."
            ],
            "conflicting requirements",
            "make the pins agree",
        ),
    ],
    ids=["build-wheel", "build-installable", "setup-py-install", "legacy-install", "not-found", "hashes", "conflict"],
)
def test_each_pip_failure_names_its_cause_and_fix(output, cause, fix):
    found = pip_cause(output)
    assert found is not None and cause in found.cause and fix in found.fix


def test_a_step_that_is_not_pip_has_no_pip_cause():
    assert pip_cause(["/bin/sh: 1: gcc: not found", "make: *** [all] Error 127"]) is None


def test_the_failed_steps_own_output_is_read():
    lines = [
        "#9 [builder 4/8] RUN /opt/venv/bin/pip install -r /tmp/requirements.txt",
        "#9 12.3 ERROR: Failed building wheel for psycopg2",
        "#9 ERROR: executor failed running [/bin/sh -c pip install]: exit code: 1",
        "#10 [other 1/1] RUN echo Failed building wheel for decoy",
    ]
    failure = parse_failure(lines)
    assert failure.pip is not None and "psycopg2" in failure.pip.cause
