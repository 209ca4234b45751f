"""Ready-made X clients signed as an onboarded account (optional extras)."""

from typing import TYPE_CHECKING, Any

from birdhouse_client.loaders import load_account

if TYPE_CHECKING:
    from requests_oauthlib import OAuth1Session


def oauth1_session(screen_name: str, **load_options: Any) -> "OAuth1Session":
    """A requests session that signs every call as the account (extra: oauth)."""
    return load_account(screen_name, **load_options).oauth1_session()


def tweepy_client(screen_name: str, **load_options: Any) -> Any:
    """A tweepy.Client posting as the account through X API v2 (extra: tweepy)."""
    import tweepy

    return tweepy.Client(**load_account(screen_name, **load_options).credentials())
