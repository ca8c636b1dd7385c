"""The lean distroless base against the faithful one: the files it drops, what it keeps, and that a Python web
service loses nothing it uses (an import matrix and functional checks, run by each base's own interpreter)."""

from __future__ import annotations

import json
import re

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.debian.bases import (
    DISTROLESS,
    LABEL_EPOCH,
    LABEL_KIND,
    LABEL_LOCK,
    LABEL_PROFILE,
    LABEL_RELEASE,
    build_epoch,
    ensure_bases,
    present_bases,
)
from dockwise.debian.cache import default_cache_dir, fetch_debs
from dockwise.debian.debfile import add_data
from dockwise.debian.distroless import _kept_md5sums, _merged_usr, distroless_layers
from dockwise.debian.lock import load_lock, lock_digest
from dockwise.debian.profiles import FAITHFUL, LEAN, Profile, dropped_module
from dockwise.debian.releases import RELEASES, check_namespace, release
from dockwise.debian.tar_tree import FILE, SYMLINK, Entry, Tree
from dockwise.engine.buildkit import BuildRequest, build_image
from tests.debian.helpers import NAMESPACE, distroless_tag

# -- the rules, without any package ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "usr/lib/x86_64-linux-gnu/gconv/ISO8859-15.so",
        "usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache",
        "lib/x86_64-linux-gnu/gconv/UTF-16.so",  # bookworm is not merged-/usr
        "usr/share/doc/libc6/changelog.Debian.gz",
        "usr/share/doc/libc6/README.hesiod.gz",
        "usr/share/man/man1/python3.13.1.gz",
        "usr/share/lintian/overrides/libc-bin",
        "usr/share/gcc/python/libstdcxx/v6/printers.py",
        "usr/share/zoneinfo/right/Europe/Paris",
        "usr/bin/localedef",
        "usr/bin/ldd",
        "usr/sbin/zic",
        "usr/lib/python3.13/ensurepip/__init__.py",
        "usr/lib/python3.13/pydoc_data/topics.py",
        "usr/lib/python3.13/test/support/__init__.py",
        "usr/lib/python3.13/turtle.py",
        "usr/lib/python3.11/lib2to3/pytree.py",
        "usr/lib/python3.13/lib-dynload/_testcapi.cpython-313-x86_64-linux-gnu.so",
        "usr/lib/python3.13/lib-dynload/xxlimited_35.cpython-313-x86_64-linux-gnu.so",
    ],
)
def test_lean_drops(path):
    assert not LEAN.keeps(path)
    assert FAITHFUL.keeps(path)


@pytest.mark.parametrize(
    "path",
    [
        "usr/share/doc/libc6/copyright",
        "usr/share/doc/libc6",
        "usr/share/common-licenses/GPL-2",
        "usr/sbin/ldconfig",  # ctypes.util.find_library runs `ldconfig -p`
        "usr/bin/python3.13",
        "usr/lib/locale/C.utf8/LC_CTYPE",
        "usr/share/zoneinfo/Europe/Paris",
        "usr/share/zoneinfo/US/Eastern",
        "usr/lib/python3.13/pydoc.py",
        "usr/lib/python3.13/unittest/mock.py",
        "usr/lib/python3.13/testing.py",  # only the `test` package itself goes
        "usr/lib/python3.13/__phello__/spam.py",
        "usr/lib/python3.13/lib-dynload/_ssl.cpython-313-x86_64-linux-gnu.so",
        "usr/lib/python3.13/lib-dynload/_xxsubinterpreters.cpython-311-x86_64-linux-gnu.so",
        "usr/lib/x86_64-linux-gnu/libc.so.6",
    ],
)
def test_lean_keeps(path):
    assert LEAN.keeps(path)


def test_dropped_modules_follow_the_rules():
    assert all(
        map(dropped_module, ["test", "test.support", "ensurepip", "pydoc_data.topics", "_testcapi", "xxsubtype"])
    )
    assert not any(map(dropped_module, ["pydoc", "unittest.mock", "_ssl", "testing", "ctypes", "__phello__"]))


def test_md5sums_keep_only_listed_paths():
    md5sums = b"0" * 32 + b"  usr/share/doc/x/copyright\n" + b"1" * 32 + b"  usr/share/doc/x/changelog.gz\n"
    assert _kept_md5sums(md5sums, LEAN.keeps) == b"0" * 32 + b"  usr/share/doc/x/copyright\n"


