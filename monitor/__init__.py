"""monitor: an early-warning daemon for attacks by Iran-backed militias and US/coalition strikes."""

__version__ = "0.1.0"
