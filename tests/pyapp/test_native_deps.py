"""Sdists with no wheel (issue 18, class 1): the Python version chosen by the pins' wheels, read from a fake index
here (the real one in `test_native_network.py`), and the build packages in the builder only, the runtime libraries
in both images."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
from pathlib import Path

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.dockerfile.lint import lint_text
from dockwise.pyapp.detect import InitOptions, detect
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.native import SDISTS
from dockwise.pyapp.render import distroless_dockerfile, standard_dockerfile
from dockwise.pyapp.wheels import IndexUnavailable, Pin, SimpleIndex, availability, check_wheels

# What PyPI lists for these releases (file names as the simple index gives them; trimmed to what decides).
FILES = {
    "flask": ("flask-3.1.0-py3-none-any.whl", "flask-3.1.0.tar.gz"),
    "greenlet": (
        "greenlet-3.0.1-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
        "greenlet-3.0.1-cp312-cp312-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
        "greenlet-3.0.1.tar.gz",
        "greenlet-3.1.0-cp313-cp313-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
        "greenlet-3.1.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
        "greenlet-3.1.0.tar.gz",
    ),
    "psycopg2": ("psycopg2-2.9.10-cp313-cp313-win_amd64.whl", "psycopg2-2.9.10.tar.gz"),
    "langdetect": ("langdetect-1.0.9.tar.gz",),
    "cryptography": ("cryptography-42.0.5-cp39-abi3-manylinux_2_28_x86_64.whl", "cryptography-42.0.5.tar.gz"),
    "oldext": ("oldext-1.0-cp310-cp310-manylinux2014_x86_64.whl", "oldext-1.0.tar.gz"),
    "muslonly": ("muslonly-1.0-cp313-cp313-musllinux_1_2_x86_64.whl", "muslonly-1.0.tar.gz"),
    "asyncpg": (
        "asyncpg-0.26.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "asyncpg-0.26.0.tar.gz",
        "asyncpg-0.30.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "asyncpg-0.30.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    ),
}


class FakeIndex:
    def __init__(self, files: dict[str, tuple[str, ...]], down: frozenset[str] = frozenset()):
        self.files_by_name = files
        self.down = down
        self.asked: list[str] = []

    def files(self, project: str) -> tuple[str, ...]:
        self.asked.append(project)
        if project in self.down or project not in self.files_by_name:
            raise IndexUnavailable(project)
        return self.files_by_name[project]


def pin(name: str, version: str, marker: str | None = None) -> Pin:
    return Pin(name, version, Evidence("requirements.txt", 1), marker)


def app(tmp_path: Path, requirements: str, **files: str) -> Path:
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (tmp_path / "requirements.txt").write_text(requirements)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "version", "python", "expected", "compiled"),
    [
        ("flask", "3.1.0", "3.13", "wheel", False),
        ("greenlet", "3.0.1", "3.11", "wheel", False),
        ("greenlet", "3.0.1", "3.13", "no-wheel", True),
        ("psycopg2", "2.9.10", "3.13", "no-wheel", True),  # Windows wheels only
        ("langdetect", "1.0.9", "3.13", "no-wheel", False),  # pure sdist
        ("cryptography", "42.0.5", "3.13", "wheel", False),  # abi3 covers every later CPython
        ("muslonly", "1.0", "3.13", "no-wheel", True),  # musl wheels do not run on Debian
        ("greenlet", "9.9", "3.13", "unknown", False),  # a release the index does not list
    ],
)
def test_a_pin_has_a_wheel_only_for_the_bases_tags(name, version, python, expected, compiled):
    found = availability(pin(name, version), FILES[name], python)
    assert (found.availability, found.compiled) == (expected, compiled)


def test_the_first_release_with_a_wheel_is_the_fix():
    assert availability(pin("greenlet", "3.0.1"), FILES["greenlet"], "3.13").first_with_wheel == "3.1.0"
    assert availability(pin("psycopg2", "2.9.10"), FILES["psycopg2"], "3.13").first_with_wheel is None


def test_a_marker_leaves_a_pin_out_of_a_python_it_excludes():
    report = check_wheels([pin("greenlet", "3.0.1", 'python_version < "3.12"')], ["3.13", "3.11"], FakeIndex(FILES))
    assert report.by_python["3.13"] == () and report.by_python["3.11"][0].availability == "wheel"


def test_newest_base_with_every_wheel(tmp_path):
    found = detect(app(tmp_path, "flask==3.1.0\ngreenlet==3.0.1\n"), index=FakeIndex(FILES))
    assert found.python.version == "3.11"  # greenlet 3.0.1 has no cp313 wheel
    decision = next(d for d in found.decisions if d.topic == "python")
    assert "greenlet 3.0.1 has no wheel for 3.13" in decision.evidence
    assert not found.native.compiled


def test_newest_base_when_every_pin_has_its_wheel(tmp_path):
    found = detect(app(tmp_path, "flask==3.1.0\ngreenlet==3.1.0\n"), index=FakeIndex(FILES))
    assert found.python.version == "3.13"
    assert "every pinned requirement has a wheel for 3.13 (2 checked" in found.decisions[0].evidence


def test_a_pinned_python_is_kept_and_its_missing_wheels_compiled(tmp_path):
    found = detect(
        app(tmp_path, "flask==3.1.0\nasyncpg==0.26.0\n", **{".python-version": "3.13\n"}), index=FakeIndex(FILES)
    )
    assert found.python.version == "3.13"
    assert [str(p.pin) for p in found.native.compiled] == ["asyncpg 0.26.0"]
    assert found.native.build_packages == ("gcc", "libc6-dev") and found.native.runtime_packages == ()
    assert any("asyncpg==0.30.0 or later" in w for w in found.warnings)


def test_a_release_whose_c_code_predates_the_python_is_refused_with_the_release_to_move_to(tmp_path):
    # greenlet follows CPython's internals: 3.0.1 does not compile on 3.13 (measured: greenlet 1.1.2 on 3.11 fails
    # with "unknown type name 'CFrame'"), so init says so instead of a build that fails minutes later.
    root = app(tmp_path, "flask==3.1.0\ngreenlet==3.0.1\n", **{".python-version": "3.13\n"})
    with pytest.raises(DockwiseError) as raised:
        detect(root, index=FakeIndex(FILES))
    assert raised.value.exit_code == 2
    assert "requirements.txt:2: greenlet 3.0.1 has no wheel for Python 3.13 and cannot be compiled there" in str(
        raised.value
    )
    assert "pin greenlet==3.1.0 or later in requirements.txt" in raised.value.fix


def test_a_requires_python_excluding_313_is_respected(tmp_path):
    project = '[project]\nname = "x"\nrequires-python = "<3.12"\ndependencies = ["flask==3.1.0"]\n'
    found = detect(app(tmp_path, "flask==3.1.0\n", **{"pyproject.toml": project}), index=FakeIndex(FILES))
    assert found.python.version == "3.11"


def test_psycopg2_is_compiled_with_libpq_and_runs_with_libpq5(tmp_path):
    found = detect(app(tmp_path, "flask==3.1.0\npsycopg2==2.9.10\n"), index=FakeIndex(FILES))
    assert found.python.version == "3.13"  # no base has a Linux wheel of it: no reason to go older
    native = found.native
    assert native is not None and {"gcc", "libpq-dev"} <= set(native.build_packages)
    assert native.runtime_packages == ("libpq5",)
    assert any(d.topic == "compiled" and "psycopg2 2.9.10" in d.value for d in found.decisions)


def test_a_compiled_pin_the_table_does_not_know_gets_a_compiler_and_a_warning(tmp_path):
    found = detect(
        app(tmp_path, "flask==3.1.0\noldext==1.0\n", **{".python-version": "3.13\n"}), index=FakeIndex(FILES)
    )
    assert found.native.build_packages == ("gcc", "libc6-dev")
    [warning] = [w for w in found.warnings if "oldext" in w]
    assert "oldext 1.0 has no wheel for Python 3.13" in warning and "--python" in warning


def test_a_pure_sdist_needs_nothing(tmp_path):
    found = detect(app(tmp_path, "flask==3.1.0\nlangdetect==1.0.9\n"), index=FakeIndex(FILES))
    assert found.python.version == "3.13" and not found.native.compiled


def test_offline_keeps_the_default_and_still_compiles_psycopg2(tmp_path):
    found = detect(app(tmp_path, "greenlet==3.0.1\npsycopg2==2.9.10\n"), index=None)
    assert found.python.version == "3.13"  # not checked: dockwise's default
    assert [str(p.pin) for p in found.native.compiled] == ["psycopg2 2.9.10"]
    assert any(note.startswith("--offline") for note in found.notes)


def test_an_index_that_does_not_answer_is_a_note_not_an_error(tmp_path):
    index = FakeIndex(FILES, down=frozenset({"greenlet"}))
    found = detect(app(tmp_path, "flask==3.1.0\ngreenlet==3.0.1\n"), index=index)
    assert found.python.version == "3.13"
    assert any("did not answer for greenlet 3.0.1" in note for note in found.notes)


def test_each_project_is_read_once(tmp_path):
    index = FakeIndex(FILES)
    detect(app(tmp_path, "flask==3.1.0\ngreenlet==3.0.1\n"), index=index)
    assert sorted(index.asked) == ["flask", "greenlet"]


def test_a_slow_index_is_cut_at_the_deadline():
    class Slow(FakeIndex):
        def files(self, project):
            time.sleep(2)
            return super().files(project)

    start = time.monotonic()
    report = check_wheels([pin("flask", "3.1.0")], ["3.13"], Slow(FILES), deadline_s=0.2)
    assert time.monotonic() - start < 1.5
    assert report.unknown("3.13") and report.checked


def test_build_packages_stay_in_the_builder_and_runtime_libraries_reach_both_images(tmp_path):
    facts = detect(app(tmp_path, "flask==3.1.0\npsycopg2==2.9.10\n"), index=FakeIndex(FILES))
    for render in (standard_dockerfile, distroless_dockerfile):
        text = render(facts)
        builder, final = text.split("\n# 1. a minimal base", 1)
        assert "libpq-dev" in builder and "libpq-dev" not in final
        assert not [f for f in lint_text(text, "Dockerfile") if f.severity.value in ("error", "warning")]
    standard = standard_dockerfile(facts).split("\n# 1. a minimal base", 1)[1]
    assert "apt-get install -y --no-install-recommends libpq5" in standard
    distroless = distroless_dockerfile(facts)
    assert "FROM ${RUNTIME_IMAGE} AS runtime" in distroless
    assert "COPY --from=builder /runtime-libs/ /" in distroless.split("\n# 1. a minimal base", 1)[1]


def test_no_build_step_without_a_compiled_pin(tmp_path):
    facts = detect(app(tmp_path, "flask==3.1.0\n"), index=FakeIndex(FILES))
    assert "apt-get install" not in standard_dockerfile(facts).replace("python3.13-venv", "")
    assert "runtime-libs" not in distroless_dockerfile(facts)


def test_the_table_names_canonical_projects_and_debian_packages():
    for name, sdist in SDISTS.items():
        assert name == name.lower().replace("_", "-").replace(".", "-"), name
        for package in sdist.build + sdist.runtime:
            assert package == package.lower() and " " not in package, package


def test_the_cache_answers_without_the_network(tmp_path):
    (tmp_path / "flask.json").write_text(json.dumps({"files": list(FILES["flask"])}))
    index = SimpleIndex(tmp_path, url="http://127.0.0.1:9/simple/")
    assert index.files("Flask") == FILES["flask"]


def test_a_malformed_index_page_is_unavailable(tmp_path, monkeypatch):
    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, _limit):
            return b"<html>not json</html>"

    monkeypatch.setattr("urllib.request.urlopen", lambda *_args, **_kw: Response())
    with pytest.raises(IndexUnavailable):
        SimpleIndex(tmp_path).files("flask")
    assert not (tmp_path / "flask.json").exists()


def test_init_offline_flag(tmp_path):
    from tests.pyapp.helpers import run_init

    result = run_init(app(tmp_path, "flask==3.1.0\npsycopg2==2.9.10\n"), "--offline", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "compiled" in result.output and "--offline" in result.output


def test_python_choice_options_flag_wins(tmp_path):
    found = detect(app(tmp_path, "asyncpg==0.26.0\n"), InitOptions(python="3.13"), index=FakeIndex(FILES))
    assert found.python.version == "3.13" and found.native.compiled


@pytest.mark.parametrize(
    "error",
    [http.client.BadStatusLine("garbage"), TimeoutError("timed out"), urllib.error.URLError("no route")],
)
def test_a_network_failure_is_unavailable_not_a_crash(tmp_path, monkeypatch, error):
    def fail(*_args, **_kw):
        raise error

    monkeypatch.setattr("urllib.request.urlopen", fail)
    with pytest.raises(IndexUnavailable):
        SimpleIndex(tmp_path).files("flask")


def test_an_old_django_gets_the_newest_base_it_supports(tmp_path):
    """Django 3.2 installs on 3.13 from its pure wheel, then fails at import (`cgi` is gone): Django's own table
    says 3.2 runs up to 3.10, so the nearest base, 3.11, offline too."""
    found = detect(app(tmp_path, "django==3.2.13\n"), index=None)
    assert found.python.version == "3.11"
    assert "django 3.2.13 supports Python up to 3.10" in found.decisions[0].evidence


def test_a_recent_django_keeps_the_newest_base(tmp_path):
    assert detect(app(tmp_path, "django==5.1.4\n"), index=None).python.version == "3.13"
    assert detect(app(tmp_path, "django==4.2.20\n"), index=None).python.version == "3.11"  # 4.2: up to 3.12


def test_a_pinned_python_is_not_moved_by_the_django_table(tmp_path):
    found = detect(app(tmp_path, "django==3.2.13\n", **{".python-version": "3.13\n"}), index=None)
    assert found.python.version == "3.13"


def test_when_no_base_has_the_wheels_an_old_release_gets_the_older_base(tmp_path):
    """asyncpg 0.26.0 (2022) has wheels up to cp310: compiled whichever base, and likelier to compile on 3.11."""
    found = detect(app(tmp_path, "flask==3.1.0\nasyncpg==0.26.0\n"), index=FakeIndex(FILES))
    assert found.python.version == "3.11"
    assert "so the older base" in found.decisions[0].evidence
    assert [str(p.pin) for p in found.native.compiled] == ["asyncpg 0.26.0"]
