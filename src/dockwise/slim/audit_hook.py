"""dockwise slim's Python trace. Not imported by dockwise: it is mounted read-only into the traced container as
`sitecustomize.py` (its directory first on PYTHONPATH), so every interpreter the image starts loads it from `site`.

It installs a PEP 578 audit hook that appends one JSON line per event to /.dockwise-trace/python.jsonl (one write
per line on an O_APPEND descriptor, so the lines of forked workers never interleave): the interpreter's layout and
`sys.modules` at start, each `import` (with the file of an extension module), `open`, `ctypes.dlopen` and directory
listing by Python code other than the import system, and `sys.modules` again at exit. Then it hands over to the
image's own `sitecustomize`, if there is one. Runs on any Python >= 3.8 (audit hooks).
"""

import _imp
import atexit
import os
import sys

OUTPUT = "/.dockwise-trace/python.jsonl"
HOOK_DIR = os.path.dirname(os.path.abspath(__file__))
IMPORT_SYSTEM = (
    "importlib._bootstrap",
    "importlib._bootstrap_external",
    "_frozen_importlib",
    "_frozen_importlib_external",
    "zipimport",
    "pkgutil",
    "site",
)


def _json(value):
    """JSON text of str/int/bool/None/list/dict, written here: importing `json` would import `re`, `enum` and
    more into every traced interpreter, and they would look like the app's imports."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        out = []
        for char in value:
            code = ord(char)
            if char in '"\\':
                out.append("\\" + char)
            elif 0x20 <= code < 0x7F:
                out.append(char)
            elif code > 0xFFFF:
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
        return '"' + "".join(out) + '"'
    if isinstance(value, dict):
        return "{" + ",".join(_json(str(key)) + ":" + _json(item) for key, item in value.items()) + "}"
    return "[" + ",".join(_json(item) for item in value) + "]"


def _modules():
    return {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())}


def _install():
    fd = os.open(OUTPUT, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
    busy: list = []  # non-empty while a record is written: the write itself must not be traced

    def emit(record):
        record["pid"] = os.getpid()
        os.write(fd, (_json(record) + "\n").encode("ascii"))

    def caller_is_import_system():
        frame = sys._getframe(2)
        while True:
            if frame.f_globals.get("__name__") in IMPORT_SYSTEM:
                return True
            if frame.f_back is None:
                return False
            frame = frame.f_back

    def hook(event, args):
        if busy or event not in ("import", "open", "ctypes.dlopen", "os.listdir", "os.scandir"):
            return
        busy.append(1)
        try:
            if event == "import":
                emit({"e": "import", "n": args[0], "f": args[1]})
            elif event == "open":
                path = args[0]
                if isinstance(path, (str, bytes)):
                    emit({"e": "open", "n": os.path.abspath(os.fsdecode(path))})
            elif event == "ctypes.dlopen":
                emit({"e": "dlopen", "n": os.fsdecode(args[0]) if args[0] is not None else ""})
            elif not caller_is_import_system():
                path = args[0] if args and args[0] is not None else "."
                if isinstance(path, (str, bytes)):
                    emit({"e": "listdir", "n": os.path.abspath(os.fsdecode(path))})
        except Exception:  # a trace record must never break the app; a lost record is caught by the cross-checks
            pass
        finally:
            busy.pop()

    emit(
        {
            "e": "start",
            "exe": sys.executable,
            "prefix": sys.prefix,
            "base_prefix": getattr(sys, "base_prefix", sys.prefix),
            "path": [p for p in sys.path if p != HOOK_DIR],
            "cache_tag": sys.implementation.cache_tag,
            "ext": _imp.extension_suffixes(),
            "version": "{}.{}.{}".format(*sys.version_info[:3]),
            "modules": _modules(),
        }
    )
    sys.addaudithook(hook)
    atexit.register(lambda: emit({"e": "exit", "modules": _modules()}))


def _chain():
    """Load the image's own sitecustomize, which this module shadows."""
    while HOOK_DIR in sys.path:
        sys.path.remove(HOOK_DIR)
    del sys.modules["sitecustomize"]
    try:
        import sitecustomize  # noqa: F401
    except ImportError as exc:
        if exc.name != "sitecustomize":
            raise


_install()
_chain()