def test_profiles_keep_distinct_tags():
    rel = release("trixie")
    assert LEAN.tags(rel) == (
        "dockwise/distroless-python3-debian13:latest",
        "dockwise/distroless-python3-debian13:nonroot",
    )
    assert set(FAITHFUL.tags(rel)).isdisjoint(LEAN.tags(rel))


@pytest.mark.parametrize("namespace", ["dockwise", "dockwise-dev", "registry.example:5000/team/images"])
def test_good_namespaces(namespace):
    check_namespace(namespace)


@pytest.mark.parametrize("namespace", ["", "Dockwise", "dock wise", "team/", "a:b", "-x"])
def test_bad_namespaces(namespace):
    with pytest.raises(DockwiseError) as caught:
        check_namespace(namespace)
    assert caught.value.exit_code == 2


# -- the assembled file trees (locked .debs, no engine) --------------------------------------------------------------


def _files(codename: str, profile: Profile) -> dict[str, Entry]:
    rel, lock = release(codename), load_lock(codename)
    debs = dict(zip(lock.distroless, fetch_debs(lock.records(lock.distroless), default_cache_dir()), strict=True))
    merged: dict[str, Entry] = {}
    for layer in distroless_layers(rel, debs, build_epoch(lock), profile):
        merged.update(layer.tree.entries)
    return merged


@pytest.fixture(scope="module", params=sorted(RELEASES))
def trees(request):
    """(release, faithful files, lean files), each path -> entry of the final filesystem."""
    return release(request.param), _files(request.param, FAITHFUL), _files(request.param, LEAN)


def _status(files: dict[str, Entry]) -> dict[str, str]:
    prefix = "var/lib/dpkg/status.d/"
    return {
        path[len(prefix) :]: entry.data.decode()
        for path, entry in files.items()
        if path.startswith(prefix) and not path.endswith(".md5sums")
    }


@pytest.mark.slow
def test_lean_is_faithful_minus_the_rules_and_the_unused_packages(trees):
    rel, faithful, lean = trees
    assert set(lean) - set(faithful) == {"usr/share/doc/ca-certificates", "usr/share/doc/ca-certificates/copyright"}
    gone = set(faithful) - set(lean)
    by_rule = {path for path in faithful if not LEAN.keeps(path)}
    assert by_rule <= gone
    assert any("gconv/" in path for path in by_rule) and any(path.endswith("changelog.Debian.gz") for path in by_rule)
    assert gone - by_rule <= _unused_files(rel)  # the rest belonged to packages nothing in the base loads
    changed = {path for path in set(lean) & set(faithful) if lean[path].data != faithful[path].data}
    assert changed <= {"etc/ld.so.cache"} | {path for path in changed if path.endswith(".md5sums")}


def _unused_files(rel) -> set[str]:
    """Every path the release's unused packages ship (as placed in the image), with their status.d records."""
    lock = load_lock(rel.codename)
    tree = Tree()
    for deb in fetch_debs(lock.records(rel.lean_unused), default_cache_dir()):
        add_data(tree, deb, _merged_usr if rel.merged_usr else lambda path: path)
    records = {f"var/lib/dpkg/status.d/{name}{suffix}" for name in rel.lean_unused for suffix in ("", ".md5sums")}
    return set(tree.entries) | records


@pytest.mark.slow
def test_lean_keeps_licences_and_lists_only_what_it_ships(trees):
    rel, _faithful, lean = trees
    status = _status(lean)
    assert status and not set(rel.lean_unused) & set(status)
    for package in status:
        licence = lean.get(f"usr/share/doc/{package}/copyright")
        assert (licence is not None and licence.kind == FILE) or _doc_link(lean, package), package
        md5sums = lean.get(f"var/lib/dpkg/status.d/{package}.md5sums")
        listed = re.findall(r"^[0-9a-f]{32}  (.+)$", md5sums.data.decode(), re.MULTILINE) if md5sums else []
        missing = [path for path in listed if _moved(path, rel) not in lean]
        assert not missing, (package, missing[:3])
    assert not [
        path
        for path in lean
        if path.startswith("usr/share/doc/") and path.count("/") > 3 and not path.endswith("/copyright")
    ]


