"""aiohttp: `web.Application()` at module level or returned by a factory (`def` or `async def`, the one
`web.run_app(factory())` names), served by gunicorn with aiohttp's own worker (`aiohttp.GunicornWebWorker`), one
process as `run_app` runs it. gunicorn bounds the drain on SIGTERM to its graceful timeout; `run_app` waits up to 60 s
for a slow request (measured: 19.9 s for a 20 s request, against 8.5 s under gunicorn), past docker stop's 10 s.
`python -m aiohttp.web` is no way either: it calls the factory with the command line, which `make_app()` refuses.

A script that starts the server as it is imported (`web.run_app(...)` at module level) cannot be imported by a
server: dockwise runs the script itself (`pyapp/selfserve.py`), on all interfaces unless it names a host.

Best practice::

    from aiohttp import web

    async def make_app():
        app = web.Application()
        return app

    if __name__ == "__main__":
        web.run_app(make_app())

Anti-pattern::

    from aiohttp import web

    def init():
        return web.Application()

    web.run_app(init(), host="127.0.0.1")
"""

from dockwise.pyapp.frameworks import Framework, OwnServer, constructors

FRAMEWORK = Framework(
    name="aiohttp",
    distribution="aiohttp",
    constructors=constructors({"aiohttp.web.Application": "aiohttp", "aiohttp.web_app.Application": "aiohttp"}),
    imports=("aiohttp.web", "aiohttp.worker", "aiohttp.web_protocol", "aiohttp.http_parser"),
    gunicorn_worker="aiohttp.GunicornWebWorker",
    own_server=OwnServer(
        calls=("aiohttp.web.run_app",),
        default_host="0.0.0.0",
        default_port=8080,
        on_stop="it drains requests for up to 60 s on SIGTERM, past docker stop's 10 s (an importable app gets "
        "gunicorn, which bounds the drain)",
    ),
)
