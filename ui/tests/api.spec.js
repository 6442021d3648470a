// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';

import { ApiError, apiRequest, apiUrl, createApi, newUuid, parseContentRange } from '../utils/api.js';
import { response } from './fixtures.js';

const REJECTION = {
  error: {
    code: 'OVERAGE_HELD_BY_OTHER_PARTNER',
    message: "The customer's overage is assigned to another partner's Azure subscription.",
    reason: 'Microsoft lets one partner at a time collect it.',
    action: 'Ask the customer to have that partner set it to None.',
    details: { microsoft: { status: 403, code: '800115', correlation_id: 'corr-9' } },
  },
};

describe('apiRequest', () => {
  it('turns the API error body into an ApiError with message, reason and action', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(response(409, REJECTION));
    const error = await apiRequest('/customers/TA-1/overage', { fetchImpl }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(409);
    expect(error.code).toBe('OVERAGE_HELD_BY_OTHER_PARTNER');
    expect(error.message).toBe(REJECTION.error.message);
    expect(error.reason).toBe(REJECTION.error.reason);
    expect(error.action).toBe(REJECTION.error.action);
    expect(error.correlationId).toBe('corr-9');
  });

  it('explains an error answer that is not the API shape, with the HTTP status in words', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(response(502, '<html>Bad gateway</html>'));
    const error = await apiRequest('/customers', { fetchImpl }).catch((e) => e);
    expect(error.status).toBe(502);
    expect(error.message).toBe('The Overage Manager answered with an error it did not explain (HTTP 502).');
    expect(error.reason).not.toBe('');
    expect(error.action).not.toBe('');
  });

  it('treats FastAPI\'s {"detail": …} as unexplained too', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(response(404, { detail: 'Not Found' }));
    const error = await apiRequest('/nowhere', { fetchImpl }).catch((e) => e);
    expect(error.code).toBe('UNEXPLAINED');
    expect(error.status).toBe(404);
  });

  it('says the extension could not be reached when fetch itself fails', async () => {
    const fetchImpl = vi.fn().mockRejectedValue(new TypeError('Failed to fetch'));
    const error = await apiRequest('/customers', { fetchImpl }).catch((e) => e);
    expect(error.status).toBe(0);
    expect(error.message).toBe('The Overage Manager could not be reached.');
  });

  it('fails on a 200 whose body is not JSON instead of handing null to the page', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(response(200, 'not json'));
    await expect(apiRequest('/customers', { fetchImpl })).rejects.toBeInstanceOf(ApiError);
  });

  it('sends JSON with the given method and headers', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(response(200, { ok: true }));
    await apiRequest('/x', { method: 'PUT', body: { a: null }, headers: { 'If-Match': '"e"' }, fetchImpl });
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe('/api/x');
    expect(init.method).toBe('PUT');
    expect(init.body).toBe('{"a":null}');
    expect(init.headers['Content-Type']).toBe('application/json');
    expect(init.headers['If-Match']).toBe('"e"');
  });
});

describe('parseContentRange', () => {
  it.each([
    ['items 0-24/57', { first: 0, last: 24, total: 57 }],
    ['items 50-56/57', { first: 50, last: 56, total: 57 }],
    ['items 0-0/0', { first: 0, last: 0, total: 0 }],
    ['items */57', { first: null, last: null, total: 57 }],
  ])('%s', (header, expected) => {
    expect(parseContentRange(header)).toEqual(expected);
  });

  it.each([null, '', 'bytes 0-1/2', 'items 1-2'])('rejects %s', (header) => {
    expect(parseContentRange(header)).toBeNull();
  });
});

describe('apiUrl', () => {
  it('keeps only the query parameters with a value and encodes them', () => {
    expect(apiUrl('/customers', { status: 'enabled', search: 'a b&c', limit: 25, offset: 0, x: '', y: null })).toBe(
      '/api/customers?status=enabled&search=a+b%26c&limit=25&offset=0',
    );
  });
});

describe('createApi', () => {
  it('takes the total of a page from Content-Range rather than the body', async () => {
    const fetchImpl = vi
      .fn()
      .mockResolvedValue(response(200, { items: [{ id: 'TA-1' }], total: 1 }, { 'Content-Range': 'items 25-25/26' }));
    const page = await createApi(fetchImpl).listCustomers({ status: 'other_partner', limit: 25, offset: 25 });
    expect(page).toEqual({ items: [{ id: 'TA-1' }], total: 26, totalIs: 'exact', nextCursor: null });
    expect(fetchImpl.mock.calls[0][0]).toBe('/api/customers?status=other_partner&limit=25&offset=25');
  });

  it('reads a deep page by cursor and says when the total is not exact', async () => {
    const body = { items: [{ id: 'TA-9' }], total: 10001, total_is: 'at_least', next_cursor: 'abc' };
    const fetchImpl = vi.fn().mockResolvedValue(response(200, body, { 'Content-Range': 'items 0-0/*' }));
    const page = await createApi(fetchImpl).listCustomers({ limit: 1, offset: 5, cursor: 'xyz' });
    expect(page).toEqual({ items: [{ id: 'TA-9' }], total: 10001, totalIs: 'at_least', nextCursor: 'abc' });
    expect(fetchImpl.mock.calls[0][0]).toBe('/api/customers?limit=1&cursor=xyz');
  });

  it('falls back to the body total without Content-Range', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(response(200, { items: [], total: 7 }));
    expect((await createApi(fetchImpl).listItems({ search: 'OVG' })).total).toBe(7);
  });

  it('PUTs the change with If-Match and Idempotency-Key, and returns the new ETag', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(response(200, { status: 'enabled', etag: '"body"' }, { ETag: '"new"' }));
    const answer = await createApi(fetchImpl).changeOverage('TA-1/2', 'guid', { etag: '"old"', idempotencyKey: 'k-1' });
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe('/api/customers/TA-1%2F2/overage');
    expect(init.method).toBe('PUT');
    expect(JSON.parse(init.body)).toEqual({ azure_subscription_id: 'guid' });
    expect(init.headers['If-Match']).toBe('"old"');
    expect(init.headers['Idempotency-Key']).toBe('k-1');
    expect(answer.etag).toBe('"new"');
  });

  it('sends null to set overage to None', async () => {
    const fetchImpl = vi.fn().mockResolvedValue(response(200, { status: 'disabled', etag: '"x"' }));
    const answer = await createApi(fetchImpl).changeOverage('TA-1', null, { etag: '"old"', idempotencyKey: 'k' });
    expect(JSON.parse(fetchImpl.mock.calls[0][1].body)).toEqual({ azure_subscription_id: null });
    expect(answer.etag).toBe('"x"');
  });

  it('answers null settings when the API has no /settings route, and throws other errors', async () => {
    const missing = vi.fn().mockResolvedValue(response(404, { detail: 'Not Found' }));
    expect(await createApi(missing).settings()).toBeNull();
    const forbidden = vi.fn().mockResolvedValue(response(403, { error: { code: 'FORBIDDEN', message: 'No.', reason: 'r', action: 'a' } }));
    await expect(createApi(forbidden).settings()).rejects.toMatchObject({ status: 403, message: 'No.' });
  });
});

describe('newUuid', () => {
  it('makes a version-4 UUID even without crypto.randomUUID', () => {
    const fake = { getRandomValues: (bytes) => bytes.fill(0xab) };
    expect(newUuid(fake)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newUuid()).not.toBe(newUuid());
  });
});
