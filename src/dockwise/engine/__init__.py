"""The Docker Engine: find or start it, pick a BuildKit-capable client, build, run, save, load."""
