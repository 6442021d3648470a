/**
 * The settings page's rows: what each field of ``GET /settings`` is called on the page, what it
 * means, and the extension variable in Connect that sets it (shown only as secondary text, for
 * whoever configures the extension). Every field of the answer is shown by a row carrying
 * ``data-fields`` or listed in ``LEFT_OUT`` with why (ui/tests/settings.spec.js walks a full answer,
 * ui/tests/settingsAnswer.json, which tests/api/test_settings_answer_fixture.py keeps equal to the
 * API's). No secret is ever in the answer: only whether a webhook secret is set.
 */

const list = (values) => (values || []).join(', ');
const STORES = { sqlite: 'SQLite', postgresql: 'PostgreSQL' };

/** The configuration card, in the order an administrator checks it. */
export const CONFIGURATION_ROWS = [
  {
    field: 'sku_marker',
    label: 'Item marker',
    help: "An item whose name holds this word is an overage (OVG) item.",
    variable: 'OVERAGE_SKU_MARKER',
    mono: true,
    value: (s) => s.sku_marker || 'not set',
  },
  {
    field: 'product_ids',
    label: 'Products',
    help: 'The products whose overage items the OVG items tab lists.',
    variable: 'PRODUCT_IDS',
    mono: (s) => list(s.product_ids) !== '',
    value: (s) => list(s.product_ids) || 'every product with overage items',
  },
  {
    field: 'blocked_countries',
    label: 'Blocked countries',
    help: 'Customers in these countries cannot get overage.',
    variable: 'BLOCKED_COUNTRIES',
    value: (s) => list(s.blocked_countries) || 'none',
  },
  {
    field: 'tenant_id_params',
    label: "Where a customer's Microsoft tenant is read",
    help: "The subscription parameters that hold the customer's Microsoft tenant id, tried in this order.",
    variable: 'TENANT_ID_PARAMS',
    mono: true,
    value: (s) => list(s.tenant_id_params) || 'not set',
  },
  {
    field: 'reseller_mpn_param',
    label: "Where a reseller's partner id is read",
    help: "The tier configuration parameter that holds a reseller's Microsoft partner (MPN) id.",
    variable: 'RESELLER_MPN_PARAM',
    mono: true,
    value: (s) => s.reseller_mpn_param || 'not set',
  },
  {
    field: 'customers_may_change',
    label: 'Customers may change their overage',
    help: 'Whether a customer may switch its own overage on its home page.',
    variable: 'CUSTOMERS_MAY_CHANGE',
    value: (s) => (s.customers_may_change ? 'Yes, on their home page' : 'No, only you and your resellers'),
  },
  {
    field: 'webhook_url',
    label: 'Change notifications',
    help: 'Where each change of overage is posted (its credentials and query are never shown).',
    variable: 'OVERAGE_WEBHOOK_URL',
    mono: (s) => Boolean(s.webhook_url),
    value: (s) => s.webhook_url || 'Not sent (no webhook address)',
  },
  {
    field: 'webhook_signed',
    label: 'Notification signature',
    help: 'A signed notification carries an HMAC-SHA256 signature its receiver can check; the secret is never shown.',
    variable: 'OVERAGE_WEBHOOK_SECRET',
    value: (s) => (s.webhook_signed ? 'Signed with a secret' : 'Not signed'),
  },
  {
    field: 'store',
    label: 'Store',
    help: 'The database that keeps customers, changes and their history.',
    variable: 'DATABASE_URL',
    value: (s) => STORES[s.store] || s.store || 'not reported',
  },
  {
    field: 'store_durable',
    label: 'Survives a restart',
    help: 'PostgreSQL does; a SQLite file does when it is on a volume that outlives the extension.',
    variable: 'STORE_IS_DURABLE',
    value: (s) => (s.store_durable ? 'Yes' : 'No: what it holds may be lost at a restart'),
  },
];

const MODES = {
  'app+user': 'App+User (an Admin agent signed in): reads and changes overage',
  'app-only': 'App only (no refresh token): reads, but changing overage needs App+User credentials',
};

/** The Partner Center card's configuration (the refresh token has its own rows). */
export const PARTNER_CENTER_ROWS = [
  {
    field: 'partner_center.mode',
    label: 'Sign-in mode',
    help: 'How the extension signs in to Partner Center.',
    variable: 'PARTNER_CENTER_REFRESH_TOKEN',
    value: (s) => MODES[s.partner_center.mode] || s.partner_center.mode || 'not reported',
  },
  {
    field: 'partner_center.tenant_id',
    label: 'Your Microsoft tenant',
    help: 'The tenant the extension signs in to.',
    variable: 'PARTNER_CENTER_TENANT_ID',
    mono: (s) => Boolean(s.partner_center.tenant_id),
    value: (s) => s.partner_center.tenant_id || 'not set',
  },
  {
    field: 'partner_center.client_id',
    label: 'Application (client) id',
    help: 'The application registered for Partner Center (its secret is never shown).',
    variable: 'PARTNER_CENTER_CLIENT_ID',
    mono: (s) => Boolean(s.partner_center.client_id),
    value: (s) => s.partner_center.client_id || 'not set',
  },
  {
    field: 'partner_center.api_url',
    label: 'Partner Center address',
    help: 'Where the extension calls Partner Center.',
    variable: 'PARTNER_CENTER_API_URL',
    mono: true,
    value: (s) => s.partner_center.api_url || 'not set',
  },
  {
    field: 'partner_center.login_url',
    label: 'Sign-in address',
    help: 'The Microsoft Entra ID authority that hands out its tokens.',
    variable: 'PARTNER_CENTER_LOGIN_URL',
    mono: true,
    value: (s) => s.partner_center.login_url || 'not set',
  },
];

/** Fields of the answer the page does not show, and why. */
export const LEFT_OUT = {
  'sync_coverage.oldest_read_at': 'its age (oldest_read_age_seconds) is shown instead: "4 days ago" reads better',
};

/** Each row as the template shows it. */
export function rowsOf(rows, settings) {
  return rows.map((row) => ({
    field: row.field,
    label: row.label,
    help: row.help,
    variable: row.variable,
    text: row.value(settings),
    mono: typeof row.mono === 'function' ? row.mono(settings) : Boolean(row.mono),
  }));
}
