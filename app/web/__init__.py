"""The web layer: FastAPI routes, their dependencies, and the pages a person sees."""
