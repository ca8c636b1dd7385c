"""Probe files, default probes, masking and the first differing byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.image.facts import healthcheck_path
from dockwise.slim.probes import (
    MASKED,
    Answer,
    Probe,
    first_difference,
    health_command,
    load_plan,
    masked_body,
)

HEALTHCHECK = {
    "Test": [
        "CMD",
        "/opt/venv/bin/python",
        "-c",
        "import urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % 5000)",
    ]
}
REFERENCE_PROBES = Path(__file__).resolve().parents[2] / "examples" / "webapp" / "slim-probes.toml"


def _answer(body: bytes, status: int = 200) -> Answer:
    return Answer(status, body, "application/json", 0.001)


def test_defaults_come_from_the_healthcheck() -> None:
    plan = load_plan(None, HEALTHCHECK)
    assert [(p.method, p.path, p.status) for p in plan.probes] == [("GET", "/healthz", 200), ("GET", "/", None)]
    assert plan.health_command == tuple(HEALTHCHECK["Test"][1:])
    assert [p.path for p in load_plan(None, None).probes] == ["/"]
    assert healthcheck_path({"Test": ["CMD-SHELL", "curl -fs http://localhost:8080/ping?x=1 || exit 1"]}) == "/ping?x=1"
    assert health_command({"Test": ["CMD-SHELL", "curl -f http://x/"]}) == ("/bin/sh", "-c", "curl -f http://x/")
    assert health_command({"Test": ["NONE"]}) is None


def test_toml_and_json_files_mean_the_same(tmp_path: Path) -> None:
    toml = tmp_path / "p.toml"
    toml.write_text(
        'mask = ["host"]\nstartup_timeout = 5\n[[probe]]\npath = "/api"\nmethod = "POST"\n'
        'json = {a = 1}\nmask = ["id"]\nstatus = 201\n[[probe]]\npath = "/healthz"\n'
    )
    as_json = tmp_path / "p.json"
    as_json.write_text(
        json.dumps(
            {
                "mask": ["host"],
                "startup_timeout": 5,
                "probe": [
                    {"path": "/api", "method": "POST", "json": {"a": 1}, "mask": ["id"], "status": 201},
                    {"path": "/healthz"},
                ],
            }
        )
    )
    plans = [load_plan(path, HEALTHCHECK) for path in (toml, as_json)]
    assert plans[0] == plans[1]
    plan = plans[0]
    assert plan.startup_timeout == 5
    # the file's /healthz replaces the default one; `/` stays, with the file-wide mask
    assert [p.name for p in plan.probes] == ["GET /", "POST /api", "GET /healthz"]
    api = plan.probes[1]
    assert api.body == b'{"a":1}' and ("Content-Type", "application/json") in api.headers
    assert api.mask == ("host", "id") and plan.probes[0].mask == ("host",)


def test_the_reference_apps_probe_file_parses() -> None:
    plan = load_plan(REFERENCE_PROBES, HEALTHCHECK)
    assert {"info", "ready", "digest", "not found"} <= {p.name for p in plan.probes}


@pytest.mark.parametrize(
    "text, words",
    [
        ('[[probe]]\npath = "x"\n', "starting with /"),
        ('[[probe]]\npath = "/"\nstatus = 700\n', "status"),
        ('[[probe]]\npath = "/"\nverb = "GET"\n', "unknown key 'verb'"),
        ('[[probe]]\npath = "/"\nbody = "a"\njson = {}\n', "not both"),
        ('[[probe]]\npath = "/"\nmask_text = ["("]\n', "regular expression"),
        ('[[probe]]\npath = "/"\nmethod = "get"\n', "upper-case"),
        ("probes = []\n", "unknown key 'probes'"),
        ("startup_timeout = -1\n", "startup_timeout"),
        ("[[probe]\n", "not valid TOML"),
    ],
)
def test_bad_probe_files_are_one_line_errors(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "probes.toml"
    path.write_text(text)
    with pytest.raises(DockwiseError) as caught:
        load_plan(path, None)
    assert caught.value.exit_code == 2 and words in caught.value.one_line() and "\n" not in caught.value.one_line()


def test_json_masks_nested_and_wildcard() -> None:
    probe = Probe("p", "GET", "/", mask=("pid", "items.*.id", "meta.host"))
    body = b'{"pid": 7, "items": [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}], "meta": {"host": "x", "n": 1}}'
    assert json.loads(masked_body(probe, _answer(body))) == {
        "pid": MASKED,
        "items": [{"id": MASKED, "v": "a"}, {"id": MASKED, "v": "b"}],
        "meta": {"host": MASKED, "n": 1},
    }


def test_text_masks() -> None:
    probe = Probe("p", "GET", "/", mask_text=(r"uptime=[0-9.]+",))
    assert masked_body(probe, _answer(b"ok uptime=12.5 s")) == b"ok <masked> s"


def test_first_difference() -> None:
    probe = Probe("info", "GET", "/api/info", mask=("pid",))
    same = first_difference(probe, _answer(b'{"pid": 1, "user": "nonroot"}'), _answer(b'{"pid": 9, "user": "nonroot"}'))
    assert same is None
    differs = first_difference(probe, _answer(b'{"pid": 1, "user": "nonroot"}'), _answer(b'{"pid": 9, "user": "root"}'))
    assert differs is not None and differs.what == "body"
    assert differs.offset == len('{"pid":"<masked>","user":"')
    assert "info" in differs.one_line() and f"byte {differs.offset}" in differs.one_line()
    status = first_difference(Probe("p", "GET", "/"), _answer(b"x", 200), _answer(b"x", 500))
    assert status is not None and status.what == "status" and "500" in status.one_line()
    shorter = first_difference(Probe("p", "GET", "/"), _answer(b"abcdef"), _answer(b"abc"))
    assert shorter is not None and shorter.offset == 3 and "<end of body>" in shorter.one_line()


def test_words_that_change_between_two_original_answers_may_change_in_the_slim_one():
    from dockwise.slim.probes import Answer, Probe, first_difference, volatile_tokens

    probe = Probe("front page", "GET", "/")
    page = b'<form><input name="csrf" value="%s"><p>Hello</p></form>'
    first, second = (Answer(200, page % token, "text/html", 0.01) for token in (b"kpb5ff2eJjx", b"HUwyK7foU8T"))
    volatile = volatile_tokens(probe, first, second)
    assert volatile  # the token moved
    assert first_difference(probe, first, Answer(200, page % b"zzzzzz", "text/html", 0.0), volatile) is None
    changed = Answer(200, (page % b"kpb5ff2eJjx").replace(b"Hello", b"Hullo"), "text/html", 0.0)
    assert first_difference(probe, first, changed, volatile) is not None  # a stable word may not change
    assert first_difference(probe, first, Answer(200, page % b"zzzzzz", "text/html", 0.0)) is not None
