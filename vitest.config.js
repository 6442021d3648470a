/** Unit tests of the pages' components and rules (jsdom); the browser walk is in tests/e2e/browser. */
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [vue()],
  test: {
    environment: 'jsdom',
    include: ['ui/tests/**/*.spec.js'],
    restoreMocks: true,
  },
});
