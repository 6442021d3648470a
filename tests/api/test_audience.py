"""Words by audience (issue 19): a customer reads about its own tenant, never the partner's pricing,
partner ids or a sentence that speaks to it as the partner; partner staff keep their texts. Also the
Communications Credits warning in the state and options answers, no "order an OVG item" advice when
Connect holds one, and the blockers' order and ``fixable`` flag."""
import dataclasses
import json

import pytest

from connect_ext.api import dependencies
from connect_ext.errors import catalogue, findings
from sandbox.partner_center import demo
from testkit.callers import OWNER, customer
from testkit.customers import ENABLED, HELD, INDIRECT, NO_AZURE_PLAN, READY


# What partner staff read and a customer never does (exact list, issue 19 item 1).
PARTNER_ONLY_WORDS = (
    'CSP discount', 'margin', 'partner-earned credit', "at or above Microsoft's", 'published rates',
    'your partner account', 'under your account', 'You will be billed', 'will bill them',
    "reseller's partner id", 'Order an OVG item', 'order an OVG item', 'BLOCKED_COUNTRIES',
    'TENANT_ID_PARAMS', 'RESELLER_MPN_PARAM', 'PARTNER_CENTER_',
)
PARTNER_IDS = (demo.DISTRIBUTOR_MPN_ID, demo.RESELLER_MPN_ID, demo.OTHER_PARTNER_MPN_ID)
CUSTOMERS = [READY, ENABLED, HELD, NO_AZURE_PLAN, INDIRECT]
FINDING_CODES = [item.code for item in (*findings.ACCESS, *findings.SCOPE, *findings.PREREQUISITES,
                                        *findings.NOTICES)]
SAMPLE = {name: f'<{name}>' for item in catalogue.ENTRIES
          for text in (item.message, item.reason, item.action)
          for name in __import__('re').findall(r'\{(\w+)\}', text)}


def partner_words_in(text):
    """Case-sensitive, so a code such as NO_MARGIN_OR_PEC (for programs) is not a word."""
    return [word for word in (*PARTNER_ONLY_WORDS, *PARTNER_IDS) if word in text]


@pytest.mark.parametrize('code', FINDING_CODES)
def test_every_finding_reads_for_a_customer_without_partner_words(code):
    texts = ' '.join(catalogue.render_entry(code, SAMPLE, 'customer'))
    assert partner_words_in(texts) == []


def test_the_partner_staff_keep_their_texts():
    """The test above can fail: the partner's own words carry what a customer must not read."""
    margin = ' '.join(catalogue.render_entry('NO_MARGIN_OR_PEC', {}, 'partner'))
    assert partner_words_in(margin) == [
        'CSP discount', 'margin', 'partner-earned credit', "at or above Microsoft's", 'published rates',
    ]
    partner = catalogue.render_entry('NO_MARGIN_OR_PEC', {}, 'partner')
    assert catalogue.render_entry('NO_MARGIN_OR_PEC', {}) == partner


def test_a_customer_variant_keeps_every_placeholder_optional():
    for item in catalogue.ENTRIES:
        for template in catalogue.templates_for(item, 'customer'):
            assert '(not known)' not in catalogue.render_entry(item.code, {}, 'customer').message
            assert template.count('[') == template.count(']'), item.code


@pytest.fixture
def customers_may_change(api, settings):
    allowed = dataclasses.replace(settings, customers_may_change=True)
    api.app.dependency_overrides[dependencies.get_settings] = lambda: allowed


@pytest.mark.parametrize('customer_id', CUSTOMERS)
def test_a_customers_state_options_and_change_answers_hold_no_partner_words(
        api, customers_may_change, customer_id):
    who = customer(customer_id)
    state = api.get(f'/api/customers/{customer_id}/overage', who=who)
    options = api.get(f'/api/customers/{customer_id}/overage/options', who=who)
    change = api.put(f'/api/customers/{customer_id}/overage', who=who,
                     json={'azure_subscription_id': None})
    assert state.status_code == 200
    assert options.status_code == 200
    for answer in (state, options, change):
        text = json.dumps(answer.json())
        assert partner_words_in(text) == [], [text[max(0, text.lower().find(w.lower()) - 200):][:300]
                                              for w in partner_words_in(text)]
    body = state.json()
    assert body['partner_id'] is None
    assert all(sub['partner_id'] is None for sub in body['ovg_subscriptions'])


def test_the_partner_staff_see_the_partner_words_and_ids(api):
    """The same answers to the owner carry them, so the customer test above can fail."""
    held = api.get(f'/api/customers/{HELD}/overage', who=OWNER).json()
    indirect = api.get(f'/api/customers/{INDIRECT}/overage', who=OWNER).json()
    assert held['partner_id'] == demo.OTHER_PARTNER_MPN_ID
    assert demo.RESELLER_MPN_ID in {sub['partner_id'] for sub in indirect['ovg_subscriptions']}
    assert 'CSP discount' in json.dumps(api.get(f'/api/customers/{READY}/overage', who=OWNER).json())


