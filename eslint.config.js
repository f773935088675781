// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

const socketModules = [
  'node:net',
  'node:dgram',
  'net',
  'dgram',
  'serialport',
  'node:http',
  'ws',
  'mqtt',
  'aedes',
  'coap',
  'fastify',
];
const socketPaths = (message) => socketModules.map((name) => ({ name, message }));

/** Folders above devices/ and protocols/: nothing below them imports them. */
const LAB_AND_ABOVE = ['simulator', 'grader', 'tasks', 'server', 'cli'];
/** From a file under `from`, an import reaching one of `folders` at the top level. */
const up = (from, folders) => ({
  regex: `^(\\.\\./)+(${folders.join('|')})/`,
  message: `${from} sits below ${folders.join(', ')}: no arrow runs up into them.`,
});
/** Protocol servers and transports (not codecs, not data models, not line settings). */
const SERVERS = {
  regex:
    '(^|/)protocols/(mqtt/|board/|http/|listen|coap/(server|udp)|modbus/tcp-server|serial/(line|pty|port|tcp))',
  message: 'Protocol servers and transports are for runtimes, not for pure code.',
};

export default tseslint.config(
  // Fixture programs in plain JS are run by node as a candidate's program would be, not type-checked.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'eslint.config.js',
      'tests/fixtures/*.mjs',
      // A web app task's reference page: plain browser JS, served to Chromium as it is.
      'tasks/*/app/**',
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
  // The layering (README "Layout", docs/architecture.md): core ← protocols ← devices ← simulator
  // (the lab) ← grader/tasks/server/cli. Each block below gives every restriction of its files in
  // one rule, since a later block's rule replaces an earlier one's for the files both match.
  {
    files: ['core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: socketPaths('core/ is the ground: no sockets here.'),
          patterns: [{ regex: '^\\.\\./', message: 'core/ imports nothing of ours outside it.' }],
        },
      ],
    },
  },
  {
    // Protocol servers and transports: they may use sockets, never a device or the lab.
    files: ['protocols/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [up('protocols/', ['devices', ...LAB_AND_ABOVE])] },
      ],
    },
  },
  {
    // STYLE.md rule 9: codecs and the Modbus/CoAP data models are pure: no sockets, no servers.
    files: [
      'protocols/codecs/**/*.ts',
      'protocols/coap/message.ts',
      'protocols/coap/reply.ts',
      'protocols/modbus/slave.ts',
      'protocols/modbus/types.ts',
      'protocols/serial/settings.ts',
      // The third-party services' gazetteer, synthesiser, signing and answers (the grader's too).
      'protocols/third-party/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: socketPaths('Codecs are pure: no sockets here.'),
          patterns: [
            up('protocols/', ['devices', ...LAB_AND_ABOVE]),
            {
              regex:
                '^\\.\\.?/(\\.\\./)?(mqtt/|board/|http/|listen|coap/(server|udp)|modbus/tcp-server|serial/(line|pty|port|tcp)|(server|udp|tcp-server)\\.js)',
              message: 'Codecs are pure: no protocol servers or transports here.',
            },
          ],
        },
      ],
    },
  },
  {
    // Device runtimes (a family's runtime.ts or runtime/) wire models to servers and sockets.
    files: ['devices/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [up('devices/', LAB_AND_ABOVE)] },
      ],
    },
  },
  {
    // STYLE.md rules 2 and 9: models, scenario sections, plans, cards and docs generators are
    // pure. Types of servers may be named (a family says what its runtime needs), never loaded;
    // a family.ts loads its runtime with import() when the lab starts it.
    files: ['devices/**/*.ts'],
    ignores: ['devices/**/runtime.ts', 'devices/**/runtime/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: socketPaths('Device models are pure: no sockets here (runtimes are).'),
          patterns: [
            up('devices/', LAB_AND_ABOVE),
            { ...SERVERS, allowTypeImports: true },
            {
              regex: '(^|/)runtime(\\.js|/)',
              allowTypeImports: true,
              message: 'Pure device code does not load a runtime (family.ts imports it lazily).',
            },
          ],
        },
      ],
    },
  },
  {
    // STYLE.md rule 9: the grader reads evidence and recomputes truth from models; it never
    // reaches a socket, a protocol server, a device runtime or a running lab.
    files: ['grader/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: socketPaths('The grader is pure: it reads evidence, never sockets.'),
          patterns: [
            SERVERS,
            { regex: '(^|/)runtime(\\.js|/)', message: 'The grader runs no device runtime.' },
            {
              regex: '(^|/)simulator/lab(\\.js|-)',
              message: 'The grader reads evidence; it never runs a lab.',
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
