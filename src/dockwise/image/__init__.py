"""Built images: sources (engine, docker-save archive, OCI layout) -> filesystem view -> facts -> checks."""
