"""Helpers the tests share: constants, Lambda events, a browser, owner and operator steps, fakes."""
