"""dockwise: small, hardened container images for Python web services, with every practice proven."""

__version__ = "0.1.0"
