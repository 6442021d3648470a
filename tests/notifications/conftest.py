"""The notifier's tests run beside the web API (the root ``api`` fixture): their store holds the
directory's customers too (testkit.customers)."""
import pytest


@pytest.fixture(scope='session')
def store_template(customers_store_template):
    return customers_store_template
