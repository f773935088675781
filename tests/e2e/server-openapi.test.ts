/**
 * The console's OpenAPI document at /docs/json and Swagger UI at /docs: every API route is in it
 * with a summary, a tag and the login it needs, and the documented bodies are the same schemas the
 * handlers validate with (a body the document forbids is refused with the server's own 400).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startTestServer } from '../support/server.js';

let t: TestServer;
const base = 20000 + Math.floor(Math.random() * 5900);

beforeAll(async () => {
  t = await startTestServer('docs', base);
});
afterAll(async () => t?.close());

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  parameters?: { name: string; in: string }[];
}
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('OpenAPI docs', () => {
  it('documents every API route with a summary, a tag and who may call it', async () => {
    const res = await fetch(`${t.server.url}/docs/json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toMatch(/^3\./);
    const ops = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => ({ path, m, op })));
    expect(ops.length).toBeGreaterThanOrEqual(25);
    const undocumented = ops.filter(
      ({ op }) =>
        !op.summary || !op.tags?.length || !/Role: |No login needed/.test(op.description ?? ''),
    );
    expect(undocumented.map(({ m, path }) => `${m} ${path}`)).toEqual([]);
    // Routes this test knows must be there, with their inputs.
    const create = doc.paths['/api/sessions']!.post!;
    expect(
      Object.keys(create.requestBody!.content['application/json']!.schema.properties!),
    ).toEqual(expect.arrayContaining(['paper', 'roster', 'mode']));
    const exp = doc.paths['/api/sessions/{id}/export']!.get!;
    expect(exp.parameters!.map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['query:format', 'query:lang', 'path:id']),
    );
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await fetch(`${t.server.url}/docs/`, { redirect: 'follow' });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/swagger/i);
  });

  it("keeps the handlers' own validation: a documented-invalid body gets the server's 400", async () => {
    const res = await fetch(`${t.server.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'examiner', password: 'x', extra: 1 }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { problems: { path: string }[] } };
    expect(body.error.problems.length).toBeGreaterThan(0);
  });
});
