"""Naming what the slim image lacks, from what it printed or answered."""

from __future__ import annotations

from dockwise.jobs.slim import missing_hint
from dockwise.slim.keep import KeepSet, Kept, Reason
from tests.slim.helpers import make_rootfs

TREE = {
    "usr/lib/python3.13/os.py": b"",
    "usr/lib/python3.13/statistics.py": b"",
    "usr/lib/python3.13/email/__init__.py": b"",
    "usr/lib/python3.13/email/parser.py": b"",
    "usr/share/zoneinfo/Europe/Paris": b"TZif",
    "etc/passwd": b"",
}


def _keep(*paths: str) -> KeepSet:
    return KeepSet(kept={p: Kept(Reason("traced", "test"), p) for p in paths})


def test_names_a_missing_module_or_file() -> None:
    root = make_rootfs(TREE)
    keep = _keep("usr/lib/python3.13/os.py", "usr/lib/python3.13/email/__init__.py", "etc/passwd")
    log = "File \"/app/web_app.py\", line 3 | ModuleNotFoundError: No module named 'statistics'"
    assert missing_hint([log], root, keep) == "; missing from the slim image: /usr/lib/python3.13/statistics.py"
    assert missing_hint(["No module named 'email.parser'"], root, keep).endswith("/usr/lib/python3.13/email/parser.py")
    error = "FileNotFoundError: [Errno 2] No such file or directory: '/usr/share/zoneinfo/Europe/Paris'"
    assert missing_hint([error], root, keep) == "; missing from the slim image: /usr/share/zoneinfo/Europe/Paris"


def test_says_nothing_when_the_trace_cannot_tell() -> None:
    root = make_rootfs(TREE)
    keep = _keep(*TREE)
    assert missing_hint(["body differs", "/etc/passwd is there", "/not/in/the/image"], root, keep) == ""
