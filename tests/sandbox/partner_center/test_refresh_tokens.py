"""Refresh tokens as Entra handles them: a new one at every use, each dying 90 days after it was
issued (AADSTS700082), on the world's clock so that tests cross 90 days at once; and the
extension surviving that across restarts by keeping the newest one in its store."""
from datetime import timedelta

import msal
import pytest
import requests

from connect_ext.partner_center.auth import MsalHttpAdapter, MsalTokenProvider
from connect_ext.partner_center.errors import AUTH, PartnerCenterError
from connect_ext.partner_center.refresh_tokens import RefreshTokenKeeper, TokenCipher, credential_key
from sandbox.partner_center import demo
from sandbox.partner_center.world import DEFAULT_REFRESH_TOKEN_LIFETIME, TokenError
from testkit.clock import START, FakeClock


DELEGATED = ['https://api.partnercenter.microsoft.com/user_impersonation']
DAY = 86400.0
CONFIGURED = demo.DISTRIBUTOR_REFRESH_TOKEN
WORLD_START = 1000.0


@pytest.fixture(scope='module')
def world_clock():
    return FakeClock(start=WORLD_START)


@pytest.fixture(scope='module')
def sim_world(world_clock):
    return demo.demo_world(clock=world_clock)


@pytest.fixture(autouse=True)
def start_of_time(world_clock, sim):
    """Every test starts on day 0, with the demo's tokens just issued and Entra's rules."""
    world_clock.now = WORLD_START
    assert sim.world.refresh_token_lifetime == DEFAULT_REFRESH_TOKEN_LIFETIME
    assert sim.world.revoke_rotated_refresh_tokens is False


def partner(sim):
    return sim.world.partners[demo.DISTRIBUTOR_TENANT_ID]


def grant(sim, refresh_token):
    """The refresh-token grant in the world (what the token endpoint calls)."""
    _token, _lifetime, rotated, _user = sim.world.issue_user_token(
        demo.DISTRIBUTOR_TENANT_ID, demo.DISTRIBUTOR_CLIENT_ID, demo.DISTRIBUTOR_CLIENT_SECRET,
        refresh_token, DELEGATED[0])
    return rotated


def msal_app(sim):
    adapter = MsalHttpAdapter(requests.Session(), verify=sim.ca_bundle, timeout=(5, 5))
    return msal.ConfidentialClientApplication(
        demo.DISTRIBUTOR_CLIENT_ID, client_credential=demo.DISTRIBUTOR_CLIENT_SECRET,
        authority=f'{sim.login_url}/{demo.DISTRIBUTOR_TENANT_ID}', instance_discovery=False,
        http_client=adapter)


# -- Entra's rules -------------------------------------------------------------------------------

def test_every_use_hands_out_a_new_token_and_the_old_one_keeps_working(sim):
    """conformance: PC-50"""
    first = grant(sim, CONFIGURED)
    second = grant(sim, CONFIGURED)

    assert len({CONFIGURED, first, second}) == 3
    assert grant(sim, first) not in (first, second)


def test_a_token_dies_90_days_after_it_was_issued(sim, world_clock):
    """conformance: PC-51"""
    world_clock.advance(90 * DAY - 1)
    assert grant(sim, CONFIGURED)

    world_clock.advance(1)
    with pytest.raises(TokenError) as caught:
        grant(sim, CONFIGURED)

    assert (caught.value.status, caught.value.error, caught.value.aadsts) == (400, 'invalid_grant', 700082)
    assert caught.value.message.startswith(
        'The refresh token has expired due to inactivity. The token was issued on ')
    assert caught.value.message.endswith(' and was inactive for 90.00:00:00.')


def test_using_a_token_does_not_lengthen_its_own_life_only_its_replacement_starts_anew(
    sim, world_clock,
):
    """conformance: PC-52"""
    replacement = None
    for _day in range(89):
        replacement = grant(sim, CONFIGURED)  # used every day, the replacements thrown away
        world_clock.advance(DAY)
    world_clock.advance(DAY)

    with pytest.raises(TokenError, match='AADSTS700082'):
        grant(sim, CONFIGURED)
    assert grant(sim, replacement)  # issued on day 88: alive


def test_msal_sees_the_expiry_as_entra_answers_it(sim, world_clock):
    """conformance: PC-51, PC-04"""
    world_clock.advance(91 * DAY)

    result = msal_app(sim).acquire_token_by_refresh_token(CONFIGURED, DELEGATED)

    assert (result['error'], result['error_codes']) == ('invalid_grant', [700082])
    assert result['error_description'].startswith('AADSTS700082: The refresh token has expired')
    world = requests.get(f'{sim.api_url}/_simulator/world', verify=sim.ca_bundle, timeout=5).json()
    distributor = next(p for p in world['partners'] if p['tenant_id'] == demo.DISTRIBUTOR_TENANT_ID)
    user = next(u for u in distributor['users'] if u['refresh_token'] == CONFIGURED)
    assert (user['expired'], user['revoked']) == (True, False)


def test_the_lifetime_is_a_control_so_time_can_be_scaled(sim, world_clock):
    """conformance: PC-53"""
    url = f'{sim.api_url}/_simulator/world'

    answer = requests.patch(url, json={'refresh_token_lifetime': 60}, verify=sim.ca_bundle, timeout=5)

    assert answer.status_code == 200
    assert answer.json()['refresh_token_lifetime'] == 60
    world_clock.advance(60)
    with pytest.raises(TokenError, match=r'inactive for 0\.00:01:00'):
        grant(sim, CONFIGURED)


