"""The refresh token keeper: which token to use, the newest one kept encrypted in the store, the
key it is encrypted with, and nothing secret anywhere (ciphertext, logs, reprs)."""
import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from connect_ext.partner_center.refresh_tokens import (
    UNUSED_WARNING_DAYS,
    RefreshTokenKeeper,
    TokenCipher,
    credential_key,
    fingerprint,
)
from connect_ext.store.models import Credential
from connect_ext.vocabulary import SOURCE_CONFIGURED, SOURCE_RENEWED, SOURCE_UNREADABLE
from testkit.clock import FakeDatetimeClock
from testkit.partner_center_mock import CLIENT_SECRET, NEW_REFRESH_TOKEN, REFRESH_TOKEN, make_settings


KEY = credential_key(make_settings())
ENCRYPTION_KEY = 'a passphrase only the administrator knows'


@pytest.fixture
def when():
    return FakeDatetimeClock()


@pytest.fixture
def keeper_for(store, when):
    def make(configured=REFRESH_TOKEN, *, encryption_key=ENCRYPTION_KEY, client_secret=CLIENT_SECRET,
             credentials=None, clock=None):
        return RefreshTokenKeeper(
            credentials or store.credentials, TokenCipher.for_secrets(encryption_key, client_secret),
            key=KEY, configured=configured, clock=clock or when,
        )

    return make


def stored_row(store):
    with store.session(write=False) as session:
        return session.scalars(select(Credential)).one()


# -- the cipher --------------------------------------------------------------------------------

def test_a_fernet_key_is_used_as_it_is():
    key = Fernet.generate_key().decode()
    ciphertext = TokenCipher.for_secrets(key, CLIENT_SECRET).encrypt(REFRESH_TOKEN)

    assert Fernet(key.encode()).decrypt(ciphertext.encode()).decode() == REFRESH_TOKEN


def test_a_passphrase_and_the_client_secret_give_different_keys_even_for_the_same_text():
    from_passphrase = TokenCipher.for_secrets('same text', 'ignored')
    from_secret = TokenCipher.for_secrets('', 'same text')

    ciphertext = from_passphrase.encrypt(REFRESH_TOKEN)

    assert REFRESH_TOKEN not in ciphertext
    assert TokenCipher.for_secrets('same text', 'another secret').decrypt(ciphertext) == REFRESH_TOKEN
    assert from_secret.decrypt(ciphertext) is None
    assert TokenCipher.for_secrets('another passphrase', '').decrypt(ciphertext) is None
    assert from_passphrase.decrypt('not a fernet token') is None


def test_the_cipher_needs_a_key_or_a_secret_and_never_shows_it():
    with pytest.raises(ValueError, match='TOKEN_ENCRYPTION_KEY'):
        TokenCipher.for_secrets('', '')

    assert ENCRYPTION_KEY not in repr(TokenCipher.for_secrets(ENCRYPTION_KEY, ''))


def test_the_fingerprint_tells_tokens_apart_without_showing_them():
    assert fingerprint(REFRESH_TOKEN) == fingerprint(REFRESH_TOKEN)
    assert fingerprint(REFRESH_TOKEN) != fingerprint(NEW_REFRESH_TOKEN)
    assert REFRESH_TOKEN not in fingerprint(REFRESH_TOKEN)


# -- which token -------------------------------------------------------------------------------

def test_without_a_stored_token_the_configured_one_is_used(keeper_for):
    keeper = keeper_for()

    held = keeper.current()

    assert (held.token, held.source, held.version) == (REFRESH_TOKEN, SOURCE_CONFIGURED, None)
    assert keeper.status().source == SOURCE_CONFIGURED
    assert REFRESH_TOKEN not in repr(held)


def test_a_renewed_token_is_stored_encrypted_and_used_from_then_on(keeper_for, store, when):
    keeper_for().renewed(NEW_REFRESH_TOKEN)

    row = stored_row(store)
    assert NEW_REFRESH_TOKEN not in row.ciphertext
    assert REFRESH_TOKEN not in row.configured_fingerprint
    assert row.configured_fingerprint == fingerprint(REFRESH_TOKEN)
    # A restart: a new keeper over the same store.
    held = keeper_for().current()
    assert (held.token, held.source, held.version) == (NEW_REFRESH_TOKEN, SOURCE_RENEWED, 1)
    status = keeper_for().status()
    assert (status.source, status.renewed_at, status.used_at) == (SOURCE_RENEWED, when.now, when.now)


def test_a_newly_configured_token_takes_precedence_over_the_stored_one(keeper_for):
    keeper_for().renewed(NEW_REFRESH_TOKEN)
    pasted = 'rt-PASTED-by-the-administrator'

    keeper = keeper_for(configured=pasted)

    assert keeper.current().token == pasted
    assert keeper.status().source == SOURCE_CONFIGURED
    keeper.renewed('rt-renewed-from-the-pasted-one')
    assert keeper_for(configured=pasted).current().token == 'rt-renewed-from-the-pasted-one'


