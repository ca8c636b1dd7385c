"""Built images: sources (engine, docker-save archive, OCI layout) -> filesystem view -> facts -> checks.

`collect(source)` is the entry point: it reads, verifies and audits one image and returns its ImageFacts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from dockwise.image.facts import ImageFacts
    from dockwise.image.sources import Source


def collect(
    source: str | Source, *, gzip_size: bool = False, max_entries: int | None = None, licences: bool = False
) -> ImageFacts:
    """Read, verify and audit one image: an engine reference, `docker-archive:PATH`, `oci:PATH[:TAG]` or a path.

    A compressed layer's size is its blob's; `gzip_size` also measures gzip -6 of each uncompressed layer (in
    parallel on every core, yet seconds for a large image); `max_entries` caps the tar entries of the image
    (default dockwise.image.layer_index.MAX_ENTRIES); `licences` reads each package's licence (the SBOM's; inspect
    leaves them None). Raises DockwiseError for an unreadable, invalid or tampered
    image.
    """
    from dockwise.image.sources import Source, parse_source, read_image

    parsed = source if isinstance(source, Source) else parse_source(source)
    reference = source if isinstance(source, str) else parsed.location

    def analyse(raw):
        # Imported here, not at the top: defining the facts dataclasses costs about as much as indexing a small
        # layer, and here it overlaps the digest workers instead of delaying them.
        from dockwise.image.facts import facts_from
        from dockwise.image.filesystem import FileSystem

        return facts_from(raw, FileSystem.apply(layer.listing for layer in raw.layers), reference=reference)

    options = {} if max_entries is None else {"max_entries": max_entries}
    return cast("ImageFacts", read_image(parsed, gzip_size=gzip_size, analyse=analyse, licences=licences, **options))
