"""What the routes are given: settings from Connect's variables, one migrated store per database,
one service per configuration."""
from connect_ext import wiring
from connect_ext.api import dependencies
from connect_ext.config import Settings
from connect_ext.store import Store


def test_settings_come_from_the_injected_variables():
    settings = dependencies.get_settings(config={
        'OVERAGE_SKU_MARKER': 'PAYG', 'TENANT_ID_PARAMS': 'a, b', 'DATABASE_URL': 'sqlite://',
    })

    assert (settings.sku_marker, settings.tenant_id_params) == ('PAYG', ('a', 'b'))
    assert settings.database_url == 'sqlite://'


def test_one_store_per_database_url_migrated_once(tmp_path, monkeypatch):
    wiring.clear_caches()
    migrations = []
    original = Store.migrated

    def counting(url, **kwargs):
        migrations.append(url)
        return original(url, **kwargs)

    monkeypatch.setattr(Store, 'migrated', staticmethod(counting))
    first_url, second_url = f'sqlite:///{tmp_path}/a.sqlite3', f'sqlite:///{tmp_path}/b.sqlite3'
    try:
        first = dependencies.get_store(Settings(database_url=first_url))
        again = dependencies.get_store(Settings(database_url=first_url, sku_marker='X'))
        second = dependencies.get_store(Settings(database_url=second_url))

        assert first is again
        assert second is not first
        assert migrations == [first_url, second_url]
        assert first.list_customers().total == 0  # migrated: the tables exist
    finally:
        for store in {first, second}:
            store.close()
        wiring.clear_caches()


def test_one_service_per_configuration(store):
    wiring.clear_caches()
    settings = Settings(database_url=store.url)
    client = dependencies.get_partner_center_client(settings)
    try:
        service = dependencies.get_overage_service(settings, store, client, None)

        assert dependencies.get_overage_service(settings, store, client, None) is service
        assert (service.store, service.client, service.settings) == (store, client, settings)
        assert dependencies.get_partner_center_client(settings) is client
        other = Settings(database_url=store.url, sku_marker='PAYG')
        assert dependencies.get_overage_service(other, store, client, None) is not service
    finally:
        wiring.clear_caches()


def test_the_web_api_and_the_events_share_one_service_per_configuration(tmp_path):
    wiring.clear_caches()
    config = {'DATABASE_URL': f'sqlite:///{tmp_path}/shared.sqlite3',
              'OVERAGE_WEBHOOK_URL': 'https://hooks.example.com/overage',
              'OVERAGE_WEBHOOK_SECRET': 'not-a-real-secret'}
    try:
        settings = dependencies.get_settings(config=config)
        store = dependencies.get_store(settings)
        client = dependencies.get_partner_center_client(settings)
        notifier = dependencies.get_notifier(settings, store)
        web = dependencies.get_overage_service(settings, store, client, notifier)

        events = wiring.events_dependencies_for(dict(config))

        assert notifier is not None
        assert events.service is web
        assert events.store is store
    finally:
        wiring.clear_caches()


def test_an_app_plus_user_client_keeps_its_refresh_token_in_the_configurations_store(sim, tmp_path):
    """The wiring hands the client a keeper over the store of DATABASE_URL: what one client
    renewed, a client built after a restart (the caches forgotten) starts from."""
    wiring.clear_caches()
    settings = Settings(partner_center=sim.settings(), database_url=f'sqlite:///{tmp_path}/rt.sqlite3')
    try:
        keeper = dependencies.get_refresh_token_keeper(settings)
        client = dependencies.get_partner_center_client(settings)
        assert keeper is wiring.refresh_token_keeper_for(settings)
        assert keeper.status().source == 'configured'

        client.check_connection()

        assert keeper.status().source == 'renewed'
        renewed = keeper.current().token
        wiring.clear_caches()  # a restart
        sim.world.revoke_refresh_token(settings.partner_center.refresh_token)
        restarted = dependencies.get_partner_center_client(settings)
        assert restarted.check_connection() == {'ok': True, 'mode': 'app+user'}
        assert wiring.refresh_token_keeper_for(settings).current().token not in (
            renewed, settings.partner_center.refresh_token)
    finally:
        wiring.store_for(settings).close()
        wiring.clear_caches()


def test_an_app_only_client_has_no_keeper_and_opens_no_store(sim, tmp_path):
    wiring.clear_caches()
    database = tmp_path / 'never.sqlite3'
    settings = Settings(partner_center=sim.settings(app_only=True), database_url=f'sqlite:///{database}')
    try:
        assert dependencies.get_refresh_token_keeper(settings) is None
        assert dependencies.get_partner_center_client(settings).check_connection()['mode'] == 'app-only'
        assert not database.exists()
    finally:
        wiring.clear_caches()
