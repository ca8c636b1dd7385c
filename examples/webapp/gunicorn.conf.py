"""gunicorn settings for the reference service; environment variables override the defaults."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# The app is imported once in the master and forked: the first request is answered sooner and memory is shared.
preload_app = True
# The heartbeat file must live on tmpfs: on overlayfs a slow write can get workers killed.
worker_tmp_dir = "/dev/shm"
# SIGTERM (docker stop) lets in-flight requests finish; this stays below docker stop's default 10 s grace.
graceful_timeout = 8
timeout = 30
keepalive = 5
# The image's user has no writable home; the control socket is not needed in a container.
control_socket_disable = True
accesslog = None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "web_app.JsonLogFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "web_app": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
}
