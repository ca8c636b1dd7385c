"""The setup-once runner, run with the host's Python on temporary folders standing in for /data, /app and /opt/venv:
a marker per step in the data volume decides whether the step runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockwise.service.setup_once import EXIT_NO_VOLUME, MARKER_DIR, once_command

# The step under test: counts its runs in a file beside the data volume (so the count survives the volume's loss),
# writes a table file into the volume, and fails when asked to.
STEP_SCRIPT = """\
import pathlib, sys
runs = pathlib.Path(sys.argv[1])
runs.write_text(str(int(runs.read_text() or 0) + 1) if runs.exists() else '1')
if sys.argv[3] == 'fail':
    sys.exit(3)
pathlib.Path(sys.argv[2], 'table').write_text('fresh')
"""


class Folders:
    def __init__(self, root: Path):
        self.data = root / "data"
        self.app = root / "app"
        self.venv = root / "venv"
        self.runs = root / "runs"
        for folder in (self.data, self.app, self.venv / "lib" / "site-packages" / "flask-3.1.dist-info"):
            folder.mkdir(parents=True)
        (self.app / "app.py").write_text("print('v1')\n")
        (self.venv / "lib" / "site-packages" / "flask-3.1.dist-info" / "RECORD").write_text("flask/__init__.py\n")

    def run(self, scope: str, *, outcome: str = "ok", data: Path | None = None) -> subprocess.CompletedProcess:
        step = (sys.executable, "-c", STEP_SCRIPT, str(self.runs), str(self.data), outcome)
        argv = once_command(
            step,
            scope,  # type: ignore[arg-type]
            python=sys.executable,
            data_path=str(data or self.data),
            app_dir=str(self.app),
            venv=str(self.venv),
        )
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)

    def count(self) -> int:
        return int(self.runs.read_text()) if self.runs.exists() else 0

    def markers(self) -> list[Path]:
        folder = self.data / MARKER_DIR
        return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def folders(tmp_path) -> Folders:
    return Folders(tmp_path)


def test_a_release_step_runs_once_per_release_and_volume(folders):
    assert folders.run("release").returncode == 0
    assert folders.count() == 1 and (folders.data / "table").read_text() == "fresh"
    (folders.data / "table").write_text("a user registered")

    again = folders.run("release")  # a restart, or a new container on the same volume
    assert again.returncode == 0 and "already ran" in again.stdout
    assert folders.count() == 1 and (folders.data / "table").read_text() == "a user registered"

    (folders.app / "app.py").write_text("print('v2')\n")  # a new release: the app's code changed
    assert folders.run("release").returncode == 0 and folders.count() == 2
    assert folders.run("release").returncode == 0 and folders.count() == 2

    record = folders.venv / "lib" / "site-packages" / "flask-3.1.dist-info" / "RECORD"
    record.write_text("flask/__init__.py\nflask/app.py\n")  # a new release: an installed distribution changed
    assert folders.run("release").returncode == 0 and folders.count() == 3
    assert len(folders.markers()) == 3  # one per release


def test_a_release_step_runs_again_on_a_new_volume(folders, tmp_path):
    assert folders.run("release").returncode == 0
    other = tmp_path / "other-volume"
    other.mkdir()
    assert folders.run("release", data=other).returncode == 0
    assert folders.count() == 2


def test_a_step_that_destroys_data_runs_once_per_volume_ever(folders):
    assert folders.run("volume").returncode == 0
    (folders.data / "table").write_text("a user registered")
    (folders.app / "app.py").write_text("print('v2')\n")  # even a new release does not run it again
    for _ in range(2):
        again = folders.run("volume")
        assert again.returncode == 0 and "already ran on this volume" in again.stdout
    assert folders.count() == 1 and (folders.data / "table").read_text() == "a user registered"
    [marker] = folders.markers()
    assert json.loads(marker.read_text())["scope"] == "volume"


def test_a_step_that_destroys_data_refuses_without_a_volume(folders, tmp_path):
    result = folders.run("volume", data=tmp_path / "no-volume-here")
    assert result.returncode == EXIT_NO_VOLUME and "refusing" in result.stdout
    assert folders.count() == 0


def test_a_release_step_without_a_volume_runs_each_time_it_is_asked(folders, tmp_path):
    for expected in (1, 2):
        assert folders.run("release", data=tmp_path / "no-volume-here").returncode == 0
        assert folders.count() == expected


@pytest.mark.parametrize("scope", ["release", "volume"])
def test_a_failing_step_leaves_no_marker_and_runs_again(folders, scope):
    failed = folders.run(scope, outcome="fail")
    assert failed.returncode == 3 and folders.markers() == []
    assert folders.run(scope).returncode == 0 and folders.count() == 2 and len(folders.markers()) == 1


def test_the_step_reaches_the_runner_as_separate_words():
    step = ("flask", "--app", "app; rm -rf /", "$HOME", "--", "'quoted'")
    argv = once_command(step, "release")
    assert argv[-len(step) - 1 :] == ["--", *step] and argv[0] == "/opt/venv/bin/python"


@pytest.mark.parametrize(("step", "scope"), [((), "release"), (("flask", "init-db"), "always")])
def test_once_command_refuses_what_it_cannot_run(step, scope):
    with pytest.raises(ValueError):
        once_command(step, scope)
