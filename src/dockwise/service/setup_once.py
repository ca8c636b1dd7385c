"""Setup steps run once per release and data volume, never at every start.

A setup step (`flask --app flaskr init-db`, `python manage.py migrate`) runs in a one-shot container of the app's own
image before the service starts: a compose service the app `depends_on` (`service_completed_successfully`), a
Kubernetes initContainer, or the container dockwise's probes run first. Heroku's release phase and Fly's
`release_command` run such steps once per release; a step rerun at every start erases what a step like `init-db`
(which drops its tables) created.

The runner is Python (distroless images have no shell) run with the image's interpreter: it keeps a marker per step
in the data volume, so the step runs again only when it has not run on this volume — for scope `release`, not for
this release (the app's code and installed distributions, hashed); for scope `volume` (a step that destroys data),
never again on this volume. Without a data volume a `release` step runs each time it is asked (once per deployment);
a `volume` step refuses to run, since nothing could record that it already has.
"""

from __future__ import annotations

from typing import Literal

SetupScope = Literal["release", "volume"]
SCOPES: tuple[SetupScope, ...] = ("release", "volume")
MARKER_DIR = ".dockwise-setup"
EXIT_NO_VOLUME = 78  # EX_CONFIG: a step that destroys data, with nowhere to record that it ran

# argv: python -c RUNNER SCOPE DATA_DIR APP_DIR VENV -- STEP...
RUNNER = (
    """\
import hashlib, json, os, subprocess, sys, time
scope, data, app, venv = sys.argv[1:5]
step = sys.argv[6:]

def release():
    digest = hashlib.sha256()
    for top in (app, os.path.join(venv, 'lib')):
        for folder, dirs, files in os.walk(top):
            dirs.sort()
            if folder == data or folder.startswith(data + os.sep):
                continue
            for name in sorted(files):
                path = os.path.join(folder, name)
                if top != app and name not in ('RECORD', 'METADATA'):
                    continue
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                digest.update(path.encode() + b'\\0')
                with open(path, 'rb') as handle:
                    digest.update(hashlib.file_digest(handle, 'sha256').digest())
    return digest.hexdigest()

key = hashlib.sha256(json.dumps(step).encode()).hexdigest()[:32]
if scope == 'release':
    key += '-' + release()[:32]
markers = os.path.join(data, '"""
    + MARKER_DIR
    + """')
marker = os.path.join(markers, key)
usable = os.path.isdir(data) and os.access(data, os.W_OK)
if usable and os.path.exists(marker):
    print('dockwise setup: already ran on this volume' + (' for this release' if scope == 'release' else '') + ':', json.dumps(step), flush=True)
    sys.exit()
if not usable and scope == 'volume':
    print('dockwise setup: refusing', json.dumps(step), '(it destroys data) without a writable data volume at', data, flush=True)
    sys.exit("""
    + str(EXIT_NO_VOLUME)
    + """)
print('dockwise setup: running', json.dumps(step), flush=True)
code = subprocess.call(step)
if code:
    sys.exit(code)
if usable:
    os.makedirs(markers, exist_ok=True)
    with open(marker + '.tmp', 'w') as handle:
        json.dump({'step': step, 'scope': scope, 'time': time.time()}, handle)
    os.replace(marker + '.tmp', marker)
"""
)


def once_command(
    step: tuple[str, ...],
    scope: SetupScope,
    *,
    python: str = "/opt/venv/bin/python",
    data_path: str = "/data",
    app_dir: str = "/app",
    venv: str = "/opt/venv",
) -> list[str]:
    """The exec-form argv of the one-shot container that runs `step` once per release (or per volume) and data
    volume. Every value is a separate argv word: nothing here is read by a shell."""
    if scope not in SCOPES:
        raise ValueError(f"setup scope {scope!r} is not one of {SCOPES}")
    if not step:
        raise ValueError("an empty setup step")
    return [python, "-c", RUNNER, scope, data_path, app_dir, venv, "--", *step]
