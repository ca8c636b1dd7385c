"""Deploy manifests from the run profile (`dockwise.service.profile`, emitted from the service contract): Compose and Kubernetes, the latter checked
against the restricted Pod Security Standard."""
