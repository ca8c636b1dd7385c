"""The base-image contract, asserted by running real containers of the bases in the engine."""

from __future__ import annotations

import json

import pytest

from dockwise.debian.lock import load_lock
from dockwise.debian.releases import CA_PACKAGE
from tests.debian.helpers import distroless_tag, locked_python, slim_tag

pytestmark = pytest.mark.engine

HOST_CA = "/etc/ssl/certs/ca-certificates.crt"
CA_MOUNT = {HOST_CA: {"bind": HOST_CA, "mode": "ro"}}
IMPORTS = "import ssl, sqlite3, ctypes, zoneinfo, venv; print('imports ok')"


def test_python_version_in_both_bases(distroless, run):
    rel, profile = distroless
    expected = f"Python {locked_python(rel.codename)}"
    code, out = run(slim_tag(rel), ["python3", "--version"])
    assert (code, out.strip()) == (0, expected)
    code, out = run(slim_tag(rel), ["python", "--version"])
    assert (code, out.strip()) == (0, expected)
    code, out = run(distroless_tag(rel, profile), ["-c", "import platform; print('Python', platform.python_version())"])
    assert (code, out.strip()) == (0, expected)


@pytest.mark.parametrize("nonroot", [False, True], ids=["root", "nonroot"])
def test_stdlib_imports_in_distroless(distroless, run, nonroot):
    rel, profile = distroless
    assert run(distroless_tag(rel, profile, nonroot), ["-c", IMPORTS]) == (0, "imports ok\n")


def test_stdlib_imports_in_slim(bases, run):
    rel, _ = bases
    assert run(slim_tag(rel), ["python3", "-c", IMPORTS]) == (0, "imports ok\n")


def test_nonroot_runs_as_65532_in_home(distroless, run):
    rel, profile = distroless
    probe = "import os; print(os.getuid(), os.getgid(), os.getcwd())"
    assert run(distroless_tag(rel, profile, nonroot=True), ["-c", probe]) == (0, "65532 65532 /home/nonroot\n")
    assert run(distroless_tag(rel, profile), ["-c", probe]) == (0, "0 0 /\n")


def test_distroless_has_no_shell_apt_dpkg_or_pip(distroless, run):
    rel, profile = distroless
    probe = (
        "import os, shutil, subprocess\n"
        "paths = ['/bin/sh', '/usr/bin/sh', '/bin/bash', '/usr/bin/apt', '/usr/bin/apt-get', '/usr/bin/dpkg',\n"
        "         '/usr/bin/pip', '/usr/bin/pip3']\n"
        "print(sorted(p for p in paths if os.path.lexists(p)))\n"
        "print([t for t in ('sh', 'apt', 'dpkg', 'pip', 'pip3') if shutil.which(t)])\n"
        "try:\n    subprocess.run('true', shell=True)\nexcept FileNotFoundError:\n    print('no shell')\n"
    )
    assert run(distroless_tag(rel, profile), ["-c", probe]) == (0, "[]\n[]\nno shell\n")


def test_distroless_files_match_distroless(distroless, run):
    rel, profile = distroless
    probe = (
        "import os, stat\n"
        "print(open('/etc/passwd').read().split())\n"
        "print(oct(stat.S_IMODE(os.stat('/tmp').st_mode)))\n"
        "st = os.stat('/home/nonroot'); print(oct(stat.S_IMODE(st.st_mode)), st.st_uid, st.st_gid)\n"
        "print(open('/etc/os-release').readline().strip())\n"
        "print(open(os.environ['SSL_CERT_FILE']).read().count('BEGIN CERTIFICATE') > 100)\n"
        "print(os.path.realpath('/usr/bin/python3'))\n"
    )
    code, out = run(distroless_tag(rel, profile), ["-c", probe])
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == str(
        [
            "root:x:0:0:root:/root:/sbin/nologin",
            "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin",
            "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin",
        ]
    )
    assert lines[1:] == [
        "0o1777",
        "0o700 65532 65532",
        'PRETTY_NAME="Distroless"',
        "True",
        f"/usr/bin/python{rel.python}",
    ]


def test_distroless_status_d_lists_every_package(distroless, run):
    rel, profile = distroless
    code, out = run(
        distroless_tag(rel, profile), ["-c", "import os; print(sorted(os.listdir('/var/lib/dpkg/status.d')))"]
    )
    assert code == 0, out
    records = {name for name in eval(out) if not name.endswith(".md5sums")}
    unpacked = {package for _layer, packages in profile.packages(rel) for package in packages} | {CA_PACKAGE}
    assert records == {name for name in load_lock(rel.codename).distroless if name in unpacked}


def test_distroless_config(distroless, docker_client):
    rel, profile = distroless
    for nonroot, user, workdir in ((False, "0", "/"), (True, "65532", "/home/nonroot")):
        image = docker_client.images.get(distroless_tag(rel, profile, nonroot))
        config = image.attrs["Config"]
        assert config["Entrypoint"] == [f"/usr/bin/python{rel.python}"]
        assert "LANG=C.UTF-8" in config["Env"]
        assert "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" in config["Env"]
        assert (config["User"], config["WorkingDir"]) == (user, workdir)
        assert image.labels["dockwise.base.profile"] == profile.name


def test_find_library_works_where_distroless_ships_ld_so_cache(distroless, run):
    rel, profile = distroless
    if not rel.ld_so_cache:
        pytest.skip(f"distroless debian{rel.version} ships no ld.so.cache")
    code, out = run(distroless_tag(rel, profile), ["-c", "import ctypes.util; print(ctypes.util.find_library('ssl'))"])
    assert (code, out.strip()) == (0, "libssl.so.3")


