"""The keep-set: which files of the source image the slim image holds, and why.

Rules, in the order their reasons are recorded (a path keeps its first reason):
1. traced: every path a traced process (or Python) saw existing, with the symlinks on the way to it; the
   directory a path created at run time goes into; directories Python code listed keep their entries;
2. the app: the WORKDIR and every top-level package imported from outside the interpreter's own directories;
3. Python: every module imported (at start, by `import`, at exit); unless `only_traced`, every distribution a kept
   file belongs to, whole, with what it requires, and the stdlib modules that kept code imports (statically, so a
   route no probe reached still finds them); with `keep_stdlib` the whole standard library;
4. what the image needs at run time: the user's passwd/group entries (rewritten to those alone) and home, CA
   bundles, timezone data, /tmp, and `--include` paths;
5. ELF: the program interpreter and every DT_NEEDED library of every kept ELF file, and the `#!` program of
   every kept script, transitively;
6. metadata: /etc/os-release, the `copyright` file and dpkg record of every Debian package that still owns a
   kept file, and the whole dist-info of every distribution that still has a kept file (so scanners and
   `dockwise sbom` see exactly what is left).
Then Python code outside the app is kept as bytecode: a module whose cached bytecode is valid for its source is
kept as that bytecode alone, moved where Python imports it without the source; a module without valid bytecode
keeps its source, and so does the stdlib's os.py (the landmark of a Python installation) and every module in a
directory Python code listed (the listing must read the same). Finally every kept path's parent directories are kept.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.image.layer_index import DIR
from dockwise.slim.elf import ElfError, LibrarySearch, exec_interpreter, is_elf, ld_so_conf_dirs, read_elf
from dockwise.slim.python_code import (
    Distribution,
    cached_pyc,
    canonical_name,
    imported_names,
    module_files,
    pyc_matches,
    read_distribution,
    sourceless_pyc,
)
from dockwise.slim.rootfs import RootFS
from dockwise.slim.trace import PSEUDO_ROOTS, Trace

TRACER_ROOTS = (".dockwise-tracer", ".dockwise-python", ".dockwise-trace")
CA_ENV = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
CA_DEFAULTS = ("etc/ssl/certs/ca-certificates.crt", "usr/lib/ssl/cert.pem", "etc/pki/tls/certs/ca-bundle.crt")
TZ_FILES = ("etc/localtime", "etc/timezone")
OS_RELEASE = ("etc/os-release", "etc/debian_version")
ELF_HEAD = 4

TRACED, APP, PYTHON, RUNTIME, INCLUDED, NEEDED, METADATA, PARENT = (
    "traced",
    "app",
    "python",
    "runtime",
    "included",
    "needed",
    "metadata",
    "parent",
)


@dataclass(frozen=True)
class Reason:
    kind: str  # one of the constants above
    detail: str


@dataclass(frozen=True)
class Kept:
    """One path of the slim image: `source` is the image path whose entry (kind, mode, owner, mtime, link target)
    it copies; `data` the image path whose bytes it holds when not its own (bytecode moved beside its module);
    `content` new bytes (passwd reduced to the user's entry)."""

    reason: Reason
    source: str
    data: str | None = None
    content: bytes | None = None


@dataclass(frozen=True)
class Options:
    includes: tuple[str, ...] = ()
    keep_stdlib: bool = False
    only_traced: bool = False


@dataclass(frozen=True)
class PythonLayout:
    """The interpreters' own directories, from what the audit hook reported at start."""

    stdlib_dirs: tuple[str, ...]
    site_dirs: tuple[str, ...]
    cache_tags: tuple[str, ...]
    extension_suffixes: tuple[str, ...]

    def owns(self, path: str) -> bool:
        return any(_under(path, d) for d in (*self.stdlib_dirs, *self.site_dirs))


@dataclass
class KeepSet:
    kept: dict[str, Kept] = field(default_factory=dict)
    distributions: tuple[Distribution, ...] = ()
    debian_packages: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    left_out: tuple[str, ...] = ()
    """With only_traced: the Python files the full rules would have kept."""

    def reasons(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.kept.values():
            counts[item.reason.kind] = counts.get(item.reason.kind, 0) + 1
        return dict(sorted(counts.items()))


def _under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory + "/")


def _image_path(path: str) -> str:
    return posixpath.normpath("/" + path).lstrip("/")


def python_layout(trace: Trace, root: RootFS) -> PythonLayout:
    stdlib: dict[str, None] = {}
    site: dict[str, None] = {}
    for process in trace.python:
        for entry in process.sys_path:
            if not entry.startswith("/"):
                continue
            resolved = root.resolve(entry)
            if resolved is None:
                continue
            if resolved.endswith(("site-packages", "dist-packages")):
                site[resolved] = None
            elif _under(entry.lstrip("/"), process.base_prefix.lstrip("/")) and "/python" in "/" + resolved:
                stdlib[resolved] = None
    return PythonLayout(
        stdlib_dirs=tuple(stdlib),
        site_dirs=tuple(site),
        cache_tags=tuple(dict.fromkeys(p.cache_tag for p in trace.python if p.cache_tag)),
        extension_suffixes=tuple(dict.fromkeys(s for p in trace.python for s in p.extension_suffixes)),
    )


class _Planner:
    def __init__(self, root: RootFS, trace: Trace, config: dict, options: Options) -> None:
        self.root = root
        self.trace = trace
        self.config = config
        self.options = options
        self.env = dict(item.split("=", 1) if "=" in item else (item, "") for item in config.get("Env") or [])
        self.layout = python_layout(trace, root)
        self.result = KeepSet()
        self.distributions = self._distributions()
        self.by_file = {path: dist for dist in self.distributions for path in dist.files}
        self.app_dirs: list[str] = []
        self.listed_dirs: set[str] = set()
        self.kept_dists: set[str] = set()

    # -- adding --------------------------------------------------------------------------------------------------

    def add(self, path: str, reason: Reason) -> str | None:
        """Keep the path a process named (and the symlinks on the way); returns the image path it reaches."""
        path = _image_path(path)
        for link in self.root.symlink_chain(path):
            self._put(link, Reason(reason.kind, f"symlink on the way to /{path}"))
        target = self.root.resolve(path)
        if target is None or self._ignored(target):
            return None
        self._put(target, reason)
        return target

    def _put(self, path: str, reason: Reason) -> None:
        if path and path not in self.result.kept and self.root.kind(path) is not None:
            self.result.kept[path] = Kept(reason, path)

    def add_tree(self, directory: str, reason: Reason) -> None:
        target = self.add(directory, reason)
        if target is None:
            return
        for path in self.root.walk(target):
            self._put(path, reason)

    def _resolves_to_file(self, path: str) -> bool:
        target = self.root.resolve(path)
        return target is not None and self.root.is_file(target)

    def _ignored(self, path: str) -> bool:
        top = path.split("/", 1)[0]
        return top in TRACER_ROOTS or top in PSEUDO_ROOTS

    # -- rules ---------------------------------------------------------------------------------------------------

    def traced(self) -> None:
        for path, how in self.trace.found_paths().items():
            self.add(path, Reason(TRACED, how))
        for path in sorted(self.trace.named_paths()):
            # A file created at run time (a log, a socket) needs the directory it goes into, with its owner and mode.
            if self.root.resolve(path) is None:
                ancestor = posixpath.dirname(_image_path(path))
                while ancestor and self.root.resolve(ancestor) is None:
                    ancestor = posixpath.dirname(ancestor)
                if ancestor:
                    self.add(ancestor, Reason(TRACED, f"directory of /{_image_path(path)}, named at run time"))
        for process in self.trace.processes:
            for path in process.execs:
                self.add(path, Reason(TRACED, f"executed by pid {process.pid}"))
        for directory, how in self.trace.listed_dirs().items():
            target = self.add(directory, Reason(TRACED, how))
            if target is not None and self.root.kind(target) == DIR:
                self.listed_dirs.add(target)
                for name in self.root.listdir(target):
                    self.add(posixpath.join(target, name), Reason(TRACED, f"entry of /{target}, {how}"))

    def app(self) -> None:
        workdir = _image_path(self.config.get("WorkingDir") or "/")
        if workdir and self.root.kind(workdir) is not None and not self.layout.owns(workdir):
            self.app_dirs.append(workdir)
            self.add_tree(workdir, Reason(APP, "the WORKDIR, kept whole"))
        for name, file in self.trace.imported_modules().items():
            path = _image_path(file) if file else ""
            if not path or self.layout.owns(path) or self._ignored(path) or self.root.kind(path) is None:
                continue
            is_init = posixpath.basename(path).startswith("__init__.")
            if not is_init and "." not in name:
                self.add(path, Reason(APP, f"module {name}"))
                continue
            package_root = posixpath.dirname(path)
            for _ in range(name.count(".") - (0 if is_init else 1)):
                package_root = posixpath.dirname(package_root)
            if package_root not in self.app_dirs:
                self.app_dirs.append(package_root)
                self.add_tree(package_root, Reason(APP, f"package {name.split('.')[0]}, kept whole"))

    def python(self) -> None:
        for name, file in sorted(self.trace.imported_modules().items()):
            if file:
                self.add(file, Reason(PYTHON, f"module {name} was imported"))
        if self.options.keep_stdlib:
            for directory in self.layout.stdlib_dirs:
                self.add_tree(directory, Reason(PYTHON, "standard library, kept whole (--keep-python-stdlib)"))
        if self.options.only_traced:
            return
        self._whole_distributions()
        self._static_imports()

    def _distributions(self) -> tuple[Distribution, ...]:
        found = []
        for site in self.layout.site_dirs:
            for name in self.root.listdir(site):
                if not name.endswith(".dist-info"):
                    continue
                directory = posixpath.join(site, name)
                metadata = self.root.read_text(posixpath.join(directory, "METADATA"))
                if metadata is None:
                    continue
                found.append(
                    read_distribution(directory, metadata, self.root.read_text(posixpath.join(directory, "RECORD")))
                )
        return tuple(found)

    def _whole_distributions(self) -> None:
        self._keep_distributions(
            [d for d in self.distributions if any(p in self.result.kept for p in d.files)], "kept whole"
        )

    def _keep_distributions(self, start: list[Distribution], why: str) -> list[str]:
        """Keep each distribution's files (those in its site directory) and what it requires, transitively;
        returns the source files newly kept."""
        by_name = {canonical_name(d.name): d for d in self.distributions}
        queue = deque((dist, why) for dist in start)
        added: list[str] = []
        while queue:
            dist, because = queue.popleft()
            if dist.dist_info in self.kept_dists:
                continue
            self.kept_dists.add(dist.dist_info)
            site = posixpath.dirname(dist.dist_info)
            for path in dist.files:
                if _under(path, site) and "/__pycache__/" not in path and path not in self.result.kept:
                    self._put(path, Reason(PYTHON, f"distribution {dist.name} {dist.version}, {because}"))
                    added.append(path)
            for required in dist.requires:
                if required in by_name:
                    queue.append((by_name[required], f"required by {dist.name}"))
        return [p for p in added if p.endswith(".py")]

    def _static_imports(self) -> None:
        """The stdlib modules that kept code may import, and what importing them executes. The app's and the kept
        distributions' imports are followed wherever they are (a route no probe reached imports lazily); inside the
        stdlib only what a module executes when imported (its lazy imports serve functions the trace would show)."""
        roots = [*self.layout.stdlib_dirs, *self.layout.site_dirs]
        suffixes = self.layout.extension_suffixes or (".so",)
        scanned: set[str] = set()
        pending = deque(sorted(p for p in self.result.kept if p.endswith(".py")))
        while pending:
            path = pending.popleft()
            if path in scanned or not self.root.is_file(path):
                continue
            scanned.add(path)
            module, is_package = self._module_name(path)
            if module is None:
                continue
            imports = imported_names(self.root.read(path).decode("utf-8", "replace"), module, is_package)
            in_stdlib = any(_under(path, d) for d in self.layout.stdlib_dirs)
            names = imports.executed if in_stdlib else imports.executed | imports.lazy
            for name in sorted(names):
                for file in module_files(name, roots, self.root.is_file, suffixes):
                    if file in self.result.kept:
                        continue
                    dist = self.by_file.get(file)
                    if dist is not None:
                        pending.extend(self._keep_distributions([dist], f"imported by /{path}"))
                    elif any(_under(file, d) for d in self.layout.stdlib_dirs):
                        self._put(file, Reason(PYTHON, f"stdlib module {name}, imported by /{path}"))
                        pending.append(file)

    def _module_name(self, path: str) -> tuple[str | None, bool]:
        for root in (*self.layout.stdlib_dirs, *self.layout.site_dirs, *self.app_dirs):
            if _under(path, root) and path != root:
                relative = path[len(root) + 1 : -3]
                parts = relative.split("/")
                is_package = parts[-1] == "__init__"
                if is_package:
                    parts = parts[:-1]
                if parts and all(p.isidentifier() for p in parts):
                    return ".".join(parts), is_package
        return None, False

    def runtime(self) -> None:
        self._user()
        for name in CA_ENV:
            if self.env.get(name):
                self.add(self.env[name], Reason(RUNTIME, f"CA bundle (${name})"))
        if self.env.get("SSL_CERT_DIR"):
            self.add_tree(self.env["SSL_CERT_DIR"], Reason(RUNTIME, "CA directory ($SSL_CERT_DIR)"))
        for path in CA_DEFAULTS:
            if self.root.resolve(path) is not None:
                self.add(path, Reason(RUNTIME, "CA bundle"))
        zone = self.env.get("TZ", "").lstrip(":")
        if zone:
            self.add(zone if zone.startswith("/") else f"usr/share/zoneinfo/{zone}", Reason(RUNTIME, "timezone ($TZ)"))
        for path in TZ_FILES:
            if self.root.resolve(path) is not None:
                self.add(path, Reason(RUNTIME, "timezone of the image"))
        if self.root.kind("tmp") is not None:
            self._put("tmp", Reason(RUNTIME, "temporary directory"))
        for path in self.options.includes:
            if self.root.resolve(path) is None:
                raise DockwiseError(
                    f"--include {path}: no such path in the image", "name a path the image has", exit_code=EXIT_USAGE
                )
            self.add_tree(path, Reason(INCLUDED, f"--include {path}"))

    def _user(self) -> None:
        user, _, group = (self.config.get("User") or "").partition(":")
        passwd = self.root.read_text("etc/passwd")
        if passwd is None:
            return
        rows = [line for line in passwd.splitlines() if line.count(":") >= 6]
        row = next((r for r in rows if r.split(":")[2 if user.isdigit() else 0] == user), None)
        kept_rows = [row] if row else []
        self._rewrite("etc/passwd", kept_rows, "passwd entry of the image's user")
        gid = group or (row.split(":")[3] if row else "")
        groups = self.root.read_text("etc/group")
        if groups is not None:
            group_rows = [
                line
                for line in groups.splitlines()
                if line.count(":") >= 3 and line.split(":")[2 if gid.isdigit() else 0] == gid
            ]
            self._rewrite("etc/group", group_rows, "group entry of the image's user")
        home = row.split(":")[5] if row else ""
        if home not in ("", "/") and self.root.resolve(home) is not None:
            self.add(home, Reason(RUNTIME, "home directory of the image's user"))

    def _rewrite(self, path: str, lines: list[str], why: str) -> None:
        target = self.root.resolve(path)
        if target is None:
            return
        for link in self.root.symlink_chain(path):
            self._put(link, Reason(RUNTIME, f"symlink on the way to /{path}"))
        content = "".join(line + "\n" for line in lines).encode()
        self.result.kept[target] = Kept(Reason(RUNTIME, why), target, content=content)

    def elf_closure(self) -> None:
        search = LibrarySearch(
            ld_library_path=tuple(
                p.lstrip("/") for p in self.env.get("LD_LIBRARY_PATH", "").split(":") if p.startswith("/")
            ),
            configured_dirs=ld_so_conf_dirs(self.root.read_text, self.root.listdir),
        )
        queue = deque(sorted(self.result.kept))
        seen: set[str] = set()
        while queue:
            path = queue.popleft()
            if path in seen or not self.root.is_file(path):
                continue
            seen.add(path)
            head = self.root.read(path, ELF_HEAD)
            if head[:2] == b"#!":
                script = exec_interpreter(self.root.read(path, 4096))
                found = self.add(script, Reason(NEEDED, f"#! interpreter of /{path}")) if script else None
                if found:
                    queue.append(found)
                continue
            if not is_elf(head):
                continue
            try:
                info = read_elf(self.root.read(path))
            except ElfError as exc:
                self.result.notes.append(f"/{path}: unreadable ELF headers ({exc}); its libraries are not followed")
                continue
            if info.interpreter:
                found = self.add(info.interpreter, Reason(NEEDED, f"program interpreter of /{path}"))
                if found:
                    queue.append(found)
            for name in info.needed:
                library = search.find(name, posixpath.dirname(path), info, self._resolves_to_file)
                if library is None:
                    self.result.notes.append(f"/{path} needs {name}, which the image does not have")
                    continue
                found = self.add(library, Reason(NEEDED, f"DT_NEEDED {name} of /{path}"))
                if found:
                    queue.append(found)

    def metadata(self) -> None:
        owners = self._debian_owners()
        for path in OS_RELEASE:
            if self.root.resolve(path) is not None:
                self.add(path, Reason(METADATA, "what scanners read to identify the distribution"))
        remaining: dict[str, None] = {}
        while True:  # a copyright kept through a doc-dir symlink (libgcc-s1 -> gcc-14-base) keeps its owner too
            found = {
                package
                for path in self.result.kept
                if self.root.kind(path) != DIR  # every package lists /usr
                for package in owners.get(path, ())
                if package not in remaining
            }
            if not found:
                break
            for package in sorted(found):
                remaining[package] = None
                copyright_path = f"usr/share/doc/{package.split(':')[0]}/copyright"
                if self.root.resolve(copyright_path) is not None:
                    self.add(copyright_path, Reason(METADATA, f"copyright of Debian package {package}"))
                record = f"var/lib/dpkg/status.d/{package}"
                if self.root.is_file(record):
                    self._put(record, Reason(METADATA, f"dpkg record of Debian package {package}"))
        self._rewrite_dpkg_status(remaining)
        self.result.debian_packages = tuple(remaining)
        kept_dists = []
        for dist in self.distributions:
            if any(path in self.result.kept for path in dist.files) or dist.dist_info in self.result.kept:
                kept_dists.append(dist)
                self.add_tree(dist.dist_info, Reason(METADATA, f"dist-info of {dist.name} {dist.version}"))
        self.result.distributions = tuple(kept_dists)

    def _debian_owners(self) -> dict[str, list[str]]:
        """Image path -> Debian packages listing it (status.d md5sums, or dpkg's info/*.list and *.md5sums)."""
        owners: dict[str, list[str]] = {}
        lists = [
            (f"var/lib/dpkg/status.d/{name}", name.removesuffix(".md5sums"))
            for name in self.root.listdir("var/lib/dpkg/status.d")
            if name.endswith(".md5sums")
        ]
        lists += [
            (f"var/lib/dpkg/info/{name}", name.rsplit(".", 1)[0])
            for name in self.root.listdir("var/lib/dpkg/info")
            if name.endswith((".list", ".md5sums"))
        ]
        for list_path, package in lists:
            text = self.root.read_text(list_path) or ""
            for line in text.splitlines():
                listed = line.split(None, 1)[1] if list_path.endswith(".md5sums") and " " in line else line
                target = self.root.resolve(listed.strip())
                if target is not None:
                    owners.setdefault(target, [])
                    if package not in owners[target]:
                        owners[target].append(package)
        return owners

    def _rewrite_dpkg_status(self, remaining: dict[str, None]) -> None:
        """A full dpkg database (`var/lib/dpkg/status`) keeps the stanzas of the packages that remain."""
        text = self.root.read_text("var/lib/dpkg/status")
        if text is None:
            return
        keep = {name.split(":")[0] for name in remaining}
        stanzas = [s for s in text.split("\n\n") if s.strip()]
        chosen = [s for s in stanzas if any(line == f"Package: {p}" for line in s.splitlines() for p in keep)]
        target = self.root.resolve("var/lib/dpkg/status")
        assert target is not None
        content = ("\n\n".join(s.strip("\n") for s in chosen) + "\n").encode() if chosen else b""
        self.result.kept[target] = Kept(
            Reason(METADATA, "dpkg status of the packages that remain"), target, content=content
        )

    def bytecode(self) -> None:
        """Python code outside the app kept as bytecode alone where valid bytecode exists (see the module doc)."""
        tags = self.layout.cache_tags
        for path in sorted(self.result.kept):
            if (
                not path.endswith(".py")
                or not self.root.is_file(path)
                or not self.layout.owns(path)
                or any(_under(path, d) for d in self.app_dirs)
                or self._is_landmark(path)
                or posixpath.dirname(path) in self.listed_dirs
            ):
                continue
            item = self.result.kept[path]
            if item.content is not None:
                continue
            for tag in tags:
                cached = cached_pyc(path, tag)
                if not self.root.is_file(cached):
                    continue
                if self._valid_bytecode(path, cached):
                    del self.result.kept[path]
                    self.result.kept.pop(cached, None)
                    self.result.kept[sourceless_pyc(path)] = Kept(
                        Reason(item.reason.kind, item.reason.detail + "; as bytecode"), path, data=cached
                    )
                    break
        for path in [
            p
            for p in self.result.kept
            if "/__pycache__/" in p
            and self.layout.owns(p)
            and not any(_under(p, d) for d in self.app_dirs)
            and posixpath.dirname(p) not in self.listed_dirs
        ]:
            del self.result.kept[path]  # bytecode of a source not kept, or stale: Python would not use it

    def _is_landmark(self, path: str) -> bool:
        """lib/pythonX.Y/os.py stays source: Python finds its prefix by it, and scanners (and dockwise) recognise
        a Python installation by it."""
        return posixpath.basename(path) == "os.py" and path.rsplit("/", 2)[-2].startswith("python")

    def _valid_bytecode(self, source: str, cached: str) -> bool:
        member = self.root.members[source]
        return pyc_matches(self.root.read(cached, 16), int(member.mtime), member.size, lambda: self.root.read(source))

    def parents(self) -> None:
        for path in list(self.result.kept):
            parent = posixpath.dirname(path)
            while parent and parent not in self.result.kept:
                source = self.root.resolve(parent)
                if source == parent:
                    self.result.kept[parent] = Kept(Reason(PARENT, "parent directory"), parent)
                parent = posixpath.dirname(parent)


def compute_keep_set(root: RootFS, trace: Trace, config: dict, options: Options) -> KeepSet:
    """Apply the rules of the module docstring to the source image's file system and the trace. With
    `only_traced`, the notes name the modules the full rules would have kept: what a route no probe reached may
    miss."""
    result = _plan(root, trace, config, options)
    if options.only_traced:
        full = _plan(root, trace, config, dataclasses.replace(options, only_traced=False))
        left_out = sorted(p for p in full.kept if p.endswith((".py", ".pyc", ".so")) and p not in result.kept)
        result.left_out = tuple("/" + p for p in left_out)
        if left_out:
            shown = ", ".join("/" + p for p in left_out[:5]) + (
                f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
            )
            result.notes.append(
                f"--only-traced-modules left out {len(left_out)} Python files that kept code may "
                f"import on a path no probe took: {shown}"
            )
    return result


def _plan(root: RootFS, trace: Trace, config: dict, options: Options) -> KeepSet:
    planner = _Planner(root, trace, config, options)
    planner.traced()
    planner.app()
    planner.python()
    planner.runtime()
    planner.elf_closure()
    planner.metadata()
    planner.elf_closure()  # a copyright file or dist-info adds no ELF file, but an --include tree may have
    planner.bytecode()
    planner.parents()
    return planner.result


def size_by_directory(sizes: Iterable[tuple[str, int]], depth: int = 3) -> dict[str, int]:
    """Bytes of regular files grouped by their first `depth` path components."""
    totals: dict[str, int] = {}
    for path, size in sizes:
        parts = path.split("/")
        key = "/" + "/".join(parts[: min(depth, len(parts) - 1)]) if len(parts) > 1 else "/"
        totals[key] = totals.get(key, 0) + size
    return totals
