"""The committed locks, one JSON file per Debian release (package data)."""
