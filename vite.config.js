/**
 * Build of the extension pages: every ui/pages/<name>/index.html becomes connect_ext/static/<name>.html
 * (the toolkit's defineExtensionConfig: root ui/, base /static, one entry per page; files of
 * ui/public/ such as icons/ are copied as they are).
 *
 * Two changes to the toolkit's defaults:
 * - minify with Vite 8's own minifier (the toolkit asks for esbuild, which Vite 8 does not install);
 * - chunks: the toolkit's 8 MB bundle (its icons included) is its own chunk, loaded by a dynamic
 *   import only inside Connect; Vue and the small toolkit Vue plugin go to "vendor". (The toolkit's
 *   manualChunks puts every module of the package in one chunk, which made Rolldown hoist Vue into
 *   it, so standalone pages downloaded the whole bundle.)
 */
import { fileURLToPath } from 'node:url';

import vue from '@vitejs/plugin-vue';
import { defineExtensionConfig } from '@cloudblueconnect/connect-ui-toolkit/tools/build/vite';

const TOOLKIT_BUNDLE = /@cloudblueconnect[\\/]connect-ui-toolkit[\\/]dist[\\/]index\.js$/;

export function chunkOf(id) {
  if (TOOLKIT_BUNDLE.test(id)) return 'connect';
  if (id.includes('node_modules')) return 'vendor';
  return undefined;
}

const toolkitConfig = defineExtensionConfig(
  {
    srcDir: fileURLToPath(new URL('./ui', import.meta.url)),
    srcUrl: new URL('./ui', import.meta.url),
    outputDir: fileURLToPath(new URL('./connect_ext/static', import.meta.url)),
    vuePlugin: vue(),
  },
  {
    build: {
      minify: true,
      sourcemap: false,
      chunkSizeWarningLimit: 9000,
    },
  },
);

export default (env) => {
  const config = toolkitConfig(env);
  config.build.rollupOptions.output.manualChunks = chunkOf;
  return config;
};
