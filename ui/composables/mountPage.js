/**
 * Start a page: the Connect bridge (or standalone), then the Vue app. Inside Connect the toolkit's
 * Vue plugin is installed, so components read the portal's shared context reactively.
 */
import { createApp } from 'vue';
import { toolkitPlugin } from '@cloudblueconnect/connect-ui-toolkit/tools/vue/toolkitPlugin.js';

import { CONNECT_KEY, startConnectBridge } from './connect.js';
import '../styles/base.css';

export async function mountPage(Page, selector = '#app') {
  const connect = await startConnectBridge();
  document.documentElement.dataset.mode = connect.mode;
  const app = createApp(Page);
  app.provide(CONNECT_KEY, connect);
  if (connect.toolkit) app.use(toolkitPlugin, connect.toolkit);
  app.mount(selector);
  return app;
}
