/**
 * What the lab's CoAP server answers (RFC 7252 §5.8-§5.10, RFC 6690): routing to a resource,
 * content negotiation, writes and /.well-known/core. Pure but for the resource's own
 * read()/write(); the transport (server.ts) sends the reply and records it.
 */
import type { CoapMessageView } from './message.js';
import type { CoapResource } from './types.js';

export type { CoapMessageView } from './message.js';

/** Content-Format codes, RFC 7252 §12.3. */
const TEXT = 0;
const LINK_FORMAT = 40;
export const JSON_FORMAT = 50;
const WELL_KNOWN_CORE = '/.well-known/core';
const USE_TEXT_OR_JSON = 'use 0 (text/plain) or 50 (application/json)';

export interface CoapReply {
  code: string;
  format?: number;
  body: Buffer;
}

function diagnostic(code: string, message: string): CoapReply {
  // RFC 7252 §5.5.2: a diagnostic payload is UTF-8 text without a Content-Format.
  return { code, body: Buffer.from(message, 'utf8') };
}

/** The resource's current representation in `format` (text/plain or JSON). */
export function represent(code: string, resource: CoapResource, format: number): CoapReply {
  const { json, text } = resource.read();
  const body = format === JSON_FORMAT ? JSON.stringify(json) : text;
  return { code, format, body: Buffer.from(body, 'utf8') };
}

/** Whether a resource can be represented for this Accept (none, text/plain or JSON). */
export const acceptable = (accept: number | undefined): boolean =>
  accept === undefined || accept === TEXT || accept === JSON_FORMAT;

/** RFC 6690 §4.1 query filter: `name=value`, `name=prefix*`, or a bare `name` (e.g. `obs`). */
function linkMatches(r: CoapResource, filter: string): boolean {
  const eq = filter.indexOf('=');
  const name = eq < 0 ? filter : filter.slice(0, eq);
  const attrs: Record<string, string[]> = { href: [r.path], rt: r.rt.split(' '), if: [r.if] };
  attrs['ct'] = ['0', '50'];
  if (r.observable) attrs['obs'] = [''];
  const have = attrs[name];
  if (have === undefined) return false;
  if (eq < 0) return true;
  const want = filter.slice(eq + 1);
  return have.some((v) => (want.endsWith('*') ? v.startsWith(want.slice(0, -1)) : v === want));
}

/** RFC 6690 §5 CoRE Link Format; `ct` lists both representations (RFC 7252 §7.2.1). */
export function linkFormat(resources: readonly CoapResource[], query?: string): string {
  const filters = query === undefined ? [] : query.split('&').filter((q) => q !== '');
  return resources
    .filter((r) => filters.every((f) => linkMatches(r, f)))
    .map((r) => `<${r.path}>;rt="${r.rt}";if="${r.if}";ct="0 50"${r.observable ? ';obs' : ''}`)
    .join(',');
}

function decodeWrite(req: CoapMessageView): { json?: unknown; text?: string } | CoapReply {
  // The brief's rule, in the spirit of RFC 7252 §5.10.3: no Content-Format means text/plain.
  const format = req.contentFormat ?? TEXT;
  if (format !== TEXT && format !== JSON_FORMAT)
    return diagnostic('4.15', `Content-Format ${format} is not supported; ${USE_TEXT_OR_JSON}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(req.payload);
  } catch {
    return diagnostic('4.00', 'payload is not valid UTF-8');
  }
  if (format === TEXT) return { text };
  try {
    return { json: JSON.parse(text) as unknown };
  } catch {
    return diagnostic('4.00', `payload is not valid JSON: ${JSON.stringify(text.slice(0, 60))}`);
  }
}

/** What to answer a request, given the resource at its path. Pure but for read()/write(). */
export function decide(
  req: CoapMessageView,
  resource: CoapResource | undefined,
  resources: readonly CoapResource[],
): CoapReply {
  if (req.path === WELL_KNOWN_CORE) {
    if (req.method !== 'GET')
      return diagnostic('4.05', `${req.method} is not allowed on ${WELL_KNOWN_CORE}; use GET`);
    if (req.accept !== undefined && req.accept !== LINK_FORMAT)
      return diagnostic('4.06', `${WELL_KNOWN_CORE} is only application/link-format (40)`);
    const body = Buffer.from(linkFormat(resources, req.query), 'utf8');
    return { code: '2.05', format: LINK_FORMAT, body };
  }
  if (resource === undefined)
    return diagnostic('4.04', `no resource at ${req.path}; GET ${WELL_KNOWN_CORE} lists them`);
  const isWrite = req.method === 'PUT' || req.method === 'POST';
  const writable = resource.if === 'actuator' && resource.write !== undefined;
  if (req.method !== 'GET' && !(isWrite && writable)) {
    const allowed = writable ? 'GET, PUT, POST' : 'GET';
    return diagnostic('4.05', `${req.method} not allowed on ${req.path}; allowed: ${allowed}`);
  }
  // Checked before any write, so a 4.06 never follows a state change.
  if (!acceptable(req.accept))
    return diagnostic('4.06', `Accept ${req.accept} is not available; ${USE_TEXT_OR_JSON}`);
  const format = req.accept ?? JSON_FORMAT;
  if (!isWrite || resource.write === undefined) return represent('2.05', resource, format);
  const input = decodeWrite(req);
  if ('code' in input && 'body' in input) return input;
  const result = resource.write(input);
  if (!result.ok) return diagnostic('4.00', result.message);
  return represent('2.04', resource, format); // RFC 7252 §5.9.1.4 2.04 Changed
}
