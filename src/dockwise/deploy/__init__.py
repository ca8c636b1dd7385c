"""Deploy manifests from the run profile (`dockwise.engine.run_profile`): Compose and Kubernetes, the latter checked
against the restricted Pod Security Standard."""
