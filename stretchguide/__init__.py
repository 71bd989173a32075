"""stretchguide: build a printable, embeddable stretching guide from YAML content."""

__version__ = "0.1.0"
