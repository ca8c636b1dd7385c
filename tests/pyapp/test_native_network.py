"""The wheel check against the real package index (PyPI's simple API, PEP 691 JSON): releases whose wheels are
known to stop at one interpreter."""

from __future__ import annotations

import pytest

from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.wheels import IndexUnavailable, Pin, SimpleIndex, check_wheels

pytestmark = pytest.mark.network


def test_pypi_says_which_base_has_the_wheels(tmp_path):
    pins = [Pin("greenlet", "3.0.1", Evidence("requirements.txt", 1)), Pin("psycopg2", "2.9.10", Evidence("r", 2))]
    report = check_wheels(pins, ["3.13", "3.11"], SimpleIndex(tmp_path))
    greenlet_313, psycopg2_313 = report.by_python["3.13"]
    greenlet_311, psycopg2_311 = report.by_python["3.11"]
    assert greenlet_313.availability == "no-wheel" and greenlet_313.first_with_wheel == "3.1.0"
    assert greenlet_311.availability == "wheel"
    assert psycopg2_313.availability == psycopg2_311.availability == "no-wheel"  # never a Linux wheel
    assert (tmp_path / "greenlet.json").exists()  # cached for the next run


def test_a_project_the_index_does_not_have_is_unavailable(tmp_path):
    with pytest.raises(IndexUnavailable):
        SimpleIndex(tmp_path).files("dockwise-no-such-project-0b2f")
