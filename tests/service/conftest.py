"""The overage service on its own: the root ``service`` and ``make_service`` in the variant
whose read-back waits for real (the tests set Microsoft's propagation delay)."""
import pytest

from testkit import services


@pytest.fixture
def service_variant():
    return services.REAL_WAITS
