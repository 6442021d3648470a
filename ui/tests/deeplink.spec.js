// @vitest-environment node
import { describe, expect, it } from 'vitest';

import { deepLinkSearch, parseDeepLink } from '../utils/deeplink.js';

describe('parseDeepLink', () => {
  it('opens a customer', () => {
    expect(parseDeepLink('?customer=TA-1234-5678-9012')).toEqual({
      tab: 'customers', customerId: 'TA-1234-5678-9012', assetId: null, problem: null,
    });
  });

  it('opens a subscription', () => {
    expect(parseDeepLink('?asset=AS-1111-2222-3333')).toMatchObject({ customerId: null, assetId: 'AS-1111-2222-3333' });
  });

  it('prefers the customer when both are given', () => {
    expect(parseDeepLink('?customer=TA-1&asset=AS-1')).toMatchObject({ customerId: 'TA-1', assetId: null });
  });

  it.each([
    ['?customer=AS-1', 'not a Connect customer id'],
    ['?customer=TA-1)%20or(1', 'not a Connect customer id'],
    ['?asset=TA-1', 'not a Connect subscription id'],
    [`?customer=TA-${'1'.repeat(80)}`, 'not a Connect customer id'],
  ])('explains an invalid id in %s', (search, words) => {
    const link = parseDeepLink(search);
    expect(link.customerId).toBeNull();
    expect(link.assetId).toBeNull();
    expect(link.problem).toContain(words);
  });

  it('reads the tab, ignoring unknown ones', () => {
    expect(parseDeepLink('?tab=activity&customer=TA-9')).toMatchObject({ tab: 'activity', customerId: 'TA-9' });
    expect(parseDeepLink('?tab=ITEMS').tab).toBe('items');
    expect(parseDeepLink('?tab=admin').tab).toBe('customers');
    expect(parseDeepLink('').tab).toBe('customers');
  });

  it('is the inverse of deepLinkSearch', () => {
    const views = [
      { tab: 'customers', customerId: 'TA-1', assetId: null },
      { tab: 'customers', customerId: null, assetId: 'AS-2' },
      { tab: 'activity', customerId: 'TA-3', assetId: null },
      { tab: 'items', customerId: null, assetId: null },
    ];
    views.forEach((view) => expect(parseDeepLink(deepLinkSearch(view))).toEqual({ ...view, problem: null }));
    expect(deepLinkSearch({})).toBe('');
  });

  it("keeps a host's own parameters and replaces the view's", () => {
    expect(deepLinkSearch({ tab: 'activity', customerId: 'TA-2' }, '?sandbox_standalone=1&customer=TA-1&tab=items')).toBe(
      '?sandbox_standalone=1&tab=activity&customer=TA-2',
    );
  });
});
