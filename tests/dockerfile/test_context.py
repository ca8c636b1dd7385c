"""The build context: .dockerignore with Docker's semantics, and what each COPY really sends."""

from __future__ import annotations

from dockwise.dockerfile.context import BuildContext
from tests.dockerfile.helpers import lint, make_context, rule_ids

FILES = [
    ("app.py", ""),
    ("a.pyc", ""),
    ("pkg/b.pyc", ""),
    ("pkg/__pycache__/c.pyc", ""),
    ("docs/keep.md", ""),
    ("docs/drop.md", ""),
    (".env", "X=1"),
]


def test_patterns_are_root_anchored_unlike_gitignore(tmp_path):
    ctx = make_context(tmp_path, FILES + [(".dockerignore", "*.pyc\n")])
    assert ctx.ignored("a.pyc") and not ctx.ignored("pkg/b.pyc")
    assert "pkg/b.pyc" in ctx.files and "a.pyc" not in ctx.files


def test_double_star_and_exceptions_last_match_wins(tmp_path):
    ctx = make_context(tmp_path, FILES + [(".dockerignore", "**/*.pyc\ndocs\n!docs/keep.md\n# comment\n/.env\n")])
    assert sorted(ctx.files) == [".dockerignore", "app.py", "docs/keep.md"]


def test_dockerfile_specific_ignore_file_wins(tmp_path):
    make_context(tmp_path, FILES + [(".dockerignore", "app.py\n"), ("Dockerfile.dockerignore", "docs\n")])
    ctx = BuildContext.load(tmp_path, tmp_path / "Dockerfile")
    assert ctx.ignore_file.name == "Dockerfile.dockerignore"
    assert "app.py" in ctx.files and not any(f.startswith("docs/") for f in ctx.files)


def test_select_resolves_paths_dirs_and_globs(tmp_path):
    ctx = make_context(tmp_path, FILES + [(".dockerignore", "docs/drop.md\n")])
    assert ctx.select("./app.py") == ("app.py",)
    assert ctx.select("docs/") == ("docs/keep.md",)
    assert ctx.select("*.py") == ("app.py",)
    assert set(ctx.select("pkg/*")) == {"pkg/b.pyc", "pkg/__pycache__/c.pyc"}
    assert len(ctx.select(".")) == len(ctx.files)


def test_context_rules_see_what_is_really_sent(tmp_path):
    text = 'FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nUSER 1\nCMD ["python", "app.py"]\n'
    files = FILES + [
        (".git/HEAD", "ref"),
        (".venv/bin/python", ""),
        ("tests/test_app.py", ""),
        (".dockerignore", "*.pyc\n"),
    ]
    found = lint(text, tmp_path, files)
    assert {"DW115", "DW116"} <= rule_ids(found)
    assert (
        not {"DW003", "DW004"} & rule_ids(found)
    )  # a curated context; and the final image's copies are DW115/DW116's  # what reaches the final image is DW115's and DW116's, reported once
    assert ".env" in next(f.message for f in found if f.rule == "DW115")
    assert ".venv" in next(f.message for f in found if f.rule == "DW116")


def test_builder_stage_copies_are_dw004s(tmp_path):
    text = (
        "FROM python:3.13-slim AS build\nWORKDIR /src\nCOPY . .\nRUN python -m venv /venv\n"
        'FROM python:3.13-slim\nCOPY --from=build /venv /venv\nUSER 1\nCMD ["python"]\n'
    )
    files = FILES + [(".venv/bin/python", ""), (".dockerignore", "*.pyc\n")]
    dw004 = " ".join(f.message for f in lint(text, tmp_path / "a", files) if f.rule == "DW004")
    assert "*.pyc, and this COPY sends it (e.g. pkg/b.pyc)" in dw004 and ".venv" in dw004
    assert ".env" not in dw004  # front-end builds read .env at build time; the final image's copies are DW115's
    named_only = text.replace("COPY . .", "COPY app.py ./")
    assert "DW004" not in rule_ids(lint(named_only, tmp_path / "b", files))


def test_missing_dockerignore_and_copy_of_ignored_path(tmp_path):
    text = (
        "FROM python:3.13-slim AS build\nCOPY pkg/ /src/\nFROM python:3.13-slim\nWORKDIR /app\n"
        'COPY docs/drop.md ./\nUSER 1\nCMD ["python"]\n'
    )
    assert "no .dockerignore" in next(f.message for f in lint(text, tmp_path, FILES) if f.rule == "DW004")
    (tmp_path / ".dockerignore").write_text("docs/drop.md\n**/*.pyc\n**/__pycache__\n")
    found = lint(text, tmp_path, [])
    assert any(f.rule == "DW117" and f.line == 5 for f in found)
    assert "DW004" not in rule_ids(found)


def test_requirements_file_in_context_is_checked_for_pins(tmp_path):
    text = "FROM python:3.13-slim\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install --no-cache-dir -r requirements.txt\n"
    loose = lint(text, tmp_path / "a", [("requirements.txt", "flask\ngunicorn==23.0.0\n# c\npip\n")])
    assert "flask (requirements.txt)" in next(f.message for f in loose if f.rule == "DW104")
    pinned = lint(text, tmp_path / "b", [("requirements.txt", "flask==3.1.0 --hash=sha256:ab\n")])
    assert "DW104" not in rule_ids(pinned)


def test_dev_server_found_in_the_script_the_cmd_runs(tmp_path):
    text = 'FROM python:3.13-slim\nWORKDIR /app\nCOPY app.py ./\nCMD ["python", "app.py"]\n'
    assert "DW101" in rule_ids(lint(text, tmp_path / "a", [("app.py", "app = 1\napp.run(debug=True)\n")]))
    assert "DW101" not in rule_ids(lint(text, tmp_path / "b", [("app.py", "print('served elsewhere')\n")]))


def test_whole_context_copy_is_fine_when_the_context_holds_only_the_app(tmp_path):
    text = 'FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nUSER 1\nCMD ["python", "app.py"]\n'
    files = [("app.py", ""), ("requirements.txt", "flask==3.1.0\n"), (".dockerignore", "Dockerfile\n.dockerignore\n")]
    assert "DW003" not in rule_ids(lint(text, tmp_path / "clean", files))
    assert "DW003" not in rule_ids(
        lint(text, tmp_path / "curated", files + [("docs/index.md", "")])
    )  # the maintainer's choice
    assert "DW003" in rule_ids(lint(text, tmp_path / "docs", files[:2] + [("docs/index.md", "")]))  # no .dockerignore
    assert "DW003" in rule_ids(lint(text))  # no context known (stdin): cannot tell, so flagged


def test_python_script_counts_as_a_service_only_if_it_serves(tmp_path):
    text = 'FROM python:3.13-slim\nWORKDIR /app\nCOPY main.py ./\nUSER 1\nCMD ["python", "main.py"]\n'
    server = "import http.server\nhttp.server.HTTPServer(('', 8000), None).serve_forever()\n"
    assert "DW006" in rule_ids(lint(text, tmp_path / "a", [("main.py", server)]))
    assert "DW006" not in rule_ids(lint(text, tmp_path / "b", [("main.py", "print('batch job')\n")]))
    assert "DW006" not in rule_ids(lint(text))
