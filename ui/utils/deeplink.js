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
