"""Jobs the CLI runs, each composed from the domains: build an app, compare images, the demo."""
