"""Birdhouse: connect bot accounts on X to the programs that drive them."""

__version__ = "0.1.0"
