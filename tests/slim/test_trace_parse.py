"""strace -ff output, the audit hook's records and /proc maps: parsed right, and every kind of loss refused."""

from __future__ import annotations

import pytest

from dockwise.slim.trace import (
    MappedFile,
    ProcessTrace,
    PythonProcess,
    TraceLost,
    check_complete,
    joined,
    parse_maps,
    parse_python_events,
    parse_strace_file,
    split_call,
    unquote,
)
from tests.slim.helpers import opened, trace_of

STRACE = r"""execve("/opt/venv/bin/gunicorn", ["/opt/venv/bin/gunicorn", "--config", "/etc/passwd"], 0x7ffd /* 8 vars */) = 0
openat(AT_FDCWD</app>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
openat(AT_FDCWD</app>, "web_app.py", O_RDONLY|O_CLOEXEC) = 3</app/web_app.py>
newfstatat(3</usr/lib/python3.13>, "json", {st_mode=S_IFDIR|0755, st_size=4096, ...}, 0) = 0
openat(AT_FDCWD</app>, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
openat(AT_FDCWD</app>, "/root/secret", O_RDONLY) = -1 EACCES (Permission denied)
stat("relative/x", {st_mode=S_IFREG|0644, st_size=1, ...}) = 0
readlink("/opt/venv/bin/python3", "python3.13", 4096) = 10
rename("/tmp/a", "/tmp/b") = 0
openat(AT_FDCWD</app>, "/odd\"name\x41\303\251", O_RDONLY) = 3
chdir("/srv") = 0
access("data", R_OK) = 0
clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f) = 42
--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=42} ---
openat(AT_FDCWD</srv>, "/usr/lib/slow.so", O_RDONLY|O_CLOEXEC <unfinished ...>
<... openat resumed>) = 5</usr/lib/slow.so>
exit_group(0) = ?
+++ exited with 0 +++
"""


def test_parse_strace_file() -> None:
    process = parse_strace_file(7, STRACE.splitlines(), "/app")
    found = {path for call in process.calls if call.found for path in call.paths}
    assert found == {
        "/opt/venv/bin/gunicorn",
        "/etc/ld.so.cache",
        "/app/web_app.py",
        "/usr/lib/python3.13/json",
        "/root/secret",
        "/app/relative/x",
        "/opt/venv/bin/python3",
        "/tmp/a",
        "/tmp/b",
        '/odd"nameAé',
        "/srv",
        "/srv/data",
        "/usr/lib/slow.so",
    }
    assert "/nope" in {p for call in process.calls if not call.found for p in call.paths}
    assert "--config" not in str(found) and "/etc/passwd" not in found  # execve's argv are not paths
    assert process.execs == ("/opt/venv/bin/gunicorn",)
    assert process.children == (42,)
    assert process.exit == "exited with 0"


def test_split_call_and_unquote() -> None:
    assert split_call('openat(AT_FDCWD</a,b>, "x,y", O_RDONLY) = 3') == (
        "openat",
        ["AT_FDCWD</a,b>", '"x,y"', "O_RDONLY"],
        "3",
    )
    assert split_call("+++ exited with 0 +++") is None
    assert unquote(r'"\x2f\t\\\"\101"') == '/\t\\"A'
    assert unquote(r'"\377"') == "\udcff"  # an undecodable byte, as os.fsdecode would give it


def _python(pid: int, exe: str = "/usr/bin/python3.13") -> PythonProcess:
    return PythonProcess(
        pid,
        exe,
        "/usr",
        "/usr",
        ("/usr/lib/python3.13",),
        "cpython-313",
        (".so",),
        "3.13.5",
        {"sys": None, "os": "/usr/lib/python3.13/os.py"},
    )


def _resolve(path: str) -> str:
    return path.lstrip("/")


def _check(trace, interpreter=lambda _p: None) -> None:
    check_complete(trace, resolve=_resolve, is_python=lambda p: p.endswith("python3.13"), interpreter=interpreter)


def test_complete_trace_passes() -> None:
    process = ProcessTrace(10, opened("/usr/lib/python3.13/os.py").calls, (), ("/usr/bin/python3.13",), "exited with 0")
    _check(
        trace_of(
            process,
            python=[_python(10)],
            mapped=[MappedFile(10, "/usr/bin/python3.13"), MappedFile(10, "/lib64/ld.so"), MappedFile(1, "/tracer/x")],
        ),
        interpreter=lambda p: "lib64/ld.so" if p == "usr/bin/python3.13" else None,
    )


