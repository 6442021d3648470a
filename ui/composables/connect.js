/**
 * The link to Connect's portal, when the page runs inside it.
 *
 * Inside Connect a page is an iframe: the toolkit's createApp() talks to the portal and resolves
 * once the portal sent its shared context. Standalone (the sandbox, a tab of its own) there is no
 * parent to answer, so waiting for it would hang the page: the bridge is skipped, and also given
 * up after `timeoutMs` when a frame's parent never answers. The 8 MB toolkit bundle is then never
 * loaded either.
 */
import { inject, reactive } from 'vue';
import { useToolkit } from '@cloudblueconnect/connect-ui-toolkit/tools/vue/toolkitPlugin.js';

export const CONNECT_KEY = 'overage:connect';

/** Whether this window is framed (a cross-origin parent counts as framed). */
export function isFramed(win = window) {
  try {
    return win.parent !== win;
  } catch {
    return true; // reading a cross-origin parent throws: framed
  }
}

const loadToolkit = () => import('@cloudblueconnect/connect-ui-toolkit');

function standalone(reason) {
  return { toolkit: null, routes: null, mode: 'standalone', reason };
}

/**
 * `{toolkit, routes, mode: 'connect' | 'standalone', reason}`. Never rejects: a failing or silent
 * bridge degrades to standalone.
 */
export async function startConnectBridge({ win = window, load = loadToolkit, timeoutMs = 8000 } = {}) {
  if (!isFramed(win)) return standalone('not framed');
  let timer;
  try {
    const module = await load();
    const createToolkit = module.default;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    const toolkit = await Promise.race([createToolkit({}), timeout]);
    if (!toolkit) return standalone('the portal did not answer');
    return { toolkit, routes: module.connectPortalRoutes, mode: 'connect', reason: null };
  } catch {
    return standalone('the toolkit failed to start');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The bridge of the current page (provided by mountPage) with the portal's shared context (kept
 * reactive by the toolkit's Vue plugin), or a standalone stand-in.
 */
export function useConnect() {
  const connect = inject(CONNECT_KEY, null) || standalone('not provided');
  const plugged = connect.toolkit ? useToolkit() : null;
  return { ...connect, sharedContext: (plugged && plugged.sharedContext) || reactive({}) };
}

/** Open a Connect subscription (asset) in the portal; false when not inside Connect. */
export function openSubscription(connect, assetId) {
  if (!connect || !connect.toolkit || !connect.routes) return false;
  connect.toolkit.navigateTo(connect.routes.subscriptionDetails, assetId);
  return true;
}

/**
 * Open a Connect product in the portal (the toolkit's `productDetails` route); false when not
 * inside Connect, where no documented link reaches the portal.
 */
export function openProduct(connect, productId) {
  if (!connect || !connect.toolkit || !connect.routes || !connect.routes.productDetails) return false;
  connect.toolkit.navigateTo(connect.routes.productDetails, productId);
  return true;
}

/** Tell the portal to show a snackbar message (no-op standalone). */
export function notify(connect, text, kind = 'message') {
  if (connect && connect.toolkit) connect.toolkit.emit(kind === 'error' ? 'snackbar:error' : 'snackbar:message', text);
}
