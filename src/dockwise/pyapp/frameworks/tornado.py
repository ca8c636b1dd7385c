"""Tornado: `tornado.web.Application(...)` has no WSGI or ASGI form, so the app serves itself: dockwise runs the
script that calls `listen(port)` (on the app or its `HTTPServer`) and starts the IOLoop (`pyapp/selfserve.py`).
A port read from `tornado.options` (`define("port", ...)` and `parse_command_line()`) is passed as `--port=N`.
Tornado installs no SIGTERM handler, and PID 1 ignores a signal it has no handler for (docker stop then waits
10 s and kills it: exit 137), so dockwise's runner makes SIGTERM end the script (exit 0); Tornado does not drain,
so a request in flight is cut, as outside a container.

Best practice::

    import asyncio
    import tornado.web

    class Main(tornado.web.RequestHandler):
        def get(self):
            self.write("hi")

    async def main():
        app = tornado.web.Application([(r"/", Main)])
        app.listen(8888)
        await asyncio.Event().wait()

    if __name__ == "__main__":
        asyncio.run(main())

Anti-pattern::

    import asyncio
    import tornado.web

    async def main():
        app = tornado.web.Application([])
        app.listen(8888, address="127.0.0.1")
        await asyncio.Event().wait()

    if __name__ == "__main__":
        asyncio.run(main())
"""

from dockwise.pyapp.frameworks import Framework, OwnServer, constructors

FRAMEWORK = Framework(
    name="tornado",
    distribution="tornado",
    constructors=constructors({"tornado.web.Application": "self"}),
    imports=("tornado.web", "tornado.httpserver", "tornado.ioloop", "tornado.options", "tornado.template"),
    own_server=OwnServer(
        methods=("listen",),
        host_keyword="address",
        host_position=1,
        port_position=0,
        default_host="",
        stops_on_sigterm=False,
        on_stop="it does not drain: a request in flight at stop is cut",
        option_define="tornado.options.define",
        option_parse=("tornado.options.parse_command_line",),
        option_values="tornado.options.options",
    ),
)
