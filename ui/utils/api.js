/**
 * The pages' only way to the extension's web API (`/api/...`, same origin as `/static/...`).
 *
 * Every failure becomes an {@link ApiError} carrying the API's own message / reason / action, so
 * a page never shows a raw code or status: when the answer is not the API's error shape (a proxy
 * page, a network failure), the error is given words here instead.
 */

export const API_ROOT = '/api';

export class ApiError extends Error {
  constructor({ status = 0, code = 'UNKNOWN', message, reason = '', action = '', details = {} }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.reason = reason;
    this.action = action;
    this.details = details || {};
  }

  /** Microsoft's correlation id, when the error came from Partner Center (to quote to support). */
  get correlationId() {
    const microsoft = this.details && this.details.microsoft;
    return (microsoft && microsoft.correlation_id) || null;
  }
}

/** The error when the network or the extension could not be reached at all. */
export function unreachableError() {
  return new ApiError({
    status: 0,
    code: 'NETWORK',
    message: 'The Overage Manager could not be reached.',
    reason: 'The connection failed before the extension answered.',
    action: 'Check your connection and retry in a moment.',
  });
}

/** The error when the extension answered a failure without its usual explanation. */
export function unexplainedError(status) {
  return new ApiError({
    status,
    code: 'UNEXPLAINED',
    message: `The Overage Manager answered with an error it did not explain (HTTP ${status}).`,
    reason: 'The answer did not come in the expected form; the extension may be restarting.',
    action: "Retry in a moment. If it keeps happening, contact the distributor's administrator.",
  });
}

/** An {@link ApiError} from the API's error body `{"error": {code, message, reason, action}}`. */
export function errorFromBody(status, body) {
  const error = body && typeof body === 'object' ? body.error : null;
  if (!error || typeof error !== 'object' || typeof error.message !== 'string' || !error.message) {
    return unexplainedError(status);
  }
  return new ApiError({
    status,
    code: error.code || 'UNKNOWN',
    message: error.message,
    reason: typeof error.reason === 'string' ? error.reason : '',
    action: typeof error.action === 'string' ? error.action : '',
    details: error.details && typeof error.details === 'object' ? error.details : {},
  });
}

// Connect's paging header: "items 0-24/57" -> {first: 0, last: 24, total: 57}; "items */57" (a
// page past the end) -> {first: null, last: null, total: 57}; anything else -> null.
export function parseContentRange(value) {
  const match = /^\s*items\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(value || '');
  if (!match) return null;
  return {
    first: match[1] === undefined ? null : Number(match[1]),
    last: match[2] === undefined ? null : Number(match[2]),
    // `*`: the total was not counted exactly (the body's `total` then says how many, roughly).
    total: match[3] === '*' ? null : Number(match[3]),
  };
}

/** `/api` + path + the query parameters that have a value. */
export function apiUrl(path, query = {}) {
  const params = new URLSearchParams();
  Object.entries(query).forEach(([name, value]) => {
    if (value !== undefined && value !== null && value !== '') params.append(name, String(value));
  });
  const text = params.toString();
  return `${API_ROOT}${path}${text ? `?${text}` : ''}`;
}

/** A new random UUID (an Idempotency-Key). */
export function newUuid(cryptoImpl = globalThis.crypto) {
  if (cryptoImpl && typeof cryptoImpl.randomUUID === 'function') return cryptoImpl.randomUUID();
  const bytes = cryptoImpl.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * One call of the API: `{data, status, headers}` on 2xx, an {@link ApiError} thrown otherwise.
 * `fetchImpl` is injectable for the tests.
 */
export async function apiRequest(path, { method = 'GET', query, body, headers = {}, fetchImpl } = {}) {
  const doFetch = fetchImpl || globalThis.fetch.bind(globalThis);
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await doFetch(apiUrl(path, query), init);
  } catch {
    throw unreachableError();
  }
  let data = null;
  const text = await response.text().catch(() => '');
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null; // not JSON
    }
  }
  if (!response.ok) throw errorFromBody(response.status, data);
  if (data === null && response.status !== 204) throw unexplainedError(response.status);
  return { data, status: response.status, headers: response.headers };
}

