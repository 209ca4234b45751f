"""The X sandbox's v1.1 helpers routes, driven by the libraries bot authors use: tweepy (API for
v1.1, Client for v2), twython and plain requests-oauthlib. Every request is signature-checked
by the stand-in exactly as the v2 routes are."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import tweepy
from requests_oauthlib import OAuth1Session
from twython import Twython, TwythonError

from app.sandbox.clients import route_x_to_sandbox
from app.sandbox.x_standin import XStandin
from tests.support.constants import CONSUMER_KEY, CONSUMER_SECRET
from tests.support.owner_flows import tokens_from_standin


@pytest.fixture
def keys(x_standin: XStandin, x_url: str) -> dict[str, str]:
    """The four keys a bot job reads, for @HelloBot, issued by the stand-in."""
    access = tokens_from_standin(x_standin, x_url, "HelloBot")
    return {
        "consumer_key": CONSUMER_KEY,
        "consumer_secret": CONSUMER_SECRET,
        "access_token": access.tokens.token,
        "access_token_secret": access.tokens.secret,
    }


@pytest.fixture
def signed(keys: dict[str, str]) -> Iterator[OAuth1Session]:
    session = OAuth1Session(
        keys["consumer_key"],
        client_secret=keys["consumer_secret"],
        resource_owner_key=keys["access_token"],
        resource_owner_secret=keys["access_token_secret"],
    )
    yield session
    session.close()


def test_requests_oauthlib_verifies_credentials_and_posts(
    signed: OAuth1Session, x_standin: XStandin, x_url: str
) -> None:
    me = signed.get(f"{x_url}/1.1/account/verify_credentials.json", timeout=5)
    posted = signed.post(
        f"{x_url}/1.1/statuses/update.json", data={"status": "hi & bye"}, timeout=5
    )

    assert me.status_code == 200
    assert me.json()["screen_name"] == "HelloBot"
    assert me.json()["id_str"] == x_standin.account("HelloBot").user_id
    assert posted.status_code == 200
    assert posted.json()["text"] == "hi & bye"
    assert posted.json()["user"]["screen_name"] == "HelloBot"
    assert x_standin.tweets[-1]["text"] == "hi & bye"


def test_v1_routes_check_the_signature_and_the_token(
    keys: dict[str, str], x_standin: XStandin, x_url: str
) -> None:
    forged = OAuth1Session(
        keys["consumer_key"],
        client_secret="not-the-consumer-secret",
        resource_owner_key=keys["access_token"],
        resource_owner_secret=keys["access_token_secret"],
    )
    unsigned = requests.get(f"{x_url}/1.1/account/verify_credentials.json", timeout=5)
    bad = forged.post(f"{x_url}/1.1/statuses/update.json", data={"status": "x"}, timeout=5)

    assert unsigned.status_code == 400
    assert bad.status_code == 401
    assert bad.json()["errors"][0]["code"] == 32
    assert x_standin.tweets == []


def test_v1_duplicate_and_revoked_answer_like_x(
    signed: OAuth1Session, x_standin: XStandin, x_url: str
) -> None:
    url = f"{x_url}/1.1/statuses/update.json"
    signed.post(url, data={"status": "same"}, timeout=5)

    duplicate = signed.post(url, data={"status": "same"}, timeout=5)
    x_standin.revoke_all("HelloBot")
    revoked = signed.get(f"{x_url}/1.1/account/verify_credentials.json", timeout=5)

    assert (duplicate.status_code, duplicate.json()["errors"][0]["code"]) == (403, 187)
    assert (revoked.status_code, revoked.json()["errors"][0]["code"]) == (401, 89)


def test_tweepy_api_v1_helpers_against_the_sandbox(keys: dict[str, str], x_url: str) -> None:
    api = tweepy.API(tweepy.OAuth1UserHandler(*keys.values()))
    route_x_to_sandbox(api.session, x_url)

    me = api.verify_credentials()
    status = api.update_status("hello from tweepy.API")

    assert me.screen_name == "HelloBot"
    assert status.text == "hello from tweepy.API"
    with pytest.raises(tweepy.Forbidden, match="duplicate"):
        api.update_status("hello from tweepy.API")


def test_tweepy_client_v2_against_the_sandbox(
    keys: dict[str, str], x_standin: XStandin, x_url: str
) -> None:
    client = tweepy.Client(**keys)
    route_x_to_sandbox(client.session, x_url)

    me: Any = client.get_me(user_auth=True)
    tweet: Any = client.create_tweet(text="hello from tweepy.Client", user_auth=True)

    assert me.data.username == "HelloBot"
    assert tweet.data["text"] == "hello from tweepy.Client"
    assert x_standin.tweets[-1]["text"] == "hello from tweepy.Client"


def test_twython_against_the_sandbox(keys: dict[str, str], x_url: str) -> None:
    twitter = Twython(*keys.values())
    twitter.api_url = f"{x_url}/%s"  # twython's own setting; plain HTTP on loopback

    me = twitter.verify_credentials()
    status = twitter.update_status(status="hello from twython")

    assert me["screen_name"] == "HelloBot"
    assert status["text"] == "hello from twython"
    with pytest.raises(TwythonError, match="duplicate"):
        twitter.update_status(status="hello from twython")


def test_sandbox_routing_refuses_anything_but_loopback_http() -> None:
    with pytest.raises(ValueError, match="loopback"):
        route_x_to_sandbox(requests.Session(), "https://api.x.com")