@pytest.mark.parametrize(
    "case", ["truncated", "unfollowed child", "silent python", "unopened mapping", "unseen module"]
)
def test_loss_is_refused(case: str) -> None:
    process = ProcessTrace(10, opened("/a").calls, (), ("/usr/bin/python3.13",), "exited with 0")
    python, mapped, exits = [_python(10)], [], {}
    if case == "truncated":
        process = ProcessTrace(10, process.calls, (), process.execs, None)
    elif case == "unfollowed child":
        process = ProcessTrace(10, process.calls, (11,), process.execs, "exited with 0")
    elif case == "silent python":
        python = []
    elif case == "unopened mapping":
        mapped = [MappedFile(10, "/usr/lib/libx.so")]
    elif case == "unseen module":
        exits = {10: {"lazy": "/usr/lib/python3.13/lazy.py"}}
    with pytest.raises(TraceLost):
        _check(trace_of(process, python=python, mapped=mapped, exits=exits))


def test_python_events() -> None:
    lines = [
        '{"pid": 5, "e": "start", "exe": "/opt/venv/bin/python", "prefix": "/opt/venv", "base_prefix": "/usr", '
        '"path": ["/app", "/usr/lib/python3.13"], "cache_tag": "cpython-313", "ext": [".so"], "version": "3.13.5", '
        '"modules": {"sys": null}}',
        '{"pid": 5, "e": "import", "n": "_ssl", "f": "/usr/lib/python3.13/lib-dynload/_ssl.so"}',
        '{"pid": 6, "e": "open", "n": "/etc/passwd"}',
        '{"pid": 6, "e": "exit", "modules": {"sys": null, "json": "/usr/lib/python3.13/json/__init__.py"}}',
        "",
    ]
    python, events, exits = parse_python_events(lines)
    assert python[0].executable == "/opt/venv/bin/python" and python[0].sys_path == ("/app", "/usr/lib/python3.13")
    assert [(e.kind, e.name, e.path) for e in events] == [
        ("import", "_ssl", "/usr/lib/python3.13/lib-dynload/_ssl.so"),
        ("open", "/etc/passwd", None),
    ]
    assert exits == {6: {"sys": None, "json": "/usr/lib/python3.13/json/__init__.py"}}
    with pytest.raises(TraceLost):
        parse_python_events(['{"pid": 5, "e": "start"', ""])


def test_parse_maps() -> None:
    text = (
        "55d0-55d1 r--p 00000000 00:2e 123 /usr/bin/python3.13\n"
        "7f00-7f01 r-xp 00000000 00:2e 456 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
        "7f02-7f03 rw-p 00000000 00:00 0 \n"
        "7f04-7f05 r--p 00000000 00:2e 789 /tmp/gone (deleted)\n"
        "7ffc-7ffd rw-p 00000000 00:00 0 [stack]\n"
        "55d2-55d3 r-xp 00001000 00:2e 123 /usr/bin/python3.13\n"
    )
    assert [m.path for m in parse_maps(3, text)] == [
        "/usr/bin/python3.13",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/tmp/gone",
    ]


def test_a_process_that_raises_a_fatal_signal_at_itself_has_ended():
    """uvicorn re-raises SIGTERM at itself after a graceful stop; strace may write no `+++ killed` line after it."""
    from dockwise.slim.trace import parse_strace_file

    lines = [
        'openat(AT_FDCWD</app>, "/app/main.py", O_RDONLY) = 3</app/main.py>\n',
        "tgkill(11, 11, SIGTERM)                 = 0\n",
    ]
    assert parse_strace_file(11, lines, "/").exit == "killed by SIGTERM (raised at itself)"
    other = ["tgkill(11, 12, SIGTERM)                 = 0\n"]
    assert parse_strace_file(11, other, "/").exit is None  # signalling another thread is not an end


def test_joined_traces_keep_what_each_run_saw() -> None:
    """The service's run and its setup step's one-shot have PID namespaces of their own: the same PID in both loses
    neither run's files nor its modules at exit."""
    service = trace_of(opened("/app/web_app.py", pid=7), exits={7: {"json": "/usr/lib/python3.13/json/__init__.py"}})
    setup = trace_of(
        opened("/opt/venv/lib/django/migrations/0001.py", pid=7),
        exits={7: {"sqlite3": "/usr/lib/python3.13/sqlite3/__init__.py"}},
    )
    both = joined((service, setup))
    assert set(both.found_paths()) == {"/app/web_app.py", "/opt/venv/lib/django/migrations/0001.py"}
    assert set(both.imported_modules()) == {"json", "sqlite3"}
    assert len(both.processes) == 2
