"""Invite and state tokens: signed, bound to their purpose, their token and their deployment."""

from datetime import timedelta

import pytest

from app.core.errors import InvalidInvite, OnboardingSessionError
from app.core.x import TokenPair
from app.flows.invites import create_invite, read_invite_id
from app.flows.onboarding import OnboardingState
from app.web.onboarding_state import open_state, seal_state
from tests.support.constants import SIGNING_KEY
from tests.support.fakes import InMemoryAccountStore, InMemoryInviteLedger

STATE = OnboardingState(
    request_token=TokenPair(token="tok123", secret="rts"), expected_screen_name="A"
)


def test_state_round_trips_for_its_own_token() -> None:
    sealed = seal_state(STATE, signing_key=SIGNING_KEY)

    assert open_state(sealed, oauth_token="tok123", signing_key=SIGNING_KEY) == STATE


def test_state_for_another_token_is_refused() -> None:
    sealed = seal_state(STATE, signing_key=SIGNING_KEY)

    with pytest.raises(OnboardingSessionError, match="don't match"):
        open_state(sealed, oauth_token="someone-elses-token", signing_key=SIGNING_KEY)


def test_state_from_another_deployment_is_refused() -> None:
    sealed = seal_state(STATE, signing_key="another-deployments-signing-key")

    with pytest.raises(OnboardingSessionError):
        open_state(sealed, oauth_token="tok123", signing_key=SIGNING_KEY)


def test_an_invite_is_not_a_state_cookie_and_a_state_cookie_is_not_an_invite() -> None:
    invite_token = create_invite(
        ledger=InMemoryInviteLedger(),
        store=InMemoryAccountStore(),
        signing_key=SIGNING_KEY,
        screen_name="A",
        lifetime=timedelta(days=1),
    ).token
    sealed = seal_state(STATE, signing_key=SIGNING_KEY)

    with pytest.raises(OnboardingSessionError):
        open_state(invite_token, oauth_token="tok123", signing_key=SIGNING_KEY)
    with pytest.raises(InvalidInvite):
        read_invite_id(sealed, signing_key=SIGNING_KEY)


def test_state_repr_hides_the_request_token_secret() -> None:
    assert "rts" not in repr(STATE)
