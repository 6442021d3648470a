"""No configuration variable in the words people read (issue 19, item 6).

Support staff (the distributor's, a reseller's) and customers read the catalogue's sentences: they
say what to do and who does it, never a variable's name. The name stays for whoever configures the
extension: each entry says which variables it is about (``settings``), errors carry them as
``details.settings``, findings as ``params.settings``, and ``docs/errors.md`` lists them.
"""
import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest

from connect_ext import config
from connect_ext.api.audience import error_for, finding_for
from connect_ext.api.handover_presenters import handover_body
from connect_ext.errors import catalogue
from connect_ext.errors.error import OverageError
from connect_ext.overage.facts import Caller
from connect_ext.overage.prerequisites import Finding
from connect_ext.store.records import HandoverRecord
from connect_ext.vocabulary import AUDIENCE_CUSTOMER, AUDIENCE_PARTNER, AUDIENCES, CUSTOMER
from testkit.callers import OWNER_CALLER
from tools import errors_doc


# Every variable the extension reads, under its own name and as the Settings field that holds it.
VARIABLE_NAMES = frozenset({
    *config.VARIABLES, *config.LOCAL_VARIABLES, config.RUNNER_SCHEDULED_LIMIT_VARIABLE,
    *config.RUNNER_IDENTITY_VARIABLES,
})
SETTING_FIELDS = frozenset(
    item.name
    for settings_class in (config.Settings, config.PartnerCenterSettings)
    for item in dataclasses.fields(settings_class)
    if '_' in item.name  # 'locale' or 'tenant_id'-free words are plain English
)
UPPER_SNAKE = re.compile(r'\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b')
LOWER_SNAKE = re.compile(r'\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b')
PLACEHOLDER = re.compile(r'\{\w+\}')
TEXT_FIELDS = ('message', 'reason', 'action')


def names_in(template):
    """The variables (or any UPPER_SNAKE name) and Settings fields a template's words name; its
    ``{placeholders}`` are values, not words."""
    words = PLACEHOLDER.sub('', template)
    return sorted({
        *UPPER_SNAKE.findall(words),
        *(word for word in LOWER_SNAKE.findall(words) if word in SETTING_FIELDS),
    })


def named_settings():
    """(code, audience, field, names) for every catalogue text that names a variable."""
    return [
        (item.code, audience, field, names)
        for item in catalogue.ENTRIES
        for audience in AUDIENCES
        for field, template in zip(TEXT_FIELDS, catalogue.templates_for(item, audience), strict=True)
        for names in [names_in(template)]
        if names
    ]


def test_no_catalogue_text_names_a_variable_for_any_audience():
    assert named_settings() == []


def test_the_walk_sees_a_variable_name():
    """The walk above can fail: a text naming a variable, or a Settings field, is caught."""
    assert names_in('Set OVERAGE_WEBHOOK_URL to an https URL[ ({url})].') == ['OVERAGE_WEBHOOK_URL']
    assert names_in('The customers_may_change setting is off.') == ['customers_may_change']
    assert names_in('Check the {reseller_mpn_param} parameter.') == []
    assert 'RESELLER_MPN_PARAM' in VARIABLE_NAMES
    assert 'reseller_mpn_param' in SETTING_FIELDS


@pytest.mark.parametrize('item', [item for item in catalogue.ENTRIES if item.settings],
                         ids=lambda item: item.code)
def test_an_entry_names_real_variables_outside_its_words(item):
    assert set(item.settings) <= VARIABLE_NAMES, item.code
    assert len(set(item.settings)) == len(item.settings)


def test_the_entries_that_point_at_a_variable_say_which():
    """The variable a text no longer names is still there for the one who configures it."""
    pointed = {item.code: item.settings for item in catalogue.ENTRIES if item.settings}
    assert pointed == {
        'COUNTRY_NOT_SUPPORTED': ('BLOCKED_COUNTRIES',),
        'TENANT_ID_UNKNOWN': ('TENANT_ID_PARAMS',),
        'MICROSOFT_TENANT_NOT_FOUND': ('TENANT_ID_PARAMS',),
        'RESELLER_PARTNER_ID_INVALID': ('RESELLER_MPN_PARAM',),
        'PARTNER_CENTER_CREDENTIALS_REJECTED': (
            'PARTNER_CENTER_TENANT_ID', 'PARTNER_CENTER_CLIENT_ID', 'PARTNER_CENTER_CLIENT_SECRET',
            'PARTNER_CENTER_REFRESH_TOKEN',
        ),
        'PARTNER_CENTER_REFRESH_TOKEN_EXPIRED': ('PARTNER_CENTER_REFRESH_TOKEN',),
        'PARTNER_CENTER_MFA_REQUIRED': ('PARTNER_CENTER_REFRESH_TOKEN',),
        'REFRESH_TOKEN_LONG_UNUSED': ('PARTNER_CENTER_REFRESH_TOKEN',),
        'REFRESH_TOKEN_UNREADABLE': (
            'TOKEN_ENCRYPTION_KEY', 'PARTNER_CENTER_CLIENT_SECRET', 'PARTNER_CENTER_REFRESH_TOKEN',
        ),
        'PRODUCT_NOT_FOUND': ('PRODUCT_IDS',),
        'CUSTOMER_CHANGES_DISABLED': ('CUSTOMERS_MAY_CHANGE',),
        'WEBHOOK_DELIVERY_FAILED': ('OVERAGE_WEBHOOK_URL',),
        'WEBHOOK_DESTINATION_REFUSED': ('OVERAGE_WEBHOOK_URL',),
        'HANDOVER_EXPIRED': ('HANDOVER_DAYS',),
    }


