"""The corpus apps dockwise serves today, end to end as bench_init_corpus takes them (benchmarks/corpus_run.py):
`dockwise init` on a copy -> the distroless build (the standard one too where the app says so) -> the image run
hardened with a volume at its data path, its setup step first -> the app's real routes from its routes.toml ->
`docker stop` exits 0 within 10 s -> started again on the same volume -> the write is still there.

An app joins the list with one line, once it is served (docs/benchmarks/init_corpus.md says which are)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from corpus_routes import CORPUS
from corpus_run import CorpusRun, one_app, remove_images

from tests.conftest import RUN_ID

pytestmark = [pytest.mark.engine, pytest.mark.network, pytest.mark.slow]


@dataclass(frozen=True)
class App:
    name: str
    standard: bool = False  # build the standard variant too (cheap for a small app)


APPS = (
    App("compose-fastapi"),
    App("compose-flask"),
    App("django-locallibrary"),
    App("falcon-things"),
    App("falcon-things-asgi"),
    App("flask-js-example"),
    App("gcp-run-hello", standard=True),
    App("litestar-hello"),  # pdm.lock, an app that is not a package
    App("litestar-todo"),  # no dependency file: inferred from the imports
    App("werkzeug-upload"),  # a bare Werkzeug app, no dependency file
    App("starlette-di"),  # the app built by a DI container
    App("fastapi-type-alias"),  # a `type` statement: read on the host's 3.11, built on 3.13; uv.lock, src layout
    # Poetry without a lock; its database beside the installed package (site-packages), made by a console script
    # whose schema drops tables: the setup step runs once per volume.
    App("quart-blog"),
    # setup.py only, built with setuptools' legacy backend (its templates copied beside the wheel's modules); a
    # PasteDeploy development.ini (egg:tutorial, pyramid_debugtoolbar from the dev extra); a console script given the
    # .ini, run once per volume since its seed row has a unique title.
    App("pyramid-databases"),
)


@pytest.mark.parametrize("app", APPS, ids=lambda app: app.name)
def test_corpus_app_is_served_hardened(app: App, tmp_path, docker_client, test_labels) -> None:
    run = CorpusRun(RUN_ID, test_labels, ("standard", "distroless") if app.standard else ("distroless",))
    try:
        row = one_app(docker_client, run, CORPUS, app.name, tmp_path)
    finally:
        remove_images(docker_client, run, [app.name])
    assert row.ok, f"{app.name} stopped at {row.stage}: {row.cause} {row.detail}".strip()
    assert row.stage == "served"
    assert all(step.startswith("ok") for step in row.steps), row.steps
