// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';

import { isFramed, notify, openSubscription, startConnectBridge } from '../composables/connect.js';
import { customerIdOfCaller, mayChange } from '../utils/customer.js';

const framedWindow = () => {
  const win = {};
  win.parent = {};
  return win;
};
const topWindow = () => {
  const win = {};
  win.parent = win;
  return win;
};

describe('startConnectBridge', () => {
  it('starts standalone without loading the toolkit when the page is not framed', async () => {
    const load = vi.fn();
    const bridge = await startConnectBridge({ win: topWindow(), load });
    expect(bridge).toMatchObject({ mode: 'standalone', toolkit: null });
    expect(load).not.toHaveBeenCalled();
  });

  it("uses the toolkit's createApp inside a frame", async () => {
    const toolkit = { watch: vi.fn(), navigateTo: vi.fn() };
    const createToolkit = vi.fn().mockResolvedValue(toolkit);
    const routes = { subscriptionDetails: Symbol('s') };
    const bridge = await startConnectBridge({
      win: framedWindow(),
      load: async () => ({ default: createToolkit, connectPortalRoutes: routes }),
    });
    expect(createToolkit).toHaveBeenCalledWith({});
    expect(bridge).toMatchObject({ mode: 'connect', toolkit, routes });
  });

  it('gives up on a parent that never answers, instead of hanging', async () => {
    vi.useFakeTimers();
    try {
      const pending = startConnectBridge({
        win: framedWindow(),
        load: async () => ({ default: () => new Promise(() => {}) }),
        timeoutMs: 5000,
      });
      await vi.advanceTimersByTimeAsync(5000);
      await expect(pending).resolves.toMatchObject({ mode: 'standalone', reason: 'the portal did not answer' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('falls back to standalone when the toolkit fails to load', async () => {
    const bridge = await startConnectBridge({ win: framedWindow(), load: () => Promise.reject(new Error('x')) });
    expect(bridge.mode).toBe('standalone');
  });

  it('counts a cross-origin parent as framed', () => {
    const win = {};
    Object.defineProperty(win, 'parent', { get: () => { throw new Error('SecurityError'); } });
    expect(isFramed(win)).toBe(true);
    expect(isFramed(topWindow())).toBe(false);
  });
});

describe('portal helpers', () => {
  it('navigates to a subscription only inside Connect', () => {
    const toolkit = { navigateTo: vi.fn(), emit: vi.fn() };
    const routes = { subscriptionDetails: 'subs' };
    expect(openSubscription({ toolkit, routes }, 'AS-1')).toBe(true);
    expect(toolkit.navigateTo).toHaveBeenCalledWith('subs', 'AS-1');
    expect(openSubscription({ toolkit: null, routes: null }, 'AS-1')).toBe(false);
  });

  it('sends snackbar messages and errors', () => {
    const toolkit = { emit: vi.fn() };
    notify({ toolkit }, 'Saved.');
    notify({ toolkit }, 'Broken.', 'error');
    notify({ toolkit: null }, 'ignored');
    expect(toolkit.emit.mock.calls).toEqual([
      ['snackbar:message', 'Saved.'],
      ['snackbar:error', 'Broken.'],
    ]);
  });
});

describe('customer home page', () => {
  it.each([
    [{ role: 'customer', account_id: 'TA-1', customer_id: 'TA-1' }, 'TA-1'],
    [{ role: 'reseller', account_id: 'PA-1', customer_id: null }, null],
    [{ role: 'owner', account_id: 'PA-2', customer_id: 'TA-2' }, null],
    [{ role: 'customer', customer_id: 'TA-1) or (x' }, null],
    [{}, null],
    [null, null],
  ])('takes the customer id only from a customer caller %#', (caller, expected) => {
    expect(customerIdOfCaller(caller)).toBe(expected);
  });

  it('is read-only unless the API grants can_change', () => {
    expect(mayChange({})).toBe(false);
    expect(mayChange({ permissions: {} })).toBe(false);
    expect(mayChange({ permissions: { can_change: 'yes' } })).toBe(false);
    expect(mayChange({ permissions: { can_change: true } })).toBe(true);
  });
});
