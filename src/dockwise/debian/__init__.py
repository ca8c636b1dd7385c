"""Base images from Debian packages: signed archive index -> locked, verified .debs -> layers -> images."""
