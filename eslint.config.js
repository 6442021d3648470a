/**
 * ESLint of the pages (ui/) and of the root config files: `npm run lint`.
 * ESLint's recommended rules, and eslint-plugin-vue's flat/recommended for Vue 3.
 */
import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

export default [
  { ignores: ['connect_ext/static/', 'node_modules/', '.venv-*/', 'htmlcov/'] },
  js.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.js', '**/*.vue'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: globals.browser,
    },
  },
  {
    files: ['**/*.vue'],
    rules: {
      // Formatting, not correctness: the templates keep short elements on one line.
      'vue/max-attributes-per-line': 'off',
      // Formatting, not correctness: short text stays inline in its element (<td>{{ x }}</td>).
      'vue/singleline-html-element-content-newline': 'off',
      // The project's style closes void elements too (<input ... />); everything else as recommended.
      'vue/html-self-closing': ['warn', { html: { void: 'always', normal: 'always', component: 'always' } }],
      // Each page's root component is ui/pages/<page>/Page.vue, by the build's page layout.
      'vue/multi-word-component-names': ['error', { ignores: ['Page'] }],
    },
  },
  {
    // The build and test configs run in Node.
    files: ['*.config.js'],
    languageOptions: { globals: globals.node },
  },
];