def _doc_link(files: dict[str, Entry], package: str) -> bool:
    """Debian lets a package's doc directory be a symlink to another package's (e.g. libgcc-s1 -> gcc-14-base)."""
    entry = files.get(f"usr/share/doc/{package}")
    return entry is not None and entry.kind == SYMLINK and f"usr/share/doc/{entry.target}/copyright" in files


def _moved(path: str, rel) -> str:
    return (_merged_usr(path) or path) if rel.merged_usr else path


@pytest.mark.slow
def test_no_kept_package_depends_on_a_dropped_one(trees):
    rel, _faithful, lean = trees
    for package, control in _status(lean).items():
        fields = re.findall(r"^(?:Pre-)?Depends: (.+)$", control, re.MULTILINE)
        needed = {alt.split()[0] for field in fields for dep in field.split(",") for alt in dep.split("|")[:1]}
        assert not needed & set(rel.lean_unused), package


# -- the built images, run with their own interpreter ----------------------------------------------------------------

# Every stdlib module (walked from the interpreter's own stdlib and lib-dynload, plus the built-in ones) imported
# in one process; scripts (`__main__`) and antigravity (opens a browser) are left out in both bases alike.
IMPORT_MATRIX = r"""
import contextlib, importlib, io, json, pkgutil, sys, sysconfig
stdlib = sysconfig.get_paths()["stdlib"]
names, failed = set(sys.builtin_module_names), set()
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    for info in pkgutil.walk_packages([stdlib, stdlib + "/lib-dynload"], onerror=failed.add):
        names.add(info.name)
    imported = []
    for name in sorted(names - failed):
        if name.endswith("__main__") or name == "antigravity":
            continue
        try:
            importlib.import_module(name)
            imported.append(name)
        except SystemExit:
            imported.append(name)
        except Exception:
            failed.add(name)
print(json.dumps({"imported": imported, "failed": sorted(failed), "builtin": sorted(sys.builtin_module_names)}))
"""

# What a web service needs from the base: TLS with the CA bundle, sqlite3, time zones (canonical and legacy names),
# ctypes and find_library, the C.UTF-8 locale, and a venv without pip.
SERVICE_CHECKS = r"""
import ctypes, ctypes.util, datetime, json, locale, os, sqlite3, ssl, subprocess, sys, zoneinfo
out = {"ca_certs_loaded": ssl.create_default_context().cert_store_stats()["x509_ca"] > 100}
db = sqlite3.connect(":memory:")
db.execute("create table t (x)")
db.execute("insert into t values (?)", ("é",))
out["sqlite3"] = db.execute("select x from t").fetchone()[0]
zones = ("Europe/Paris", "US/Eastern")
out["zoneinfo"] = [str(datetime.datetime(2024, 7, 1, tzinfo=zoneinfo.ZoneInfo(z)).utcoffset()) for z in zones]
libc = ctypes.util.find_library("c")
out["ctypes"] = [libc, ctypes.CDLL(libc).getpid() == os.getpid()]
try:
    out["locale"] = [locale.setlocale(locale.LC_ALL, "C.UTF-8"), locale.nl_langinfo(locale.CODESET)]
except locale.Error as error:
    out["locale"] = [str(error)]
subprocess.run([sys.executable, "-m", "venv", "--without-pip", "/tmp/venv"], check=True)
probe = "import sys; print(sys.prefix, sys.prefix != sys.base_prefix)"
out["venv"] = subprocess.run(["/tmp/venv/bin/python", "-c", probe], capture_output=True, text=True, check=True).stdout.split()
print(json.dumps(out))
"""
SERVICE_EXPECTED = {
    "ca_certs_loaded": True,
    "sqlite3": "é",
    "zoneinfo": ["2:00:00", "-1 day, 20:00:00"],
    "ctypes": ["libc.so.6", True],
    "locale": ["C.UTF-8", "UTF-8"],
    "venv": ["/tmp/venv", "True"],
}

