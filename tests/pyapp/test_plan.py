"""The build plan (`dockwise init --plan`): every field of the typed facts placed in it or named internal, its keys
held by its JSON Schema, printed by the CLI without writing anything, with init's exit codes."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, cast

import jsonschema
import pytest

from dockwise.pyapp.detect import AppFacts, InitOptions, detect
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.plan import INTERNAL, PLACES, SCHEMA, json_schema, plan, to_json
from tests.pyapp.helpers import FIXTURES, FLASK, GENERATED, copy_app, run_init

VALIDATOR = jsonschema.Draft202012Validator(json_schema())
GOLDEN_PLANS = sorted((Path(__file__).resolve().parents[1] / "golden").rglob("plan.json"))


class Reads:
    """Stands in for AppFacts and records which of its attributes the plan reads."""

    def __init__(self, facts: AppFacts) -> None:
        self.facts = facts
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self.facts, name)


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_every_field_of_the_facts_is_placed_in_the_plan_or_named_internal():
    fields = {f.name for f in dataclasses.fields(AppFacts)}
    assert set(PLACES).isdisjoint(INTERNAL)
    assert set(PLACES) | set(INTERNAL) == fields, "place the new field in the plan (plan.PLACES) or in INTERNAL"


def _schema_keys(node: dict, schema: dict) -> set[str]:
    """The keys an object of the schema may hold, through $ref and oneOf."""
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    keys = set(node.get("properties", {}))
    for alternative in node.get("oneOf", []):
        keys |= _schema_keys(alternative, schema)
    return keys


def _schema_node(path: str, schema: dict) -> dict | None:
    node: dict = schema
    for key in path.split("."):
        if key not in _schema_keys(node, schema):
            return None
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        choices = [node, *node.get("oneOf", [])]
        node = next(c["properties"][key] for c in choices if key in c.get("properties", {}))
    return node


def test_every_place_of_a_field_is_a_key_of_the_schema():
    schema = json_schema()
    places = [place.strip() for where in PLACES.values() for place in where.split(",")]
    assert [place for place in places if _schema_node(place, schema) is None] == []
    assert _schema_node("run.no_such_key", schema) is None


@pytest.mark.parametrize("app", ["flaskr", "inspector", "django-quickstart"])
def test_the_plan_reads_every_field_it_places(app):
    reads = Reads(detect(FIXTURES / app))
    plan(cast(AppFacts, reads))
    assert set(PLACES) - reads.read == set()
    assert reads.read.isdisjoint(INTERNAL)


def test_the_schema_is_valid_and_every_object_in_it_has_closed_required_keys():
    jsonschema.Draft202012Validator.check_schema(json_schema())

    def objects(node: Any) -> list[dict]:
        found = []
        if isinstance(node, dict):
            if "properties" in node:
                found.append(node)
            for value in node.values():
                found += objects(value)
        elif isinstance(node, list):
            for value in node:
                found += objects(value)
        return found

    for node in objects(json_schema()):
        assert node.get("additionalProperties") is False, sorted(node["properties"])
        assert set(node["required"]) == set(node["properties"]), sorted(node["properties"])


@pytest.mark.parametrize("path", GOLDEN_PLANS, ids=[p.parent.name for p in GOLDEN_PLANS])
def test_every_golden_plan_validates(path):
    document = json.loads(path.read_text())
    assert document["schema"] == SCHEMA
    assert list(VALIDATOR.iter_errors(document)) == []


def test_a_key_the_schema_does_not_know_fails_it(tmp_path):
    document = plan(detect(copy_app("flaskr", tmp_path)))
    document["run"]["extra"] = 1
    document["found"]["dependencies"]["new_field"] = True
    messages = sorted(error.message for error in VALIDATOR.iter_errors(document))
    assert len(messages) == 2 and all("Additional properties" in m for m in messages)
    del document["install"]["added"]
    assert any("'added' is a required property" in e.message for e in VALIDATOR.iter_errors(document))


def test_nested_objects_go_whole_so_a_new_field_shows():
    @dataclass(frozen=True)
    class Later:
        path: PurePosixPath
        names: frozenset[str]
        where: Evidence | None
        added_later: tuple[str, ...] = ("x",)

    value = Later(PurePosixPath("/app/db"), frozenset({"b", "a"}), Evidence("app.py", 3, "open('db')"))
    assert to_json(value) == {
        "path": "/app/db",
        "names": ["a", "b"],
        "where": {"file": "app.py", "line": 3, "excerpt": "open('db')"},
        "added_later": ["x"],
    }
    with pytest.raises(TypeError):
        to_json(object())


def test_decisions_carry_their_place_in_the_app_or_null(tmp_path):
    document = plan(detect(_write(tmp_path, {"app.py": FLASK + "app.run(port=5001)\n", "requirements.txt": "flask\n"})))
    decided = {d["topic"]: d for d in document["found"]["decisions"]}
    assert decided["app"]["evidence"] == {"file": "app.py", "line": 2, "excerpt": "app = Flask(__name__)"}
    assert decided["port"]["value"] == "5001" and decided["port"]["evidence"]["file"] == "app.py"
    assert decided["python"]["evidence"] is None
    assert decided["health check"]["evidence"]["excerpt"] == 'app.route("/")'  # the front page the check asks
    assert document["run"]["port"] == 5001 and document["found"]["app"]["target"] == "app:app"
    flagged = plan(detect(tmp_path, InitOptions(port=7000)))
    assert {d["topic"]: d for d in flagged["found"]["decisions"]}["port"]["evidence"] is None


def test_django_settings_and_collectstatic_in_the_plan(tmp_path):
    document = plan(detect(copy_app("django-quickstart", tmp_path)))
    assert document["found"]["django_settings"] == "quickstartproject.settings"
    decided = {d["topic"]: d for d in document["found"]["decisions"]}
    assert decided["django settings"]["evidence"]["file"] == "manage.py"
    assert document["install"]["collectstatic"] == {"build_env": []}


def test_a_hash_pinned_app_gets_the_added_server_with_hashes(tmp_path):
    document = plan(detect(copy_app("inspector", tmp_path)))
    assert document["install"]["dependencies"]["mode"] == "hashed"
    added = document["install"]["added"]
    assert all("--hash=sha256:" in line for line in added)


def test_the_plan_names_no_host_path(tmp_path):
    app = copy_app("flaskr", tmp_path)
    assert str(tmp_path) not in json.dumps(plan(detect(app)))


# --- the command line ----------------------------------------------------------------------------------------------


def test_plan_prints_json_on_stdout_and_writes_nothing(tmp_path):
    app = copy_app("flaskr", tmp_path)
    before = sorted(p.relative_to(app) for p in app.rglob("*"))
    result = run_init(app, "--plan")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == plan(detect(app)) and result.stderr == ""
    assert sorted(p.relative_to(app) for p in app.rglob("*")) == before


def test_plan_works_beside_files_init_would_not_overwrite(tmp_path):
    app = _write(tmp_path / "app", {"app.py": FLASK, "requirements.txt": "flask==3.1.0\n", "Dockerfile": "FROM x\n"})
    result = run_init(app, "--plan")
    assert result.exit_code == 0 and json.loads(result.stdout)["schema"] == SCHEMA
    assert (app / "Dockerfile").read_text() == "FROM x\n"
    assert not any((app / name).exists() for name in GENERATED if name != "Dockerfile")


@pytest.mark.parametrize("other", ["--force", "--dry-run"])
def test_plan_with_an_option_that_writes_or_prints_files_is_refused(tmp_path, other):
    app = copy_app("flask-quickstart", tmp_path)
    result = run_init(app, "--plan", other)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: --plan with ") and len(result.stderr.splitlines()) == 1
    assert not any((app / name).exists() for name in GENERATED)


def test_an_app_init_refuses_has_no_plan_one_line_exit_2(tmp_path):
    app = _write(tmp_path / "app", {"app.py": FLASK, "requirements.txt": "flask\n"})
    for args in (["--python", "2.7"], ["--app", "nowhere:app"], ["--health-path", "no path"]):
        result = run_init(app, "--plan", *args)
        assert result.exit_code == 2 and result.stdout == "", args
        assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1, result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_init(empty, "--plan").exit_code == 2


def test_text_from_the_app_reaches_the_terminal_escaped(tmp_path):
    hostile = "\x1b]0;pwned\x07\u202e"
    procfile = f"release: python seed.py '{hostile}'\n"
    app = _write(tmp_path / "app", {"app.py": FLASK, "requirements.txt": "flask==3.1.0\n", "Procfile": procfile})
    result = run_init(app, "--plan")
    assert result.exit_code == 0, result.output
    assert result.stdout.isascii() and not any(c < " " for c in result.stdout.replace("\n", ""))
    [step] = json.loads(result.stdout)["run"]["setup_suggestions"]
    assert hostile in step["command"] and hostile in step["evidence"]["excerpt"]
