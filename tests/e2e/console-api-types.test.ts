/**
 * The console's API types (server/console/src/api/openapi.gen.ts) are generated from the
 * server's OpenAPI document by openapi-typescript, never written by hand: this test generates
 * them from a running server and fails when the committed file differs. To refresh it:
 * `IOTLAB_UPDATE_API_TYPES=1 npx vitest run tests/e2e/console-api-types.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import { format } from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

const FILE = 'server/console/src/api/openapi.gen.ts';
const HEADER =
  "// Generated from the server's OpenAPI document by openapi-typescript (tests/e2e/console-api-types.test.ts).\n" +
  '// Do not edit: change the routes or server/api-responses.ts and regenerate.\n';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer('api-types', 20000 + Math.floor(Math.random() * 5900));
});
afterAll(async () => t?.close());

describe("the console's API types", () => {
  it('are what openapi-typescript makes of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${t.server.url}/docs/json`)).json()) as OpenAPI3;
    const ast = await openapiTS(doc, { alphabetize: true });
    const text = await format(HEADER + astToString(ast), {
      parser: 'typescript',
      singleQuote: true,
      printWidth: 100,
      trailingComma: 'all',
    });
    if (process.env.IOTLAB_UPDATE_API_TYPES === '1') writeFileSync(FILE, text);
    expect(readFileSync(FILE, 'utf8')).toBe(text);
  });
});
