"""The signing keys behind invite links and state cookies: the newest signs, all of them verify.

After `bootstrap --rotate`, the old signing key stays in the app secret as a previous key, so
links and cookies already out keep working; `--revoke-links` drops the previous keys.
"""

from collections.abc import Sequence

# One key, or several with the current one first (as the app secret lists them).
SigningKeys = str | Sequence[str]


def itsdangerous_keys(keys: SigningKeys) -> list[str]:
    """itsdangerous signs with the last key of its list and verifies with every one."""
    ordered = [keys] if isinstance(keys, str) else list(keys)
    return list(reversed(ordered))
