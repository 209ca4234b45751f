"""The core everything stands on: interfaces, value types, errors, signing and screen names.

Nothing here imports boto3, requests or FastAPI, or any module of Birdhouse outside `app.core`:
flows and adapters both point down to it (tests/test_layers.py keeps that true).
"""