def test_slim_tools_on_path_and_trimmed(bases, run):
    rel, _ = bases
    script = (
        "for t in sh apt apt-get dpkg python python3 pip pip3; do command -v $t >/dev/null || echo missing $t; done; "
        "echo LANG=$LANG; "
        "find /usr/share/doc -type f ! -name copyright | head -3; "
        "find /usr/share/man /usr/share/info /var/lib/apt/lists /var/cache/apt -mindepth 1 2>/dev/null | head -3; "
        f"ls /usr/lib/python{rel.python}/EXTERNALLY-MANAGED 2>/dev/null; echo end"
    )
    assert run(slim_tag(rel), ["sh", "-c", script]) == (0, "LANG=C.UTF-8\nend\n")


def test_slim_config_matches_official(bases, docker_client):
    rel, _ = bases
    config = docker_client.images.get(slim_tag(rel)).attrs["Config"]
    assert config["Cmd"] == ["python3"]
    assert "LANG=C.UTF-8" in config["Env"]


def test_slim_pip_install_as_root_with_host_ca(bases, run):
    rel, _ = bases
    script = (
        "echo six > /tmp/requirements.txt && pip install --no-cache-dir --root-user-action=ignore -q "
        "-r /tmp/requirements.txt && python -c 'import six; print(six.__name__)'"
    )
    code, out = run(slim_tag(rel), ["sh", "-c", script], volumes=CA_MOUNT)
    assert (code, out.strip().splitlines()[-1]) == (0, "six"), out


def test_slim_https_to_pypi_with_host_ca(bases, run):
    rel, _ = bases
    probe = "import urllib.request; print(urllib.request.urlopen('https://pypi.org/simple/six/', timeout=30).status)"
    assert run(slim_tag(rel), ["python3", "-c", probe], volumes=CA_MOUNT) == (0, "200\n")


def test_slim_venv_interpreter_exists_in_distroless(bases, run):
    rel, _ = bases
    script = "python3 -m venv /opt/venv && /opt/venv/bin/pip --version >/dev/null && readlink /opt/venv/bin/python3"
    code, out = run(slim_tag(rel), ["sh", "-c", script])
    assert code == 0, out
    target = out.strip()
    probe = f"import os; print(os.path.realpath({target!r}))"
    assert run(distroless_tag(rel), ["-c", probe]) == (0, f"/usr/bin/python{rel.python}\n")


def test_cli_reports_bases_up_to_date_as_json(bases):
    from tests.debian.helpers import dockwise

    rel, ids = bases
    result = dockwise("base", "--release", rel.codename, "--json")
    assert result.returncode == 0, result.stderr
    assert {item["tag"]: item["image_id"] for item in json.loads(result.stdout)} == ids


def test_slim_apt_installs_without_docs(bases, run):
    rel, _ = bases
    script = (
        "apt-get update -qq && apt-get install -y -qq --no-install-recommends less >/dev/null "
        "&& command -v less && ls /usr/share/man | wc -l && ls /var/cache/apt/archives/*.deb 2>/dev/null | wc -l"
    )
    code, out = run(slim_tag(rel), ["sh", "-c", script])
    assert code == 0, out
    assert out.split()[-3:] == ["/usr/bin/less", "0", "0"]


def test_slim_pip_upgrades_itself_like_the_official_image(bases, run):
    rel, _ = bases
    script = (
        "pip install --no-cache-dir --root-user-action=ignore -q -U pip "
        "&& python3 -c 'import pip; print(pip.__file__)' && command -v pip"
    )
    code, out = run(slim_tag(rel), ["sh", "-c", script], volumes=CA_MOUNT)
    assert code == 0, out
    assert out.split()[-2:] == [
        f"/usr/local/lib/python{rel.python}/dist-packages/pip/__init__.py",
        "/usr/local/bin/pip",
    ]


# Modules that cannot import on Linux without extra packages; the same set distroless's own test skips.
NOT_ON_LINUX = {
    "_distutils_system_mod",
    "_ios_support",
    "_pyrepl._minimal_curses",
    "_pyrepl.windows_console",
    "asyncio.windows_events",
    "asyncio.windows_utils",
    "ctypes.wintypes",
    "dbm.gnu",
    "distutils._msvccompiler",
    "distutils.command.bdist_msi",
    "distutils.msvc9compiler",
    "encodings.cp65001",
    "encodings.mbcs",
    "encodings.oem",
    "lib2to3.pgen2.conv",
    "multiprocessing.popen_spawn_win32",
    "winreg",
}
IMPORT_EVERYTHING = """
import importlib, json, pkgutil
failed, imported = [], 0
for info in pkgutil.walk_packages(onerror=lambda name: failed.append(name)):
    name = info.name
    if name.split('.')[0] in ('test', 'idlelib', 'tkinter', 'turtle', 'turtledemo', 'antigravity', 'this') \\
            or name.endswith('__main__') or name.startswith('__'):
        continue
    try:
        importlib.import_module(name)
        imported += 1
    except SystemExit:
        imported += 1
    except Exception:
        failed.append(name)
print(json.dumps({'imported': imported, 'failed': sorted(failed)}))
"""


def test_distroless_imports_every_stdlib_module(distroless, run):
    rel, profile = distroless
    code, out = run(distroless_tag(rel, profile), ["-c", IMPORT_EVERYTHING])
    assert code == 0, out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["imported"] > 300
    assert set(result["failed"]) <= NOT_ON_LINUX
