"""Property: whatever is sent — any route, method, caller, id, query, header or body — the API never
answers a 5xx, and every refusal is in the public error shape.

Runs against the real app, the real overage service and the Partner Center simulator (healthy:
a 5xx could only be the API's own fault), with Connect answering "nothing" to every lookup.
Examples are derived deterministically so CI runs repeat.
"""
import re
import string
from urllib.parse import quote

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connect_ext.api.schemas import ErrorBody
from connect_ext.compat import parse
from sandbox.partner_center import demo
from testkit.callers import OWNER, RESELLER_A, RESELLER_B, VENDOR, customer
from testkit.customers import CUSTOMERS, READY, UNKNOWN
from testkit.fake_connect import CONNECT_URL


CALLERS = [OWNER, RESELLER_A, RESELLER_B, customer(READY), customer(UNKNOWN), VENDOR,
           {'account_id': 'AC-1', 'account_role': 'customer', 'call_type': 'user'}]
GUIDS = [demo.READY_ENTITLEMENT_ID, demo.READY_SECOND_ENTITLEMENT_ID, demo.ENABLED_ENTITLEMENT_ID,
         demo.HELD_ENTITLEMENT_ID, demo.DISABLED_ENTITLEMENT_ID, '00000000-0000-0000-0000-000000000000']
HEADER_TEXT = st.text(alphabet=string.printable.strip() + ' ', max_size=40).map(str.strip)

customer_ids = st.one_of(
    st.sampled_from([*CUSTOMERS, UNKNOWN]),
    st.from_regex(r'TA-[0-9]{1,4}(-[0-9]{1,4}){0,3}', fullmatch=True),
    st.text(max_size=30).filter(bool),
)
asset_ids = st.one_of(st.from_regex(r'AS-[0-9]{1,4}(-[0-9]{1,4}){0,3}', fullmatch=True),
                      st.text(max_size=20).filter(bool))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=40))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3),
), max_leaves=8)
change_bodies = st.one_of(
    st.fixed_dictionaries({'azure_subscription_id': st.one_of(
        st.none(), st.sampled_from(GUIDS), st.uuids().map(str), st.text(max_size=40),
    )}),
    st.dictionaries(st.sampled_from(['azure_subscription_id', 'extra', 'id']), json_values,
                    max_size=3),
    json_values,
)
query_values = st.one_of(st.integers(min_value=-10**12, max_value=10**12).map(str),
                         st.text(max_size=120), st.sampled_from(['enabled', 'other_partner']))
queries = st.dictionaries(
    st.sampled_from(['status', 'search', 'limit', 'offset', 'product_id', 'x']), query_values,
    max_size=4,
)
headers = st.dictionaries(
    st.sampled_from(['If-Match', 'Idempotency-Key', 'connect-auth']), HEADER_TEXT, max_size=3,
)


@st.composite
def requests_(draw):
    route = draw(st.sampled_from([
        'list', 'state', 'options', 'put', 'history', 'asset', 'items', 'connection', 'settings', 'other',
    ]))
    cid = quote(draw(customer_ids), safe='')
    urls = {
        'list': ('GET', '/api/customers'),
        'state': ('GET', f'/api/customers/{cid}/overage'),
        'options': ('GET', f'/api/customers/{cid}/overage/options'),
        'put': ('PUT', f'/api/customers/{cid}/overage'),
        'history': ('GET', f'/api/customers/{cid}/overage/history'),
        'asset': ('GET', f'/api/assets/{quote(draw(asset_ids), safe="")}/overage'),
        'items': ('GET', '/api/items'),
        'connection': ('GET', '/api/settings/connection'),
        'settings': ('GET', '/api/settings'),
        'other': (draw(st.sampled_from(['POST', 'DELETE', 'PATCH', 'GET'])),
                  f'/api/{quote(draw(st.text(max_size=20)), safe="/")}'),
    }
    method, url = urls[route]
    body = draw(change_bodies) if method in ('PUT', 'POST', 'PATCH') else None
    return method, url, draw(queries), draw(headers), body, draw(st.sampled_from(CALLERS))


@pytest.fixture
def connect_knows_nothing(running_sim, reseller_connect):
    """Connect answers the distributor's every lookup with an empty page (or an empty object); the
    resellers' installation clients reach the Connect simulator."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(running_sim.api_url)
        mock.add_passthru(running_sim.login_url)
        mock.add_passthru(reseller_connect[1])
        mock.add(responses.GET, re.compile(re.escape(CONNECT_URL) + r'/.*'), json=[],
                 headers={'Content-Range': 'items 0-0/0'})
        yield mock


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request=requests_())
def test_no_request_gets_a_5xx_and_every_refusal_has_the_public_shape(
    api, connect_knows_nothing, request,
):
    method, url, params, extra_headers, body, who = request
    kwargs = {'params': params, 'headers': extra_headers}
    if body is not None:
        kwargs['json'] = body

    response = api.request(method, url, who=who, **kwargs)

    assert response.status_code < 500, (request, response.text)
    if response.status_code >= 400:
        error = parse(ErrorBody, response.json()).error
        assert error.code
        assert error.message
        assert error.reason
        assert error.action
