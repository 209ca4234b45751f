"""Ready-made X clients signed as an onboarded account (optional extras)."""

from typing import TYPE_CHECKING, Any

from birdhouse_client.health_reports import report_hook
from birdhouse_client.layout import OAuth2AccountSecret
from birdhouse_client.loaders import CredentialsError, load_account

if TYPE_CHECKING:
    from requests_oauthlib import OAuth1Session


def oauth1_session(screen_name: str, **load_options: Any) -> "OAuth1Session":
    """A requests session that signs every call as the account (extra: oauth); with
    BIRDHOUSE_EVENT_BUS set, it reports X's answers to Birdhouse (health_reports)."""
    account = load_account(screen_name, **load_options)
    if isinstance(account, OAuth2AccountSecret):
        raise CredentialsError(
            f"@{account.screen_name} is an OAuth 2.0 account: send its access token as "
            "'Authorization: Bearer' (load_account(...).authorization_header())"
        )
    session = account.oauth1_session()
    # With BIRDHOUSE_EVENT_BUS set, X's answers are reported to Birdhouse (health_reports).
    session.hooks["response"].append(report_hook(account))
    return session


def tweepy_client(screen_name: str, **load_options: Any) -> Any:
    """A tweepy.Client posting as the account through X API v2 (extra: tweepy).

    For an OAuth 1.0a account it signs every call; for an OAuth 2.0 account the user access
    token (fresh: refreshed first if about to expire) is its bearer token, so call it with
    `user_auth=False`, as tweepy's docs say for OAuth 2.0 user context. With
    BIRDHOUSE_EVENT_BUS set, it reports X's answers to Birdhouse (health_reports).
    """
    import tweepy

    account = load_account(screen_name, **load_options)
    client = tweepy.Client(**account.credentials())
    # tweepy sends every v2 call through this requests session.
    client.session.hooks["response"].append(report_hook(account))
    return client
