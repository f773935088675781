/**
 * The console's one API client: openapi-fetch over the types generated from the server's OpenAPI
 * document (openapi.gen.ts), so paths, parameters, bodies and replies are checked by the
 * compiler. A failed call throws an ApiError carrying the server's stable code name, which the
 * pages show in the user's language (common/errors.ts).
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './openapi.gen.js';

export type { components, paths };
export type Schemas = components['schemas'];
type ErrorBody = Schemas['ErrorReply']['error'];

export class ApiError extends Error {
  readonly status: number;
  /** The server's code name (API_UNAUTHORIZED…), `HTTP` outside its catalogue, `NETWORK` offline. */
  readonly codeName: string;
  readonly problems: NonNullable<ErrorBody['problems']>;

  constructor(status: number, body: Partial<ErrorBody> | undefined) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.codeName = body?.name ?? (status === 0 ? 'NETWORK' : 'HTTP');
    this.problems = body?.problems ?? [];
  }
}

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

// State changes without a JSON body still prove they are not a cross-site form (server/app.ts).
api.use({
  onRequest({ request }) {
    if (request.method !== 'GET' && !request.headers.get('content-type')?.includes('json'))
      request.headers.set('x-iotlab-csrf', '1');
    return request;
  },
});

/** The data of a reply, or the ApiError of a failed one. */
export async function call<T>(
  p: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let r: { data?: T; error?: unknown; response: Response };
  try {
    r = await p;
  } catch {
    throw new ApiError(0, { name: 'NETWORK', message: 'network error' });
  }
  if (!r.response.ok || r.data === undefined)
    throw new ApiError(r.response.status, (r.error as Schemas['ErrorReply'] | undefined)?.error);
  return r.data;
}

type Uploaded =
  paths['/api/me/files/{name}']['put']['responses'][200]['content']['application/json'];
type HandinStored =
  paths['/api/me/tasks/{task}/handins/{item}']['put']['responses'][200]['content']['application/json'];
type AppStored =
  paths['/api/me/tasks/{task}/app']['put']['responses'][200]['content']['application/json'];

/** PUTs raw bytes (not JSON, so outside openapi-fetch's body typing); the reply's JSON or an ApiError. */
async function putBytes<T>(url: string, body: Blob): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'x-iotlab-csrf': '1' },
      body,
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, { name: 'NETWORK', message: 'network error' });
  }
  const json = (await res.json().catch(() => undefined)) as unknown;
  if (!res.ok) throw new ApiError(res.status, (json as Schemas['ErrorReply'] | undefined)?.error);
  return json as T;
}

/** Hands in a task's file as raw bytes. */
export function handIn(name: string, body: Blob): Promise<Uploaded> {
  return putBytes(`/api/me/files/${encodeURIComponent(name)}`, body);
}

/** Uploads the file of a hand-in item (issue 15); the server tells its kind by its content. */
export function uploadHandin(task: string, item: string, file: File): Promise<HandinStored> {
  const q = new URLSearchParams({ name: file.name });
  return putBytes(
    `/api/me/tasks/${encodeURIComponent(task)}/handins/${encodeURIComponent(item)}?${q.toString()}`,
    file,
  );
}

/** Hands in a web app task's app as one ZIP of its static files (issue 16). */
export function uploadApp(task: string, zip: File): Promise<AppStored> {
  return putBytes(`/api/me/tasks/${encodeURIComponent(task)}/app`, zip);
}
