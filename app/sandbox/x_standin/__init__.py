"""X's OAuth 1.0a, v2 and v1.1 endpoints, verifying every HMAC-SHA1 signature like X does.

Signatures are checked with oauthlib's server-side functions over the request exactly as it
arrived, so a client that signs wrongly fails here as it would at X. Faults are queued per
endpoint with `fail_next`, and every answer is recorded in `calls`.

One part a job: `state` (apps, accounts, tokens, posts), `signatures` (the OAuth 1.0a check),
`faults` (what an endpoint does instead of its work), `oauth` (the token endpoints),
`authorize` (the page a person sees), `v2` and `v1` (the API), `standin` (all of it as one app).
"""

from app.sandbox.x_standin.faults import ENDPOINTS, Fault
from app.sandbox.x_standin.standin import XStandin
from app.sandbox.x_standin.state import Quirks, StandinAccount

__all__ = ["ENDPOINTS", "Fault", "Quirks", "StandinAccount", "XStandin"]
