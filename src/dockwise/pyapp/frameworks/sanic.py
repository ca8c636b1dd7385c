"""Sanic: `Sanic("name")`, an ASGI app, served by uvicorn like the others. Measured on Sanic 25.12 against its own
server: uvicorn stops within its graceful timeout on SIGTERM (8.2 s with a 20 s request in flight), while the `sanic`
CLI's process manager either ignored SIGTERM for 30 s or exited at once, and `app.run()` waited 15.7 s. So
`app.run(...)` in a script is not a fallback dockwise uses (and `dev_server_reason` reads `app.run()` as a
development server): the app must be importable.

Best practice::

    from sanic import Sanic, response

    app = Sanic("hello")

    @app.get("/")
    async def index(request):
        return response.json({"ok": True})

    if __name__ == "__main__":
        app.run(host="0.0.0.0", port=8000)

Anti-pattern::

    from sanic import Sanic

    if __name__ == "__main__":
        app = Sanic("hello")
        app.run(host="0.0.0.0", port=8000)
"""

from dockwise.pyapp.frameworks import Framework, constructors

FRAMEWORK = Framework(
    name="sanic",
    distribution="sanic",
    constructors=constructors({"sanic.Sanic": "asgi", "sanic.app.Sanic": "asgi"}),
    imports=("sanic", "sanic.asgi", "sanic.router", "sanic.response"),
)
