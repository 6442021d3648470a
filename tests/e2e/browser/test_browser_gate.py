"""When the browser tests run, skip, or fail: the rule CI relies on (no browser needed here)."""
import pytest

from testkit import browser


@pytest.mark.parametrize(('chromium_present', 'required', 'skips'), [
    (True, False, False),
    (True, True, False),
    (False, True, False),  # CI sets OVERAGE_REQUIRE_BROWSER=1: a missing browser is an error
    (False, False, True),
])
def test_skip_only_without_chromium_and_when_not_required(
        monkeypatch, chromium_present, required, skips):
    monkeypatch.setattr(browser.os.path, 'exists',
                        lambda path: chromium_present if path == browser.CHROMIUM else False)
    if required:
        monkeypatch.setenv(browser.REQUIRE_ENV, '1')
    else:
        monkeypatch.delenv(browser.REQUIRE_ENV, raising=False)
    reason = browser.skip_reason()
    assert bool(reason) is skips
    if skips:
        assert browser.CHROMIUM in reason
        assert browser.REQUIRE_ENV in reason


def test_other_values_of_the_switch_do_not_require_the_browser(monkeypatch):
    monkeypatch.setattr(browser.os.path, 'exists', lambda path: False)
    monkeypatch.setenv(browser.REQUIRE_ENV, 'yes')
    assert browser.skip_reason()
