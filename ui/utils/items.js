/** Words of the OVG items tab. */

const number = new Intl.NumberFormat('en-US');

/**
 * Connect's count of the customers holding an item, in words: "12 customers", "1 customer", and
 * "count unavailable" when Connect did not give it (null) — never 0 for an unknown count.
 */
export function customersText(count) {
  if (count === null || count === undefined || !Number.isFinite(count) || count < 0) return 'count unavailable';
  return `${number.format(count)} ${count === 1 ? 'customer' : 'customers'}`;
}
