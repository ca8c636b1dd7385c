"""Facts from a hand-written Debian-like image: users, packages, Python, permissions, secrets, caches, waste."""

from __future__ import annotations

import pytest

from dockwise.image import collect
from tests.image.archives import F, docker_save, image_config, layer

PASSWD = b"root:x:0:0:root:/root:/bin/bash\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n"
GROUP = b"root:x:0:\nnonroot:x:65532:\nstaff:x:50:\n"
STATUS = (
    b"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.41-12\nSource: glibc\n\n"
    b"Package: removed-pkg\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1\n\n"
    b"Package: dash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 0.5.12-12\n"
)
KEY = (
    b"-----BEGIN OPENSSH PRIVATE KEY-----\n"
    + b"b3BlbnNzaC1rZXktdjEAAAAA" * 4
    + b"\n-----END OPENSSH PRIVATE KEY-----\n"
)
SITE = "usr/local/lib/python3.13/site-packages"

BASE = layer(
    F("etc/passwd", PASSWD),
    F("etc/group", GROUP),
    F("usr/lib/os-release", b'ID=debian\nVERSION_ID="13"\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n'),
    F("etc/os-release", kind="symlink", link="../usr/lib/os-release"),
    F("var/lib/dpkg/status", STATUS),
    F("bin", kind="symlink", link="usr/bin"),
    F("usr/bin/dash", b"\x7fELF", mode=0o755),
    F("usr/bin/sh", kind="symlink", link="dash"),
    F("usr/bin/apt-get", b"\x7fELF", mode=0o755),
    F("usr/bin/dpkg", b"\x7fELF", mode=0o755),
    F("usr/bin/su", b"\x7fELF", mode=0o4755),
    F("usr/bin/wall", b"\x7fELF", mode=0o2755),
    F("tmp", kind="dir", mode=0o1777),
    F("var/spool/open", b"x", mode=0o666),
    F("usr/local/lib/python3.13/os.py", b"# os\n"),
    F(f"{SITE}/pip/__init__.py", b""),
    F(f"{SITE}/pip-25.2.dist-info/METADATA", b"Name: pip\n"),
    F(f"{SITE}/Flask-3.1.3.dist-info/METADATA", b"Name: Flask\n"),
    F("var/lib/apt/lists/deb.debian.org_debian_dists_trixie_InRelease", b"l" * 500),
    F("var/lib/apt/lists/lock", b""),
)
APP = layer(
    F("app", kind="dir", mode=0o755, uid=65532, gid=65532),
    F("app/main.py", b"print('hi')\n", uid=65532, gid=65532),
    F("app/readonly.py", b"x = 1\n"),
    F("app/group_writable.py", b"y = 2\n", mode=0o664, gid=65532),
    F("app/.env", b"TOKEN=1\n"),
    F("app/deploy_key", KEY),
    F("app/__pycache__/main.cpython-39.pyc", b"\x00" * 200),
    F("app/__pycache__/readonly.cpython-313.pyc", b"\x00" * 50),
    F("app/.git/HEAD", b"ref: refs/heads/main\n"),
    F("app/Dockerfile", b"FROM scratch\n"),
    F("root/.cache/pip/http/a", b"c" * 300),
)
CLEANUP = layer(F("var/lib/apt/lists/deb.debian.org_debian_dists_trixie_InRelease", kind="whiteout"))


@pytest.fixture(scope="module")
def facts(tmp_path_factory):
    layers = [BASE, APP, CLEANUP]
    config = image_config(
        layers,
        history=["debootstrap", "COPY . /app", "RUN rm -rf /var/lib/apt/lists/*"],
        User="nonroot",
        WorkingDir="/app",
        Env=["PATH=/usr/bin", "DB_PASSWORD=hunter2", "GPG_KEY=ABCD"],
        ExposedPorts={"8000/tcp": {}},
        Cmd=["/bin/sh", "-c", "python main.py"],
        Labels={"org.opencontainers.image.title": "demo"},
    )
    path = docker_save(layers, config, tags=("demo/app:1.0",)).write_tar(tmp_path_factory.mktemp("img") / "a.tar")
    return collect(str(path))


def test_identity_and_os_release(facts):
    assert facts.tags == ("demo/app:1.0",) and facts.id.startswith("sha256:")
    assert facts.os_release == {"id": "debian", "pretty_name": "Debian GNU/Linux 13 (trixie)", "version_id": "13"}
    assert [layer.created_by for layer in facts.layers] == [
        "debootstrap",
        "COPY . /app",
        "RUN rm -rf /var/lib/apt/lists/*",
    ]
    assert facts.size_bytes == sum(layer.size_bytes for layer in facts.layers)


def test_user_resolved_through_the_images_passwd(facts):
    assert (facts.user.name, facts.user.uid, facts.user.gid, facts.user.is_root) == ("nonroot", 65532, 65532, False)