def test_a_token_stored_under_another_key_falls_back_to_the_configured_one_with_a_warning(
    keeper_for, caplog,
):
    caplog.set_level(logging.DEBUG)
    keeper_for(encryption_key='the key before').renewed(NEW_REFRESH_TOKEN)

    keeper = keeper_for(encryption_key='the key after')

    assert keeper.current().token == REFRESH_TOKEN
    assert keeper.status().source == SOURCE_UNREADABLE
    assert 'cannot be decrypted' in caplog.text
    keeper.current()
    assert caplog.text.count('cannot be decrypted') == 1
    for secret in (NEW_REFRESH_TOKEN, REFRESH_TOKEN, 'the key before', 'the key after'):
        assert secret not in caplog.text
    # The next renewal is stored under the current key.
    keeper.renewed('rt-after-the-key-changed')
    assert keeper_for(encryption_key='the key after').current().token == 'rt-after-the-key-changed'
    assert keeper.status().source == SOURCE_RENEWED


def test_after_a_refusal_the_stored_token_of_another_replica_then_the_configured_one_are_tried(
    keeper_for,
):
    ours, theirs = keeper_for(), keeper_for()
    held = ours.renewed('rt-ours')
    theirs.renewed('rt-theirs')

    assert [(h.token, h.source) for h in ours.alternatives(held)] == [
        ('rt-theirs', SOURCE_RENEWED), (REFRESH_TOKEN, SOURCE_CONFIGURED)]
    stored = ours.current()
    assert [h.token for h in ours.alternatives(stored)] == [REFRESH_TOKEN]
    assert ours.alternatives(ours.alternatives(stored)[0]) == [stored]


def test_the_newest_renewal_wins_whichever_replica_writes_last(keeper_for, when):
    early, late = FakeDatetimeClock(when.now), FakeDatetimeClock(when.now + timedelta(minutes=5))
    late_replica, early_replica = keeper_for(clock=late), keeper_for(clock=early)

    late_replica.renewed('rt-renewed-later')
    held = early_replica.renewed('rt-renewed-earlier')  # lands after, but is older

    assert held.token == 'rt-renewed-earlier'  # the replica keeps using its own
    assert held.version is None  # ... which the store did not take
    assert keeper_for().current().token == 'rt-renewed-later'


# -- the settings page -------------------------------------------------------------------------

def test_the_status_says_when_the_token_went_60_days_without_use(keeper_for, when):
    keeper = keeper_for()
    keeper.renewed(NEW_REFRESH_TOKEN)
    renewed = when.now

    when.advance(timedelta(days=UNUSED_WARNING_DAYS - 1).total_seconds())
    assert not keeper.status().long_unused(keeper.now())
    keeper.used()
    assert keeper.status().used_at == when.now
    assert keeper.status().renewed_at == renewed

    when.advance(timedelta(days=UNUSED_WARNING_DAYS).total_seconds())
    status = keeper.status()
    assert status.long_unused(keeper.now())
    assert status.unused_for(keeper.now()) == timedelta(days=UNUSED_WARNING_DAYS)


def test_nothing_is_known_of_a_configured_token_never_used(keeper_for, when):
    when.advance(timedelta(days=400).total_seconds())

    status = keeper_for().status()

    assert (status.renewed_at, status.used_at) == (None, None)
    assert not status.long_unused(when.now)


# -- the store failing -------------------------------------------------------------------------

class BrokenStore:
    def get(self, key):
        raise ConnectionError('the database is down')

    def save_renewed(self, key, **values):
        raise ConnectionError('the database is down')

    def mark_used(self, key, **values):
        raise ConnectionError('the database is down')


def test_a_store_that_fails_never_stops_a_token_request(keeper_for, caplog):
    caplog.set_level(logging.DEBUG)
    keeper = keeper_for(credentials=BrokenStore())

    assert keeper.current().token == REFRESH_TOKEN
    held = keeper.renewed(NEW_REFRESH_TOKEN)
    keeper.used()

    assert (held.token, held.version) == (NEW_REFRESH_TOKEN, None)
    assert caplog.text.count('ConnectionError') == 3
    assert NEW_REFRESH_TOKEN not in caplog.text
    assert REFRESH_TOKEN not in caplog.text


def test_the_keeper_needs_a_configured_token(store):
    with pytest.raises(ValueError):
        RefreshTokenKeeper(store.credentials, TokenCipher.for_secrets('k', ''), key=KEY, configured='')


def test_the_key_names_the_tenant_and_the_application():
    settings = make_settings(tenant_id='A1B2C3D4-0000-4000-8000-00000000D157')

    assert credential_key(settings) == (
        f'partner-center-refresh-token:{settings.tenant_id.lower()}:{settings.client_id.lower()}')
