"""A model's answer is encoded once: the bytes it always had, without a second walk of the dump.

:func:`connect_ext.compat.dump` is already JSON; :func:`connect_ext.api.responses.model_answer`
hands it to the response as is instead of walking it again with ``jsonable_encoder`` (a third of
the CPU of an overview page of 50 customers, issue 16).
"""
import json
from datetime import UTC, datetime

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from connect_ext.api import presenters, responses
from connect_ext.api.schemas import CustomerPage
from connect_ext.compat import dump, parse
from connect_ext.store.records import Page
from testkit.customers import ENABLED, READY


def _page_body(store) -> CustomerPage:
    store.record_overage_state(READY, status='enabled', azure_entitlement_id='e-1', partner_id='p',
                               checked_at=datetime(2026, 11, 1, 8, 30, 0, 5, tzinfo=UTC))
    store.upsert_customer(ENABLED, name='Żółw Überseehandel 東京 "quoted" \\ back\u2028slash')
    page = store.list_customers(limit=2)
    assert page.items
    assert page.next_after is not None
    return presenters.customer_page(page, limit=2, offset=0, pending=[READY])


def test_a_model_answer_is_the_bytes_the_encoder_gave(store):
    body = _page_body(store)

    answer = responses.model_answer(body, status_code=201, headers={'Content-Range': 'items 0-1/9'})

    before = JSONResponse(status_code=201, content=jsonable_encoder(dump(body)),
                          headers={'Content-Range': 'items 0-1/9'})
    assert answer.body == before.body
    assert answer.status_code == 201
    assert dict(answer.headers) == dict(before.headers)
    assert parse(CustomerPage, json.loads(answer.body)) == body


def test_an_empty_page_answers_as_before():
    body = presenters.customer_page(Page(items=[], total=0, limit=50, offset=0), limit=50, offset=0)

    assert responses.model_answer(body).body == JSONResponse(jsonable_encoder(dump(body))).body


def test_the_overview_route_does_not_walk_its_answer_again(api, store, monkeypatch):
    walked = []
    original = responses.jsonable_encoder

    def counting(value, *args, **kwargs):
        walked.append(value)
        return original(value, *args, **kwargs)

    monkeypatch.setattr(responses, 'jsonable_encoder', counting)

    answer = api.get('/api/customers', params={'limit': 200})

    assert answer.status_code == 200
    assert len(answer.json()['items']) == answer.json()['total'] > 0
    assert walked == []
