"""A Python web app's source in, facts with their evidence out, then the files that package it (`dockwise init`).

Nothing here imports or runs the app's code: Python files are read with `ast`, dependency files with `packaging`,
`tomllib` and `json`.
"""
