"""Dockerfile linting: parse (BuildKit's grammar) -> build model (stages, ARG/ENV scope) -> rules/ -> findings.

Public API: `lint_text`, `lint_file` (in `dockwise.dockerfile.lint`), `parse` (in `.parse`), `build_model`
(in `.model`) and `BuildContext.load` (in `.context`).
"""
