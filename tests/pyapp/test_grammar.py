"""The grammar app values must match (pyapp/grammar.py), on the examples its docstring gives and the edges."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from dockwise.pyapp.grammar import (
    image_name,
    is_absolute_path,
    is_app_path,
    is_distribution_name,
    is_file_name,
    is_module_path,
    is_url_path,
    one_line,
    port_number,
)


@pytest.mark.parametrize("name", ["--from=x.py", "r.txt,from=x", "my module.py", "$(id).py", "a\nb", "..", "*.py"])
def test_names_that_would_change_an_instruction_are_not_file_names(name):
    assert not is_file_name(name)


@pytest.mark.parametrize("name", ["app.py", "requirements-prod.txt", "_x", "a+b@c.txt", "static"])
def test_plain_names_are_file_names(name):
    assert is_file_name(name)


def test_app_paths_are_relative_and_made_of_file_names():
    assert is_app_path("requirements/base.txt")
    assert not any(is_app_path(p) for p in ("/etc/passwd", "a/../b", "a//b", "", "a/-r"))


def test_module_paths_distribution_names_and_url_paths():
    assert is_module_path("mysite.settings") and not is_module_path("mysite.settings\n    privileged: true")
    assert not is_module_path(".mysite") and not is_module_path("my-app") and not is_module_path(5)
    assert is_distribution_name("my.app_x-1") and not is_distribution_name("x\n# syntax=evil")
    assert is_url_path("/healthz?full=1") and not is_url_path("/x'); import os #") and not is_url_path("/$HOME")


@pytest.mark.parametrize(
    "text, port",
    [
        ("8000", 8000),
        (65535, 65535),
        ("65536", None),
        ("0", None),
        ("\u00b2", None),
        ("9" * 5000, None),
        (True, None),
        ("\u0661\u0662", None),
    ],
)
def test_port_numbers(text, port):
    assert port_number(text) == port


def test_absolute_write_paths():
    assert is_absolute_path(PurePosixPath("/srv/uploads")) and not is_absolute_path(PurePosixPath("/"))
    assert not is_absolute_path(PurePosixPath("/app/my uploads")) and not is_absolute_path(PurePosixPath("/app/.."))


def test_image_names_and_one_line_text():
    assert image_name("My App $(id)") == "my-app-id" and image_name("$$$") == "app" and image_name("a__b") == "a-b"
    assert one_line("x\n# syntax=evil\x1b[2J") == "x\\x0a# syntax=evil\\x1b[2J"