/** A page of a listing: the items and the total (Content-Range first, the body's `total` else). */
function pageOf({ data, headers }) {
  const range = parseContentRange(headers.get('Content-Range'));
  const items = Array.isArray(data.items) ? data.items : [];
  const counted = range && Number.isFinite(range.total) ? range.total : null;
  const total = counted !== null ? counted : Number.isFinite(data.total) ? data.total : items.length;
  // `totalIs`: exact, estimate or at_least (the overview past 10,000 matches); `nextCursor`: where
  // the next page starts (deep pages are read by cursor, not offset).
  const totalIs = typeof data.total_is === 'string' ? data.total_is : 'exact';
  const nextCursor = typeof data.next_cursor === 'string' ? data.next_cursor : null;
  return { items, total, totalIs, nextCursor };
}

/** The state with its ETag (the header first, the body's copy else). */
function stateOf({ data, headers, status }) {
  return { state: data, etag: headers.get('ETag') || data.etag || null, status };
}

const path = (template, ...ids) =>
  template.replace(/\{\}/g, () => encodeURIComponent(ids.shift()));

export function createApi(fetchImpl) {
  const call = (route, options = {}) => apiRequest(route, { ...options, fetchImpl });
  return {
    /** One page of the overview: by `offset`, or after a page by its `cursor` (then no offset). */
    async listCustomers({ status, attention, search, limit, offset, cursor } = {}) {
      const query = cursor ? { status, attention, search, limit, cursor } : { status, attention, search, limit, offset };
      return pageOf(await call('/customers', { query }));
    },
    async customerOverage(customerId) {
      return stateOf(await call(path('/customers/{}/overage', customerId)));
    },
    async assetOverage(assetId) {
      return stateOf(await call(path('/assets/{}/overage', assetId)));
    },
    async overageOptions(customerId) {
      return stateOf(await call(path('/customers/{}/overage/options', customerId)));
    },
    /** Enable or move (`azureSubscriptionId`), or set to None (`null`). */
    async changeOverage(customerId, azureSubscriptionId, { etag, idempotencyKey, create = false }) {
      const headers = { 'Idempotency-Key': idempotencyKey };
      if (etag) headers['If-Match'] = etag;
      // Either the Azure subscription (null: None) or a new one that Microsoft creates, never both.
      const body = create ? { create_azure_subscription: true } : { azure_subscription_id: azureSubscriptionId };
      return stateOf(
        await call(path('/customers/{}/overage', customerId), { method: 'PUT', headers, body }),
      );
    },
    async history(customerId, { limit, offset } = {}) {
      return pageOf(await call(path('/customers/{}/overage/history', customerId), { query: { limit, offset } }));
    },
    /** The activity feed across customers: `customer` (id or start of a word of a name), `outcome`,
     *  `since` (an ISO time), after a page by its `cursor`. */
    async feed({ customer, outcome, since, limit, cursor } = {}) {
      return pageOf(await call('/history', { query: { customer, outcome, since, limit, cursor } }));
    },
    async listItems({ search } = {}) {
      return pageOf(await call('/items', { query: { search } }));
    },
    /** Who Connect says is calling (`{role, account_id, customer_id, may_change}`). */
    async caller() {
      return (await call('/caller')).data;
    },
    /** What of the configuration applies to a reseller (read-only). */
    async applicableSettings() {
      return (await call('/settings/applicable')).data;
    },
    /** The extension's settings, or null when this API version does not publish them (404). */
    async settings() {
      try {
        return (await call('/settings')).data;
      } catch (error) {
        if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
        throw error;
      }
    },
    async checkConnection() {
      return (await call('/settings/connection')).data;
    },
  };
}

export const api = createApi();
