// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

const socketModules = ['node:net', 'node:dgram', 'net', 'dgram', 'serialport', 'node:http', 'ws'];

export default tseslint.config(
  // Fixture programs in plain JS are run by node as a candidate's program would be, not type-checked.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'eslint.config.js',
      'tests/fixtures/*.mjs',
      // Generated from the OpenAPI document (tests/e2e/console-api-types.test.ts).
      'server/console/src/api/openapi.gen.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  // The console (server/console): Vue single-file components, browser globals. Its .ts files are
  // type-checked by their own tsconfig (found by the project service); .vue files by vue-tsc in
  // `npm run lint`, so ESLint applies Vue's rules and the untyped TypeScript rules to them.
  ...pluginVue.configs['flat/recommended'].map((c) => ({
    ...c,
    files: ['server/console/**/*.vue'],
  })),
  { ...tseslint.configs.disableTypeChecked, files: ['server/console/**/*.vue'] },
  {
    files: ['server/console/**/*.vue'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.vue'],
        projectService: false,
      },
      globals: globals.browser,
    },
  },
  {
    files: ['server/console/**/*.vue'],
    rules: {
      // Prettier formats the templates.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/attributes-order': 'off',
    },
  },
  { files: ['server/console/**/*.ts'], languageOptions: { globals: globals.browser } },
  {
    // STYLE.md rule 9: codecs and device models never touch sockets.
    files: [
      'protocols/codecs/**/*.ts',
      'devices/**/*.ts',
      'protocols/coap/message.ts',
      'protocols/coap/reply.ts',
      'protocols/modbus/slave.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: socketModules.map((name) => ({
            name,
            message: 'Codecs and device models are pure: no sockets here.',
          })),
        },
      ],
    },
  },
  {
    // STYLE.md rule 9: the grader reads evidence; it never reaches protocol servers or sockets.
    files: ['grader/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: socketModules.map((name) => ({
            name,
            message: 'The grader is pure: it reads evidence, never sockets.',
          })),
          patterns: [
            {
              group: ['**/protocols/**'],
              message: 'The grader reads evidence, not protocol servers.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['tests/**/*.ts', 'cli/**/*.ts', 'clients/ts/examples/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
