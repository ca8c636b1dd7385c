"""Serve the reference service with granian; PORT, WEB_CONCURRENCY and WEB_THREADS override the defaults.

granian is a Rust HTTP server: connections, header parsing and slow clients live in its async runtime, and a
Python thread is taken only by a complete request, so connections that trickle their headers hold no thread.

The boot path is this module rather than granian's command line: the app is imported here, once, before the
workers are forked (they start ready to serve, sharing its memory), and the collector stays off while the few
hundred modules load, since everything they allocate lives as long as the process.
"""

import gc

if __name__ == "__main__":
    gc.disable()

import os  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import web_app  # noqa: E402
from granian import Granian  # noqa: E402
from granian.constants import Interfaces  # noqa: E402
from granian.http import HTTP1Settings  # noqa: E402

# docker stop waits 10 s before SIGKILL: workers still busy after this many seconds are killed, so the server
# itself exits 0 within docker's grace period.
GRACEFUL_TIMEOUT_S = 8
# Headers larger than this are refused (431) before any of them reaches Python.
MAX_HEAD_BYTES = 16 * 1024
# A client gets this long to send its headers, however slowly it trickles them.
HEADER_READ_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Settings:
    port: int = 5000
    workers: int = 2
    threads: int = 4  # Python threads per worker, i.e. requests a worker runs in the app at once

    @classmethod
    def from_env(cls, env: dict[str, str]) -> "Settings":
        return cls(port=int(env.get("PORT", cls.port)), workers=int(env.get("WEB_CONCURRENCY", cls.workers)),
                   threads=int(env.get("WEB_THREADS", cls.threads)))


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": web_app.JsonLogFormatter}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {"_granian": {"level": "INFO", "handlers": ["stdout"], "propagate": False}},
}


def build_server(settings: Settings) -> Granian:
    return Granian(
        "web_app:app",
        address="0.0.0.0",
        port=settings.port,
        interface=Interfaces.WSGI,
        workers=settings.workers,
        blocking_threads=settings.threads,
        websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS, max_buffer_size=MAX_HEAD_BYTES),
        log_dictconfig=LOG_CONFIG,
        workers_kill_timeout=GRACEFUL_TIMEOUT_S,
        respawn_failed_workers=True,
    )


def main() -> None:
    server = build_server(Settings.from_env(dict(os.environ)))
    # What the imports left is permanent: frozen, the collector never scans it again, and forked workers share it.
    gc.freeze()
    gc.enable()
    server.serve()


if __name__ == "__main__":
    main()