@pytest.mark.parametrize('changes', [
    {'refresh_token_lifetime': 0}, {'refresh_token_lifetime': -5}, {'refresh_token_lifetime': 'long'},
    {'refresh_token_lifetime': True}, {'revoke_rotated_refresh_tokens': 'yes'},
    {'propagation_delay': 3, 'refresh_token_lifetime': 0},
])
def test_bad_controls_are_refused_and_change_nothing(sim, changes):
    """conformance: PC-53, PC-54"""
    url = f'{sim.api_url}/_simulator/world'
    before = (sim.world.propagation_delay, sim.world.refresh_token_lifetime,
              sim.world.revoke_rotated_refresh_tokens)

    answer = requests.patch(url, json=changes, verify=sim.ca_bundle, timeout=5)

    assert answer.status_code == 400
    assert answer.json()['error']
    assert (sim.world.propagation_delay, sim.world.refresh_token_lifetime,
            sim.world.revoke_rotated_refresh_tokens) == before


def test_with_the_strict_option_a_used_token_is_refused_as_revoked(sim):
    """conformance: PC-54"""
    answer = requests.patch(f'{sim.api_url}/_simulator/world',
                            json={'revoke_rotated_refresh_tokens': True}, verify=sim.ca_bundle,
                            timeout=5)
    assert answer.json()['revoke_rotated_refresh_tokens'] is True

    rotated = grant(sim, CONFIGURED)

    with pytest.raises(TokenError) as caught:
        grant(sim, CONFIGURED)
    assert (caught.value.error, caught.value.aadsts) == ('invalid_grant', 50173)
    assert grant(sim, rotated)


# -- the extension across restarts -------------------------------------------------------------

@pytest.fixture
def pc_settings(sim):
    """The distributor's App+User settings on the simulator."""
    return sim.settings(demo.DISTRIBUTOR_TENANT_ID, refresh_token=CONFIGURED)


@pytest.fixture
def keeper_for(store, world_clock, pc_settings):
    """A keeper over the test's store whose dates follow the world's clock."""

    def make():
        return RefreshTokenKeeper(
            store.credentials, TokenCipher.for_secrets('', pc_settings.client_secret),
            key=credential_key(pc_settings), configured=CONFIGURED,
            clock=lambda: START + timedelta(seconds=world_clock.now - WORLD_START),
        )

    return make


def run_for_days(sim, provider, world_clock, days, every=7):
    """The extension at work: it signs in again every ``every`` days (its access tokens expire)."""
    for _ in range(0, days, every):
        world_clock.advance(every * DAY)
        provider.invalidate()
        assert sim.world.peek_caller(f'Bearer {provider.get_token()}') is not None


def test_a_restart_months_after_the_configuration_still_signs_in(
    sim, pc_settings, keeper_for, world_clock,
):
    """The issue's failure: 120 days of work, then a restart. With the newest token kept in the
    store the restarted extension signs in; the configured token itself died on day 90.

    conformance: PC-51, PC-52
    """
    provider = MsalTokenProvider(pc_settings, clock=world_clock, refresh_tokens=keeper_for())
    provider.get_token()
    run_for_days(sim, provider, world_clock, 120)

    restarted = MsalTokenProvider(pc_settings, clock=world_clock, refresh_tokens=keeper_for())

    assert sim.world.peek_caller(f'Bearer {restarted.get_token()}').admin_agent
    assert sim.world.refresh_token_expired(partner(sim), CONFIGURED)
    posts = sim.calls.matching('POST', '/oauth2/v2.0/token$')
    assert [call.status for call in posts][-1] == 200
    assert keeper_for().status().renewed_at == START + timedelta(days=126)  # 18 weeks of work


def test_without_the_store_a_restart_goes_back_to_the_dead_configured_token(
    sim, pc_settings, world_clock,
):
    """What the extension did before: the same 120 days, and the restart cannot sign in."""
    provider = MsalTokenProvider(pc_settings, clock=world_clock)
    provider.get_token()
    run_for_days(sim, provider, world_clock, 120)

    restarted = MsalTokenProvider(pc_settings, clock=world_clock)

    with pytest.raises(PartnerCenterError) as caught:
        restarted.get_token()
    assert (caught.value.kind, caught.value.code) == (AUTH, 'invalid_grant')
    assert 'AADSTS700082' in caught.value.description


def test_replicas_that_race_on_one_token_converge_even_when_used_tokens_are_refused(
    sim, pc_settings, keeper_for, world_clock,
):
    """Two replicas share the store; Entra refuses a used token (the strict option): the replica
    whose token the other one used up picks up the stored one and goes on.

    conformance: PC-54
    """
    sim.world.revoke_rotated_refresh_tokens = True
    first = MsalTokenProvider(pc_settings, clock=world_clock, refresh_tokens=keeper_for())
    second = MsalTokenProvider(pc_settings, clock=world_clock, refresh_tokens=keeper_for())
    first.get_token()   # uses the configured token (now refused) and stores its replacement
    second.get_token()  # starts from that stored one, uses it up, and stores the next

    for _ in range(3):
        world_clock.advance(DAY)
        for provider in (first, second, first):
            provider.invalidate()
            assert sim.world.peek_caller(f'Bearer {provider.get_token()}') is not None

    restarted = MsalTokenProvider(pc_settings, clock=world_clock, refresh_tokens=keeper_for())
    assert sim.world.peek_caller(f'Bearer {restarted.get_token()}') is not None
    refused = [call for call in sim.calls.matching('POST', '/oauth2/v2.0/token$') if call.status == 400]
    assert refused  # the race happened, and each time the stored token settled it
