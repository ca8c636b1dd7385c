"""Server options by the release that introduced them, and the signal a server command stops on.

dockwise's server command uses options of current releases. An app that pins an older release gets the command
without the options that release lacks, each one said in a note (uvicorn 0.17 exits 2 on
`--timeout-graceful-shutdown`, which arrived in 0.22.0); an option the app cannot run without (`--factory` for an
app built by a factory) is refused in one line instead. First releases were read from each project's tagged source
(the option in uvicorn/main.py, granian/cli.py, gunicorn/config.py, hypercorn's __main__.py at each tag).

A Python process that is PID 1 and installs no SIGTERM handler never sees `docker stop`'s SIGTERM (the kernel drops
signals PID 1 does not handle) and is killed 10 s later: waitress and a script that serves itself stop on SIGINT
(KeyboardInterrupt) instead, which the image says with STOPSIGNAL.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.grammar import shell_words
from dockwise.pyapp.server import SERVERS, Server


@dataclass(frozen=True)
class Flag:
    server: str
    option: str
    first: Version  # the first release that accepts it
    takes_value: bool
    needed: bool = False  # the command cannot work without it: refuse rather than drop


FLAGS: tuple[Flag, ...] = (
    Flag("uvicorn", "--timeout-graceful-shutdown", Version("0.22.0"), True),
    Flag("uvicorn", "--factory", Version("0.13.0"), False, needed=True),
    Flag("granian", "--blocking-threads", Version("1.0.0"), True),
    Flag("granian", "--respawn-failed-workers", Version("1.0.0"), False),
    Flag("granian", "--access-log", Version("1.4.0"), False),
    Flag("granian", "--factory", Version("1.6.0"), False, needed=True),
    Flag("granian", "--workers-kill-timeout", Version("1.7.0"), True),
    Flag("granian", "--http1-header-read-timeout", Version("2.0.0"), True),
    Flag("gunicorn", "--graceful-timeout", Version("0.14.4"), True),
    Flag("gunicorn", "--threads", Version("19.0"), True),
    Flag("gunicorn", "--worker-tmp-dir", Version("19.0"), True),
    Flag("hypercorn", "--graceful-timeout", Version("0.10.0"), True),
)
_NEWEST = Version("99999")  # stands for every release after the ones the table names


def allows_from(specifier: str, first: Version) -> bool | None:
    """Whether a release at or after `first` satisfies `specifier` (what pip then installs: the newest allowed);
    None when the specifier cannot be read."""
    try:
        allowed = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    probes = {first, _NEWEST, *(f.first for f in FLAGS if f.first > first)}
    probes |= {Version(s.version) for s in allowed if s.version.replace(".", "").isdigit()}
    return any(probe >= first and allowed.contains(probe, prereleases=True) for probe in probes)


def fit_to_version(argv: list[str], server: Server, specifier: str, where: str) -> tuple[list[str], list[str]]:
    """`argv` without the options the release `specifier` allows lacks, and a note for each one dropped. `where`
    says which file pins the server. Raises DockwiseError when a needed option is missing from that release."""
    words = list(argv)
    notes: list[str] = []
    for flag in FLAGS:
        if flag.server != server.name or flag.option not in words or not specifier:
            continue
        if allows_from(specifier, flag.first) is not False:
            continue
        if flag.needed:
            raise DockwiseError(
                f"{where} pins {server.name}{specifier}, which has no {flag.option} (first in {flag.first}), and "
                "the command needs it",
                f"allow {server.name}>={flag.first}, or pass --cmd",
                exit_code=EXIT_USAGE,
            )
        index = words.index(flag.option)
        del words[index : index + (2 if flag.takes_value else 1)]
        notes.append(
            f"{where} pins {server.name}{specifier}: {flag.option} is left out of the command (first in "
            f"{server.name} {flag.first})"
        )
    return words, notes


def stop_signal(argv: tuple[str, ...] | list[str]) -> tuple[str, str] | None:
    """The signal the command stops on when it is not SIGTERM, and why; None for servers that handle SIGTERM."""
    if not argv:
        return None
    program = posixpath.basename(argv[0])
    if program == SERVERS["waitress"].script:
        return "SIGINT", "waitress installs no SIGTERM handler: as PID 1 it would ignore docker stop's SIGTERM"
    if program.startswith("python") and len(argv) > 1 and argv[1] != "-c":  # -c: selfserve's runner handles SIGTERM
        module = argv[2] if argv[1] == "-m" and len(argv) > 2 else None
        known = next((s for s in SERVERS.values() if module in (s.name, s.script)), None)
        if known is not None:
            return stop_signal([known.script, *argv[3:]])
        return "SIGINT", (
            f"`{shell_words(list(argv[:3]))}` serves itself: Python installs no SIGTERM handler, and as PID 1 it would ignore "
            "docker stop's SIGTERM; SIGINT stops it (KeyboardInterrupt)"
        )
    return None
