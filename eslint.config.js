// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const socketModules = ['node:net', 'node:dgram', 'net', 'dgram', 'serialport', 'node:http', 'ws'];

export default tseslint.config(
  // Fixture programs in plain JS are run by node as a candidate's program would be, not type-checked.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'eslint.config.js',
      'tests/fixtures/*.mjs',
      'server/console/**',
    ] /* browser modules, no TS project */,
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
