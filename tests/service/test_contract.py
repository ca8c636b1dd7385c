"""The service contract refuses what no emitter may serialize, with a one-line error and exit 2; the port parser reads
every form of `ExposedPorts` key the same way."""

from __future__ import annotations

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.service import labels
from dockwise.service.contract import ServiceContract, contract_from_image, port_of, tcp_ports


@pytest.mark.parametrize(
    "changes, cause",
    [
        ({"port": 0}, "not a TCP port"),
        ({"port": 99999}, "not a TCP port"),
        ({"port": True}, "not a TCP port"),
        ({"health_path": "healthz"}, "not a URL path"),
        ({"health_path": "/a b"}, "not a URL path"),
        ({"health_path": "/up\nprivileged: true"}, "not a URL path"),
        ({"health_path": "/up'); import os; ('"}, "not a URL path"),
        ({"uid": -1}, "not a numeric id"),
        ({"gid": "10001"}, "not a numeric id"),
        ({"data_path": "/etc:rw"}, "not an absolute, normalised path"),
        ({"data_path": "/data/../etc"}, "not an absolute, normalised path"),
        ({"data_path": "data"}, "not an absolute, normalised path"),
        ({"data_path": "/data/"}, "not an absolute, normalised path"),
        ({"data_path": "/data\n- /:/host"}, "not an absolute, normalised path"),
        ({"data_path": "/etc"}, "system directory"),
        ({"data_path": "/usr/lib/x"}, "system directory"),
        ({"data_path": "/"}, "system directory"),
        ({"graceful_s": -1}, "out of range"),
        ({"graceful_s": 1.5}, "whole seconds"),
        ({"setup": ("flask", "init\0db")}, "NUL"),
        ({"setup": ("", "x")}, "empty program"),
        ({"setup": ["flask"]}, "list of words"),
        ({"setup_scope": "always"}, "unknown"),
    ],
)
def test_an_invalid_value_is_refused_where_it_enters(changes, cause):
    with pytest.raises(DockwiseError) as error:
        ServiceContract(**{"port": 8000, **changes})
    assert cause in error.value.cause and error.value.exit_code == 2
    assert "\n" not in error.value.one_line()


def test_a_valid_contract_carries_its_labels():
    contract = ServiceContract(8000, "/healthz?full=1", data_path="/data", setup=("flask", "init-db"))
    assert contract.labels() == {
        labels.GRACEFUL_TIMEOUT: "10",
        labels.DATA: "/data",
        labels.SETUP: '["flask", "init-db"]',
        labels.SETUP_SCOPE: "release",
    }
    assert contract.grace_period_s > contract.graceful_s


@pytest.mark.parametrize(
    "key, expected",
    [
        ("8000", (8000, "tcp")),
        ("8000/tcp", (8000, "tcp")),
        ("53/udp", (53, "udp")),
        ("8000-8010/tcp", None),
        ("99999/tcp", None),
        ("0/tcp", None),
        ("http", None),
        ("8000/TCP", None),
    ],
)
def test_one_parser_for_exposed_ports(key, expected):
    assert port_of(key) == expected


def test_the_service_port_is_the_lowest_tcp_one():
    assert tcp_ports(["9000/tcp", "53/udp", "8000", "x"]) == [8000, 9000]


def image_side(**changes):
    side = {
        "reference": "acme/x:1",
        "exposed_ports": ["8000/tcp"],
        "image_labels": {},
        "uid": 10001,
        "gid": 10001,
        "configured_user": "10001",
        "health_path": None,
    }
    return contract_from_image(**{**side, **changes})


@pytest.mark.parametrize(
    "changes, cause",
    [
        ({"uid": 0}, "runs as root"),
        ({"uid": None, "configured_user": "ghost"}, "does not resolve"),
        ({"exposed_ports": ["99999/tcp"]}, "exposes no TCP port"),
        ({"exposed_ports": ["53/udp"]}, "exposes no TCP port"),
        ({"port": 99999}, "not a TCP port"),
        ({"image_labels": {labels.DATA: "/etc:rw"}}, "dockwise.data"),
        ({"image_labels": {labels.GRACEFUL_TIMEOUT: "-3"}}, "dockwise.graceful-timeout"),
        ({"image_labels": {labels.SETUP: '"rm -rf /"'}}, "dockwise.setup"),
        ({"image_labels": {labels.SETUP: '["x"]', labels.SETUP_SCOPE: "boot"}}, "dockwise.setup-scope"),
        ({"health_path": "/a\nb"}, "not a URL path"),
    ],
)
def test_the_reader_refuses_an_image_it_cannot_serialize(changes, cause):
    with pytest.raises(DockwiseError) as error:
        image_side(**changes)
    assert cause in error.value.cause and error.value.exit_code == 2


def test_the_reader_takes_the_images_labels():
    contract = image_side(
        image_labels={labels.DATA: "/data", labels.SETUP: '["python", "manage.py", "migrate"]'}, health_path="/up"
    )
    assert (contract.data_path, contract.setup, contract.setup_scope, contract.health_path) == (
        "/data",
        ("python", "manage.py", "migrate"),
        "release",
        "/up",
    )


def test_the_modules_own_examples():
    """contract.py's docstring: its bad label is refused, its good one read."""
    import re

    from dockwise.service import contract as module

    bad, good = (re.search(rf"^{kind}: `([^`=]+)=([^`]+)`", module.__doc__ or "", re.M) for kind in ("Bad", "Good"))
    assert bad and good
    with pytest.raises(DockwiseError):
        image_side(image_labels={bad.group(1): bad.group(2)})
    assert image_side(image_labels={good.group(1): good.group(2)}).data_path == good.group(2)