def test_shell_form_command_is_not_exec_form(facts):
    assert facts.cmd == ("/bin/sh", "-c", "python main.py") and facts.exec_form is False
    assert facts.exposed_ports == ("8000/tcp",) and facts.workdir == "/app"


def test_packages_shells_and_managers(facts):
    assert [(p.name, p.version, p.source) for p in facts.debian_packages] == [
        ("dash", "0.5.12-12", None),
        ("libc6", "2.41-12", "glibc"),
    ]
    assert facts.shells == ("/bin/sh",)  # sh, dash and /usr/bin/* are one file: reported once
    assert facts.package_managers == ("apt", "dpkg", "pip")


def test_python_versions_and_distributions(facts):
    assert facts.python_versions == ("3.13",)
    assert [(d.name, d.version) for d in facts.python_distributions] == [("Flask", "3.1.3"), ("pip", "25.2")]


def test_permissions(facts):
    assert facts.setuid_files == ("/usr/bin/su",) and facts.setgid_files == ("/usr/bin/wall",)
    assert facts.world_writable == ("/var/spool/open",)  # /tmp is sticky
    assert facts.app_dirs == ("/app",)
    assert "/app/main.py" in facts.app_writable and "/app/group_writable.py" in facts.app_writable
    assert "/app/readonly.py" not in facts.app_writable


def test_secrets(facts):
    assert facts.secrets.env == ("DB_PASSWORD",)  # GPG_KEY is exempt, as in dockle
    assert facts.secrets.files == ("/app/.env",)
    assert facts.secrets.private_keys == ("/app/deploy_key",)


def test_caches_and_junk(facts):
    kinds = {c.kind: (c.files, c.bytes) for c in facts.caches}
    assert kinds == {"git": (1, 21), "pip-cache": (1, 300), "pycache-in-app": (1, 200)}  # apt lists were deleted
    assert facts.app_junk == ("/app/.git", "/app/Dockerfile")


def test_waste_is_reclaimable_bytes_mapped_to_the_hiding_layer(facts):
    assert facts.waste.reclaimable_bytes == 500
    item = facts.waste.items[0]
    assert (item.stored_in_layer, item.hidden_by_layer, item.reason) == (0, 2, "deleted")
    assert item.created_by == "RUN rm -rf /var/lib/apt/lists/*"


def test_as_dict_has_stable_keys(facts):
    data = facts.as_dict()
    assert {
        "id",
        "tags",
        "size_bytes",
        "compressed_bytes",
        "layers",
        "user",
        "waste",
        "debian_package_count",
        "layer_count",
        "secrets",
        "caches",
        "python_distributions",
    } <= set(data)
    assert data["debian_package_count"] == 2


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("", (None, 0, True)),
        ("0", ("root", 0, True)),
        ("65532", ("nonroot", 65532, False)),
        ("nonroot:staff", ("nonroot", 65532, False)),
        ("ghost", (None, None, False)),
        ("1234:50", (None, 1234, False)),
    ],
)
def test_user_forms(tmp_path, user, expected):
    layers = [layer(F("etc/passwd", PASSWD), F("etc/group", GROUP))]
    path = docker_save(layers, image_config(layers, User=user)).write_tar(tmp_path / "u.tar")
    facts = collect(str(path))
    name = facts.user.name if user else None
    assert (name, facts.user.uid, facts.user.is_root) == expected
    if user == "nonroot:staff":
        assert facts.user.gid == 50


def test_dpkg_parser_agrees_with_python_debian():
    from debian.deb822 import Deb822

    from dockwise.image.deb822 import dpkg_paragraphs

    text = (
        STATUS.decode() + "\nPackage: multi\nStatus: install ok installed\nDescription: short\n long line\n .\n"
        "Version: 1:2.3-4\nDepends: a (>= 1), b | c\n"
    )
    ours = [{k: p[k] for k in ("Package", "Version", "Status") if k in p} for p in dpkg_paragraphs(text)]
    theirs = [
        {k: p[k] for k in ("Package", "Version", "Status") if k in p} for p in Deb822.iter_paragraphs(text.splitlines())
    ]
    assert ours == theirs and len(ours) == 4


@pytest.mark.parametrize(
    ("status", "env", "expected"),
    [
        (b"Package: python3.13-minimal\nStatus: install ok installed\nVersion: 3.13.5-2+deb13u5\n", [], ("3.13.5",)),
        (b"", ["PYTHON_VERSION=3.13.1"], ("3.13.1",)),
        (b"", [], ("3.13",)),
    ],
)
def test_python_release(tmp_path, status, env, expected):
    layers = [layer(F("usr/lib/python3.13/os.py", b""), F("var/lib/dpkg/status", status))]
    path = docker_save(layers, image_config(layers, Env=env)).write_tar(tmp_path / "p.tar")
    assert collect(str(path)).python_releases == expected
