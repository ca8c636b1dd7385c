"""Apps dockwise serves beyond WSGI/ASGI, for real: a tiny Tornado app (it serves itself: its script runs through
dockwise's SIGTERM runner, its port passed as `--port=N`) and a tiny aiohttp app (gunicorn with aiohttp's worker,
awaiting an `async def` factory), each `dockwise init` -> the distroless image -> run hardened (read-only root,
no capabilities) -> HTTP -> `docker stop` exits 0 within 10 s."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwise.engine import containers
from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases
from tests.conftest import RUN_ID
from tests.pyapp.helpers import run_init
from tests.pyapp.test_apps_engine import Client, stops_cleanly

pytestmark = [pytest.mark.engine, pytest.mark.slow]

TORNADO = """\
import asyncio

import tornado.web
from tornado.options import define, options, parse_command_line

define("port", default=8888, type=int)


class Hello(tornado.web.RequestHandler):
    def get(self):
        self.write("hello from tornado " + str(options.port))


async def main():
    parse_command_line()
    tornado.web.Application([(r"/", Hello)]).listen(options.port)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
"""

AIOHTTP = """\
from aiohttp import web


async def hello(request):
    return web.Response(text="hello from aiohttp")


async def make_app():
    app = web.Application()
    app.router.add_get("/", hello)
    return app


if __name__ == "__main__":
    web.run_app(make_app())
"""

APPS = {
    "tornado": (
        {"hello.py": TORNADO, "requirements.txt": "tornado==6.6.1\n"},
        ("--port", "8100"),
        8100,
        "tornado 8100",
    ),
    "aiohttp": ({"main.py": AIOHTTP, "requirements.txt": "aiohttp==3.14.5\n"}, (), 8000, "aiohttp"),
}


@pytest.mark.parametrize("name", sorted(APPS))
def test_native_app_served_hardened_and_stops_cleanly(name, tmp_path: Path, docker_client, test_labels):
    files, init_args, port, expected = APPS[name]
    app = tmp_path / name
    app.mkdir()
    for relative, text in files.items():
        (app / relative).write_text(text)
    result = run_init(app, *init_args)
    assert result.exit_code == 0, result.output
    tag = f"dockwise-test/native-{name}:distroless-{RUN_ID}"
    build_app(app, "distroless", tag=tag, source=BaseSource.LOCAL, labels=test_labels, ensure_bases=ensure_local_bases)
    try:
        with containers.running(docker_client, tag, port=port, labels=test_labels) as published:
            container = published.container
            containers.wait_for_http_ok(published, "/")
            status, body = Client(published.host_port).get("/")
            assert status == 200 and expected in body, body
            container.reload()
            assert (
                container.attrs["HostConfig"]["ReadonlyRootfs"] and container.attrs["Config"]["User"] == "65532:65532"
            )
            stops_cleanly(container)
    finally:
        docker_client.images.remove(tag, force=True)