# Every ELF file (programs, libraries, extension modules) has all its shared libraries: the base's own ld.so says.
ELF_LINKS = r"""
import json, os, subprocess
broken, seen = {}, set()
for top in ("/usr", "/bin", "/sbin", "/lib", "/lib64"):
    for root, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path) or os.path.realpath(path) in seen:
                continue
            seen.add(os.path.realpath(path))
            with open(path, "rb") as handle:
                if handle.read(4) != b"\x7fELF":
                    continue
            result = subprocess.run(["/lib64/ld-linux-x86-64.so.2", "--list", path], capture_output=True, text=True)
            if result.returncode != 0 or "not found" in result.stdout:
                broken[path] = result.stderr.strip()[-200:]
print(json.dumps([len(seen), broken]))
"""


@pytest.fixture(scope="module")
def profiles(bases):
    """The release, and both distroless profiles' images in the engine (lean comes with `bases`)."""
    rel, _ = bases
    ensure_bases(rel.codename, kinds=(DISTROLESS,), profile=FAITHFUL, namespace=NAMESPACE)
    return rel


def _json(run, image: str, script: str):
    code, out = run(image, ["-c", script])
    assert code == 0, out[-2000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.engine
def test_lean_imports_every_module_faithful_does_except_the_drops(profiles, run):
    rel = profiles
    matrix = _json(run, distroless_tag(rel, FAITHFUL), IMPORT_MATRIX)
    faithful, builtin = set(matrix["imported"]), set(matrix["builtin"])
    lean = set(_json(run, distroless_tag(rel, LEAN), IMPORT_MATRIX)["imported"])
    assert len(faithful) > 500 and {"ssl", "sqlite3", "zoneinfo", "ctypes", "venv", "_decimal"} <= lean
    assert lean <= faithful
    # a module compiled into the interpreter (3.11's xxsubtype) has no file to drop
    assert faithful - lean == {name for name in faithful - builtin if dropped_module(name)}
    assert {"test", "pydoc_data", "_testcapi"} <= faithful - lean


@pytest.mark.engine
@pytest.mark.parametrize("profile", [LEAN, FAITHFUL], ids=["lean", "faithful"])
@pytest.mark.parametrize("nonroot", [False, True], ids=["root", "nonroot"])
def test_what_a_web_service_needs_works(profiles, run, profile, nonroot):
    expected = dict(SERVICE_EXPECTED)
    if "libc-bin" not in profiles.distroless_packages:
        # distroless debian12 has neither ld.so.cache nor the C.UTF-8 locale: find_library finds nothing (ctypes
        # itself works) and setlocale fails, in the faithful base as in the lean one
        expected |= {"ctypes": [None, True], "locale": ["unsupported locale setting"]}
    assert _json(run, distroless_tag(profiles, profile, nonroot), SERVICE_CHECKS) == expected


@pytest.mark.engine
@pytest.mark.parametrize("profile", [LEAN, FAITHFUL], ids=["lean", "faithful"])
def test_every_program_and_library_finds_its_libraries(profiles, run, profile):
    files, broken = _json(run, distroless_tag(profiles, profile), ELF_LINKS)
    assert files > 1000 and broken == {}


@pytest.mark.engine
def test_lean_is_smaller(profiles, docker_client):
    sizes = {p.name: docker_client.images.get(distroless_tag(profiles, p)).attrs["Size"] for p in (LEAN, FAITHFUL)}
    assert sizes["lean"] < 0.8 * sizes["faithful"]


@pytest.mark.engine
def test_a_base_from_before_the_profiles_is_rebuilt(docker_client, tmp_path, test_labels):
    """`dockwise base` must replace the faithful images the default tags held before lean became the default."""
    rel, lock = release("trixie"), load_lock("trixie")
    namespace = f"dockwise-test-{test_labels['dockwise.test']}"
    epoch = str(build_epoch(lock))
    old = {LABEL_KIND: DISTROLESS, LABEL_RELEASE: rel.codename, LABEL_LOCK: lock_digest(lock), LABEL_EPOCH: epoch}
    (tmp_path / "f").write_text("base")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY f /f\n")
    for profile_label in (None, "faithful", "lean"):
        labels = {**test_labels, **old, **({LABEL_PROFILE: profile_label} if profile_label else {})}
        for tag in LEAN.tags(rel, namespace):
            build_image(BuildRequest(tmp_path, tmp_path / "Dockerfile", tag, labels=labels))
        present = set(present_bases(rel, lock, docker_client, LEAN, namespace))
        assert present == (set(LEAN.tags(rel, namespace)) if profile_label == "lean" else set()), profile_label