def test_a_customers_refused_change_speaks_to_it(api, customers_may_change):
    response = api.put(f'/api/customers/{HELD}/overage', who=customer(HELD),
                       json={'azure_subscription_id': demo.READY_ENTITLEMENT_ID})
    error = response.json()['error']
    assert error['code'] == 'OVERAGE_HELD_BY_OTHER_PARTNER'
    assert error['message'].startswith('Your overage goes to an Azure subscription of another provider')
    assert 'current_partner_id' not in error['details']
    assert partner_words_in(json.dumps(error)) == []


# --- the Communications Credits warning ------------------------------------------------------------

@pytest.mark.parametrize('customer_id', [READY, ENABLED])
def test_the_auto_recharge_warning_is_in_the_state_and_options_where_overage_is_on_or_switched_on(
        api, customer_id):
    for path in ('overage', 'overage/options'):
        body = api.get(f'/api/customers/{customer_id}/{path}').json()
        assert 'COMMUNICATIONS_CREDITS_AUTO_RECHARGE' in [f['code'] for f in body['findings']], path


def test_no_auto_recharge_warning_where_overage_cannot_be_switched_on(api):
    body = api.get(f'/api/customers/{HELD}/overage').json()
    assert 'COMMUNICATIONS_CREDITS_AUTO_RECHARGE' not in [f['code'] for f in body['findings']]


# --- blockers: order and fixable -------------------------------------------------------------------

def test_blockers_carry_their_order_and_whether_they_can_be_fixed(api):
    body = api.get(f'/api/customers/{NO_AZURE_PLAN}/overage').json()
    blocking = [f for f in body['findings'] if f['severity'] == 'blocking']
    assert [f['order'] for f in blocking] == list(range(1, len(blocking) + 1))
    assert all(f['fixable'] is True for f in blocking)
    assert all(f['order'] is None for f in body['findings'] if f['severity'] != 'blocking')
    assert catalogue.entry('CHINA_NOT_SUPPORTED').fixable is False
    assert catalogue.entry('COUNTRY_NOT_SUPPORTED').fixable is False
    assert catalogue.entry('CUSTOMER_QUALIFICATION_NOT_SUPPORTED').fixable is False


# --- Microsoft's words to the partner -------------------------------------------------------------

def _sign_in_failure():
    from connect_ext.errors.microsoft import translate
    from connect_ext.partner_center.errors import AUTH, PartnerCenterError

    # What the sign-in says when a variable is missing: the extension's words, naming the variable.
    return translate(PartnerCenterError(AUTH, description='not configured: PARTNER_CENTER_TENANT_ID',
                                        correlation_id='corr-1'))


def test_a_customers_error_keeps_microsofts_ids_but_not_its_words_to_the_partner():
    from connect_ext.api.audience import error_for
    from connect_ext.vocabulary import AUDIENCE_CUSTOMER, AUDIENCE_PARTNER

    error = _sign_in_failure()
    staff = error_for(error, AUDIENCE_PARTNER).to_body()['error']
    body = error_for(error, AUDIENCE_CUSTOMER).to_body()['error']

    assert staff['details']['microsoft']['description'] == 'not configured: PARTNER_CENTER_TENANT_ID'
    assert body['code'] == staff['code'] == 'PARTNER_CENTER_CREDENTIALS_REJECTED'
    assert body['details']['microsoft'] == {'status': None, 'code': None, 'correlation_id': 'corr-1',
                                            'request_id': None}
    assert 'PARTNER_CENTER_TENANT_ID' not in json.dumps(body)
    assert partner_words_in(json.dumps({**body, 'code': None})) == []


def test_a_customers_history_holds_no_words_of_microsoft_to_the_partner(store):
    from connect_ext.api import presenters
    from connect_ext.store.records import Page
    from connect_ext.vocabulary import AUDIENCE_CUSTOMER

    error = _sign_in_failure()
    entry = store.record_audit(customer_id=READY, actor_type='customer', actor_id=READY, action='enable',
                               outcome='failed', error_code=error.code, error_message=error.message,
                               details={'microsoft': error.details['microsoft'], 'partner_id': '1234567'})
    page = Page(items=[entry], total=1, limit=10, offset=0)

    staff = presenters.history_page(page, limit=10, offset=0, owner=False).items[0]
    shown = presenters.history_page(page, limit=10, offset=0, owner=False,
                                    audience=AUDIENCE_CUSTOMER).items[0]

    assert staff.details['microsoft']['description'].startswith('not configured')
    assert shown.details == {'microsoft': {'status': None, 'code': None, 'correlation_id': 'corr-1',
                                           'request_id': None}}
    assert '1234567' not in str(shown)
