"""The setup step an image declares, read from its labels (hermetic): only a JSON list of words and a known scope."""

from __future__ import annotations

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.engine.setup_run import setup_step
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
