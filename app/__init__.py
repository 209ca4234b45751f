"""Birdhouse: connect bot accounts on X to the programs that drive them."""
