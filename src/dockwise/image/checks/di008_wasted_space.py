"""Wasted space: file copies that a later layer overwrote or deleted, above a threshold.

Counted as reclaimable bytes (every hidden copy once; the visible copy is not waste), not as dive's all-copies sum.
Threshold: more than 1 MiB and more than 5 % of the image. The classic case is `COPY app /app` followed by
`RUN chown -R app /app`, a second copy of every file.

Anti-pattern::

    FROM scratch
    COPY data.bin /app/data.bin
    COPY --chown=10001:10001 data.bin /app/data.bin

Context::

    data.bin: <2097152 bytes>

Best practice::

    FROM scratch
    COPY --chown=10001:10001 data.bin /app/data.bin

Context::

    data.bin: <2097152 bytes>
"""

from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.image.facts import ImageFacts

ID = "DI008"
NAME = "wasted-space"
SEVERITY = Severity.WARNING
SCOPE = Scope.IMAGE
FIX = "create, change and delete files in the same RUN; use COPY --chown/--chmod instead of a later chown"
REFS = {"dive": "highestUserWastedPercent"}
MIN_BYTES = 1 << 20
MIN_RATIO = 0.05


def check(facts: ImageFacts) -> Iterator[Hit]:
    waste = facts.waste
    if waste.reclaimable_bytes > MIN_BYTES and waste.reclaimable_ratio > MIN_RATIO:
        worst = max(waste.by_hiding_layer, key=lambda layer: layer.bytes)
        yield Hit(
            None,
            f"{waste.reclaimable_bytes} reclaimable bytes ({waste.reclaimable_ratio:.1%} of the image); "
            f"most hidden by layer {worst.layer} ({worst.created_by[:80] or 'unknown step'})",
        )
