"""The test deployment's app secret: recognisable values, so a leak in any output is findable."""

CONSUMER_KEY = "ck-birdhouse-tests-3f9a1c"
CONSUMER_SECRET = "cs-birdhouse-tests-e8b27d41a6c94f0b9d3e"
ADMIN_TOKEN = "admin-birdhouse-tests-5c0e7a9b2d4f6813"
SIGNING_KEY = "sign-birdhouse-tests-91d2b7e4c6a80f35"
APP_SECRET_ID = "twitter-bots/app"
INVITES_TABLE = "birdhouse-invites"
OPERATORS_TABLE = "birdhouse-operators"
AUDIT_TABLE = "birdhouse-audit"


def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}


# The app secret's JSON, as `bootstrap` writes it.
APP_SECRET_VALUE = {
    "consumer_key": CONSUMER_KEY,
    "consumer_secret": CONSUMER_SECRET,
    "admin_token": ADMIN_TOKEN,
    "signing_key": SIGNING_KEY,
}

# A bot team's rule: the account events, not the operators' audit events.
ACCOUNT_EVENTS = {
    "source": ["birdhouse"],
    "detail-type": [
        "Account connected",
        "Account status changed",
        "Account deleted",
        "Account restored",
    ],
}
# The X app's OAuth 2.0 client (confidential: "Automated App / Bot"), for OAuth 2.0 accounts.
CLIENT_ID = "client-id-birdhouse-tests-7e21"
CLIENT_SECRET = "client-secret-birdhouse-tests-4b8d0f62a1c3"
REFRESH_LEASES_TABLE = "birdhouse-refresh-leases"
OAUTH2_APP_SECRET_VALUE = {
    **APP_SECRET_VALUE,
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
}
