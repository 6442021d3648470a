/**
 * Deep links into the Overage module: `?customer=TA-…` or `?asset=AS-…` open Manage Overage for
 * that customer directly; `?tab=items|activity` opens another tab. Ids are checked with the same
 * patterns as the API, so a mistyped link says so instead of asking the API for nonsense.
 */

export const CUSTOMER_ID = /^TA-[0-9A-Za-z]+(-[0-9A-Za-z]+)*$/;
export const ASSET_ID = /^AS-[0-9A-Za-z]+(-[0-9A-Za-z]+)*$/;
export const TABS = ['customers', 'items', 'activity'];
const MAX_ID_LENGTH = 64;

export const isCustomerId = (value) =>
  typeof value === 'string' && value.length <= MAX_ID_LENGTH && CUSTOMER_ID.test(value);
export const isAssetId = (value) =>
  typeof value === 'string' && value.length <= MAX_ID_LENGTH && ASSET_ID.test(value);

/**
 * What a query string asks for: `{tab, customerId, assetId, problem}`. `problem` is a sentence
 * when a parameter is present but not a valid id (the id is then ignored).
 */
export function parseDeepLink(search) {
  const params = new URLSearchParams(search || '');
  const link = { tab: 'customers', customerId: null, assetId: null, problem: null };
  const tab = (params.get('tab') || '').toLowerCase();
  if (TABS.includes(tab)) link.tab = tab;
  const customer = (params.get('customer') || '').trim();
  const asset = (params.get('asset') || '').trim();
  if (customer) {
    if (isCustomerId(customer)) link.customerId = customer;
    else link.problem = `The link names no valid customer: "${customer.slice(0, MAX_ID_LENGTH)}" is not a Connect customer id (TA-…).`;
  } else if (asset) {
    if (isAssetId(asset)) link.assetId = asset;
    else link.problem = `The link names no valid subscription: "${asset.slice(0, MAX_ID_LENGTH)}" is not a Connect subscription id (AS-…).`;
  }
  return link;
}

/**
 * The query string of a view: the inverse of {@link parseDeepLink}. Parameters of `keep` that are
 * not the view's own are kept (a host may add its own).
 */
export function deepLinkSearch({ tab = 'customers', customerId = null, assetId = null } = {}, keep = '') {
  const params = new URLSearchParams(keep);
  ['tab', 'customer', 'asset'].forEach((name) => params.delete(name));
  if (tab && tab !== 'customers') params.set('tab', tab);
  if (customerId) params.set('customer', customerId);
  else if (assetId) params.set('asset', assetId);
  const text = params.toString();
  return text ? `?${text}` : '';
}

// --- the overview's list state: filter, attention, search and page live in the query string ------

const LIST_STATUSES = ['enabled', 'disabled', 'other_partner', 'unknown'];
const LIST_ATTENTIONS = [
  'ready_to_enable', 'action_needed', 'cannot_enable', 'waiting_for_microsoft', 'held_by_other_partner',
  'overage_without_ovg', 'none',
];
const MAX_LIST_OFFSET = 10000;
const MAX_SEARCH_LENGTH = 100;
// The API's cursor: URL-safe base64, at most 1024 characters.
const CURSOR = /^[A-Za-z0-9_-]{1,1024}$/;
const LIST_PARAMS = ['status', 'attention', 'q', 'offset', 'cursor'];

/**
 * The overview's state in a query string: `{status, attention, search, offset, cursor}`. Anything
 * that is not a value the API accepts is dropped (the list then starts from its default), so a
 * mangled link still opens a working list.
 */
export function parseListState(search) {
  const params = new URLSearchParams(search || '');
  const status = params.get('status') || '';
  const attention = params.get('attention') || '';
  const offset = Number(params.get('offset') || 0);
  const validOffset = Number.isInteger(offset) && offset >= 0 && offset <= MAX_LIST_OFFSET ? offset : 0;
  const cursor = params.get('cursor') || '';
  return {
    status: LIST_STATUSES.includes(status) ? status : '',
    attention: LIST_ATTENTIONS.includes(attention) ? attention : '',
    search: (params.get('q') || '').slice(0, MAX_SEARCH_LENGTH),
    offset: validOffset,
    cursor: validOffset > 0 && CURSOR.test(cursor) ? cursor : null,
  };
}

/**
 * The query string with the overview's state `state` written in (the inverse of
 * {@link parseListState}); the other parameters of `keep` (the view's, a host's) stay.
 */
export function listStateSearch({ status = '', attention = '', search = '', offset = 0, cursor = null } = {}, keep = '') {
  const params = new URLSearchParams(keep);
  LIST_PARAMS.forEach((name) => params.delete(name));
  if (status) params.set('status', status);
  if (attention) params.set('attention', attention);
  if (search && search.trim()) params.set('q', search.trim());
  if (offset > 0) {
    params.set('offset', String(offset));
    if (cursor) params.set('cursor', cursor);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
