"""The stages of `dockwise init`'s plan, in the order `detect` runs them: the app folder read (source) -> what the
builder installs (install) -> what runs (serve) -> the health path (health) -> what the app writes and how it is set up
(writes) -> what the image carries (copies). Each stage reads the earlier stages' results, returns its own as a
frozen dataclass, and says what it decided, with the evidence, in the shared Log."""
