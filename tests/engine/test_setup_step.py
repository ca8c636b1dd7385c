"""The setup step an image declares, read from its labels (hermetic): only a JSON list of words and a known scope;
and the one-shot container that runs it, as created (a recording stand-in for the engine)."""

from __future__ import annotations

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.engine.setup_run import StepWrapper, run_setup_once, setup_step
from dockwise.service import labels


def test_no_label_no_step():
    assert setup_step("app:1", {labels.DATA: "/data"}) is None


def test_the_step_and_its_scope():
    found = setup_step("app:1", {labels.SETUP: '["flask", "--app", "flaskr", "init-db"]', labels.SETUP_SCOPE: "volume"})
    assert found == (("flask", "--app", "flaskr", "init-db"), "volume")
    assert setup_step("app:1", {labels.SETUP: '["python", "manage.py", "migrate"]'}) == (
        ("python", "manage.py", "migrate"),
        "release",
    )


@pytest.mark.parametrize(
    "image_labels",
    [
        {labels.SETUP: "flask init-db"},  # shell form: nothing here runs a shell
        {labels.SETUP: "[]"},
        {labels.SETUP: '["flask", 3]'},
        {labels.SETUP: '["", "init-db"]'},  # no program
        {labels.SETUP: '{"argv": ["flask"]}'},
        {labels.SETUP: '["flask"]', labels.SETUP_SCOPE: "always"},
    ],
)
def test_anything_else_is_refused_naming_the_label(image_labels):
    with pytest.raises(DockwiseError) as caught:
        setup_step("app:1", image_labels)
    assert caught.value.exit_code == 2 and "app:1" in caught.value.cause and "dockwise.setup" in caught.value.cause


class _Container:
    def start(self) -> None:
        pass

    def wait(self, timeout: float) -> dict:
        return {"StatusCode": 0}

    def remove(self, force: bool) -> None:
        pass


class _Engine:
    """Records what `containers.create` was asked for."""

    def __init__(self) -> None:
        self.created: list[dict] = []
        self.containers = self

    def create(self, image: str, **options) -> _Container:
        self.created.append(options)
        return _Container()


def test_a_wrapped_step_runs_under_the_wrapper_with_its_own_mounts_alone():
    """slim's strace wraps the step, not the setup-once runner around it (whose walk over every distribution would
    be traced as the step's needs); the one-shot gets the wrapper's mounts beside the data volume and not the
    service's environment (its audit hook would load in the runner)."""
    engine = _Engine()
    data = {"data-volume": {"bind": "/data", "mode": "rw"}}
    trace = {"trace-out": {"bind": "/.dockwise-trace", "mode": "rw"}}
    wrapper = StepWrapper(("/strace", "-o", "/.dockwise-trace/strace", "--"), trace)
    service = {"volumes": data, "environment": {"PYTHONPATH": "/.dockwise-python"}, "read_only": True}
    run_setup_once(
        engine,
        "app:1",
        ("python", "manage.py", "migrate"),
        "release",
        labels={},
        data_path="/data",
        options=service,
        wrapper=wrapper,
    )
    [created] = engine.created
    argv = [*created["entrypoint"], *created["command"]]
    assert argv[:2] == ["/opt/venv/bin/python", "-c"]  # the runner, unwrapped
    assert argv[argv.index("--") + 1 :] == [
        "/strace",
        "-o",
        "/.dockwise-trace/strace",
        "--",
        "python",
        "manage.py",
        "migrate",
    ]
    assert created["volumes"] == {**data, **trace} and created["environment"] == {} and created["read_only"]

    run_setup_once(
        engine, "app:1", ("python", "manage.py", "migrate"), "release", labels={}, data_path="/data", options=service
    )
    unwrapped = engine.created[1]
    assert [*unwrapped["entrypoint"], *unwrapped["command"]][-3:] == ["python", "manage.py", "migrate"]
    assert "/strace" not in unwrapped["command"] and unwrapped["volumes"] == data
