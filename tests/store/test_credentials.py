"""The ``credentials`` table: a renewed value is kept, the newest renewal wins, a value from
another configured one replaces it, and replicas writing at once leave the newest."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from connect_ext.store import Store
from connect_ext.store.models import Credential
from testkit.clock import START


KEY = 'partner-center-refresh-token:tenant:client'
FINGERPRINT = 'f' * 64
OTHER_FINGERPRINT = 'e' * 64


def save(store, ciphertext, at, fingerprint=FINGERPRINT):
    return store.credentials.save_renewed(
        KEY, ciphertext=ciphertext, configured_fingerprint=fingerprint, renewed_at=at,
    )


def test_nothing_is_stored_until_a_value_is_renewed(store):
    assert store.credentials.get(KEY) is None
    assert store.credentials.mark_used(KEY, configured_fingerprint=FINGERPRINT, used_at=START) is False


def test_a_renewed_value_is_stored_with_its_times_and_the_next_version(store):
    first = save(store, 'cipher-1', START)
    second = save(store, 'cipher-2', START + timedelta(hours=1))

    assert (first.version, second.version) == (1, 2)
    stored = store.credentials.get(KEY)
    assert stored == second
    assert (stored.ciphertext, stored.renewed_at, stored.used_at) == (
        'cipher-2', START + timedelta(hours=1), START + timedelta(hours=1))
    assert 'cipher-2' not in repr(stored)


def test_an_older_renewal_never_replaces_a_newer_one(store):
    save(store, 'newer', START + timedelta(hours=2))

    assert save(store, 'older', START + timedelta(hours=1)) is None

    stored = store.credentials.get(KEY)
    assert (stored.ciphertext, stored.version) == ('newer', 1)


def test_a_value_of_another_configured_value_replaces_even_a_newer_one(store):
    """An administrator pasted a new refresh token: what descends from it wins."""
    save(store, 'from-the-old-configuration', START + timedelta(days=1))

    written = save(store, 'from-the-new-one', START, fingerprint=OTHER_FINGERPRINT)

    assert written is not None
    stored = store.credentials.get(KEY)
    assert (stored.ciphertext, stored.configured_fingerprint, stored.version) == (
        'from-the-new-one', OTHER_FINGERPRINT, 2)


def test_a_use_is_recorded_only_for_the_same_configured_value_and_only_forwards(store):
    save(store, 'cipher', START)
    later = START + timedelta(days=3)

    assert store.credentials.mark_used(KEY, configured_fingerprint=OTHER_FINGERPRINT, used_at=later) is False
    assert store.credentials.mark_used(KEY, configured_fingerprint=FINGERPRINT, used_at=later) is True
    assert store.credentials.mark_used(KEY, configured_fingerprint=FINGERPRINT, used_at=START) is False

    stored = store.credentials.get(KEY)
    assert (stored.renewed_at, stored.used_at, stored.version) == (START, later, 1)


@pytest.mark.parametrize('bad', [
    {'ciphertext': ''}, {'configured_fingerprint': ' '}, {'renewed_at': START.replace(tzinfo=None)},
])
def test_bad_values_are_refused_and_change_nothing(store, bad):
    values = {'ciphertext': 'cipher', 'configured_fingerprint': FINGERPRINT, 'renewed_at': START}

    with pytest.raises(ValueError):
        store.credentials.save_renewed(KEY, **{**values, **bad})

    assert store.credentials.get(KEY) is None


def test_replicas_renewing_at_once_leave_the_newest_renewal(database_url, clock):
    """Several replicas share one store: whatever order their writes land in, the value renewed
    last is the one kept, and every write that landed has its own version."""
    replicas = [Store(database_url, clock=clock) for _ in range(6)]
    start = threading.Barrier(len(replicas))
    results, errors = {}, []

    def renew(index, store):
        try:
            start.wait(timeout=30)
            results[index] = store.credentials.save_renewed(
                KEY, ciphertext=f'cipher-{index}', configured_fingerprint=FINGERPRINT,
                renewed_at=START + timedelta(seconds=index),
            )
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=renew, args=item) for item in enumerate(replicas)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        stored = replicas[0].credentials.get(KEY)
        assert stored.ciphertext == f'cipher-{len(replicas) - 1}'
        written = sorted(record.version for record in results.values() if record is not None)
        assert written == list(range(1, len(written) + 1))
        assert stored.version == written[-1]
        with replicas[0].session(write=False) as session:
            assert len(session.scalars(select(Credential)).all()) == 1
    finally:
        for store in replicas:
            store.close()
