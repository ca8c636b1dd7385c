"""The final image starts as root and drops privileges at run time instead of setting `USER`.

The entrypoint or the server leaves root by itself. Recognised: `gosu`, `su-exec`, `s6-setuidgid`/`s6-applyuidgid`
(s6-overlay service scripts included), `setuidgid`, `runuser`, `chpst -u`, `setpriv --reuid`, `chroot --userspec`,
`su -c`, in the command or in the entrypoint script the build copies (found by its name in the image, behind `tini`
or a shell); gosu, su-exec or setpriv put into the final image (a package install, a download to a file of that
name, a `COPY`) beside an `ENTRYPOINT` script, which then is there to step down with — also when the script is not at
hand (`dockwise lint -`), but not when it is and names none of them; a server's own user option (`named -u`,
`memcached -u`, `dnsmasq --user`, `gunicorn --user`, `uwsgi --uid`, `mysqld --user`); and servers whose official
images configure the worker user (nginx, httpd/apache2, haproxy, php-fpm). It works, and is what official images
do for volume-ownership fix-ups, but everything before the drop (and a `docker exec`) is root, and orchestrators
cannot verify a non-root user. Scope: the final image, as DW008. Off by default (`enable = ["DW124"]` turns it on):
on the real-world corpus all 18 findings were official product images (postgres, redis, mongo, rabbitmq, mysql,
ghost, httpd, nginx, vault, consul, bind) whose entrypoints drop privileges by design, and none of their maintainers
would act on "prefer USER"; what matters by default is that DW008 no longer calls them "runs as root".

Anti-pattern::

    FROM debian:trixie-slim
    RUN apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/*
    EXPOSE 8080
    ENTRYPOINT ["gosu", "nobody", "python3", "-m", "http.server", "8080"]

Anti-pattern::

    FROM debian:trixie-slim
    RUN apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/*
    COPY docker-entrypoint.sh /usr/local/bin/
    EXPOSE 8080
    ENTRYPOINT ["docker-entrypoint.sh"]
    CMD ["python3", "-m", "http.server", "8080"]

Best practice::

    FROM debian:trixie-slim
    USER 65534
    EXPOSE 8080
    ENTRYPOINT ["python3", "-m", "http.server", "8080"]
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import privilege_drop
from dockwise.dockerfile.rules import Subject
from dockwise.dockerfile.rules.dw008_non_root import root_hit

ID = "DW124"
NAME = "runtime-privilege-drop"
SEVERITY = Severity.INFO
SCOPE = Scope.FINAL_IMAGE
FIX = "Prefer USER <uid> in the Dockerfile (fix volume ownership at build time or with an init container)."
REFS = {"cis": "4.1"}
ENABLED_BY_DEFAULT = False


def check(subject: Subject) -> Iterator[Hit]:
    hit = root_hit(subject.build, subject.context)
    if hit is None:
        return
    how = privilege_drop(subject.build, subject.context)
    if how is not None:
        yield Hit(hit.line, f"runs as root and drops privileges at run time ({how}); prefer USER")
