"""When the browser tests run, skip, or fail: the rule CI relies on (no browser needed here)."""
import pytest

from tests.e2e.browser import conftest


@pytest.mark.parametrize(('chromium_present', 'required', 'skips'), [
    (True, False, False),
    (True, True, False),
    (False, True, False),  # CI sets OVERAGE_REQUIRE_BROWSER=1: a missing browser is an error
    (False, False, True),
])
def test_skip_only_without_chromium_and_when_not_required(
        monkeypatch, chromium_present, required, skips):
    monkeypatch.setattr(conftest.os.path, 'exists',
                        lambda path: chromium_present if path == conftest.CHROMIUM else False)
    if required:
        monkeypatch.setenv(conftest.REQUIRE_ENV, '1')
    else:
        monkeypatch.delenv(conftest.REQUIRE_ENV, raising=False)
    reason = conftest.skip_reason()
    assert bool(reason) is skips
    if skips:
        assert conftest.CHROMIUM in reason
        assert conftest.REQUIRE_ENV in reason


def test_other_values_of_the_switch_do_not_require_the_browser(monkeypatch):
    monkeypatch.setattr(conftest.os.path, 'exists', lambda path: False)
    monkeypatch.setenv(conftest.REQUIRE_ENV, 'yes')
    assert conftest.skip_reason()
