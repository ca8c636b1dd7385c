"""Wasted space: file copies that a later layer overwrote or deleted, above a threshold.

Counted as reclaimable bytes (every hidden copy once; the visible copy is not waste), not as dive's all-copies sum.
Threshold: more than 1 MiB and more than 5 % of the image.
Anti-pattern: `COPY app /app` then `RUN chown -R app /app` (a second copy of every file).
Best practice: `COPY --chown=app:app app /app`; clean up in the RUN that created the files.
"""

from dockwise.image.checks import emit
from dockwise.core.findings import Severity

CODE = "DI008"
NAME = "wasted-space"
SEVERITY = Severity.WARNING
REFS = {"dive": "highestUserWastedPercent"}
MIN_BYTES = 1 << 20
MIN_RATIO = 0.05


def check(facts):
    waste = facts.waste
    if waste.reclaimable_bytes > MIN_BYTES and waste.reclaimable_ratio > MIN_RATIO:
        worst = max(waste.by_hiding_layer, key=lambda layer: layer.bytes)
        yield emit(facts, CODE, SEVERITY, REFS,
                   f"{waste.reclaimable_bytes} reclaimable bytes ({waste.reclaimable_ratio:.1%} of the image); "
                   f"most hidden by layer {worst.layer} ({worst.created_by[:80] or 'unknown step'})",
                   "create, change and delete files in the same RUN; use COPY --chown/--chmod instead of a later chown")