def test_an_error_carries_its_variables_in_its_details_not_its_words():
    error = OverageError.from_code('RESELLER_PARTNER_ID_INVALID', partner_id='5357563',
                                   microsoft_code='800016')
    body = error.to_body()['error']
    assert body['details'] == {'partner_id': '5357563', 'microsoft_code': '800016',
                               'settings': ['RESELLER_MPN_PARAM']}
    assert body['action'] == (
        "Correct the reseller's Microsoft partner id (MPN id) on its tier-1 account in Connect, or "
        'have the reseller link to you in Partner Center, then retry. If the id on the tier-1 '
        'account is right, ask the administrator of this extension in Connect to check which '
        'tier-1 parameter its settings read the partner id from.'
    )
    explicit = OverageError.from_code('PRODUCT_NOT_FOUND', details={'product_id': 'PRD-1'})
    assert explicit.details == {'product_id': 'PRD-1', 'settings': ['PRODUCT_IDS']}
    assert 'settings' not in OverageError.from_code('STALE_STATE').details


def test_a_finding_carries_its_variables_in_its_params():
    finding = Finding.of('REFRESH_TOKEN_LONG_UNUSED', used_at='2026-09-01')
    assert finding.params == {'used_at': '2026-09-01', 'settings': ['PARTNER_CENTER_REFRESH_TOKEN']}
    assert finding.action == (
        'Run the Partner Center connection test on this page: it signs in, which renews the token. '
        'If the test fails, renew the App+User consent and put the new refresh token in the '
        "extension's settings in Connect."
    )
    assert 'settings' not in Finding.of('NO_ACTIVE_AZURE_PLAN').params


def test_a_customer_reads_neither_the_words_nor_the_names():
    """A customer configures nothing: its error and its findings carry no variable at all."""
    error = OverageError.from_code('CUSTOMER_CHANGES_DISABLED')
    assert error.details == {'settings': ['CUSTOMERS_MAY_CHANGE']}
    assert error_for(error, AUDIENCE_PARTNER).details == {'settings': ['CUSTOMERS_MAY_CHANGE']}
    assert error_for(error, AUDIENCE_CUSTOMER).details == {}
    country = finding_for(Finding.of('COUNTRY_NOT_SUPPORTED', country='CU'), AUDIENCE_CUSTOMER)
    assert country.params == {'country': 'CU'}
    blocked = OverageError.from_finding(Finding.of('COUNTRY_NOT_SUPPORTED', country='CU'),
                                        [Finding.of('COUNTRY_NOT_SUPPORTED', country='CU')])
    shown = error_for(blocked, AUDIENCE_CUSTOMER).details
    assert 'settings' not in shown
    assert 'settings' not in shown['findings'][0]['params']


def test_the_error_catalogue_page_lists_each_entrys_variables():
    page = errors_doc.catalogue_markdown()
    section = page.split('## RESELLER_PARTNER_ID_INVALID\n', 1)[1].split('\n## ', 1)[0]
    assert '- **Settings** (for the administrator): `RESELLER_MPN_PARAM`' in section
    stale = page.split('## STALE_STATE\n', 1)[1].split('\n## ', 1)[0]
    assert '**Settings**' not in stale


def _expired_request():
    asked = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    nothing = dict.fromkeys(
        name for name in HandoverRecord.__dataclass_fields__
        if name not in ('customer_id', 'request_id', 'state', 'create_azure_subscription',
                        'enable_when_released', 'requested_at', 'expires_at', 'requested_by_type'))
    return HandoverRecord(customer_id='TA-1', request_id='h-1', state='expired',
                          create_azure_subscription=True, enable_when_released=True,
                          requested_at=asked, expires_at=asked + timedelta(days=12),
                          requested_by_type='owner', **{**nothing, 'ended_at': asked + timedelta(days=12)})


def test_an_expired_handover_says_how_long_it_waited_not_the_variable():
    notice = handover_body(_expired_request(), OWNER_CALLER, can_change=True).notice
    assert notice.reason == ('A request waits for the other partner only as many days as the '
                             'extension is set to wait (12 days).')
    customer = Caller(role=CUSTOMER, account_id='TA-1')
    assert 'HANDOVER_DAYS' not in handover_body(_expired_request(), customer, can_change=False).notice.reason
