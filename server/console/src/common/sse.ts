/**
 * Server-sent events with typed payloads (the SSE schemas of the OpenAPI document). The browser
 * reconnects by itself; `close()` stops it.
 */
import type { Schemas } from '../api/client.js';

export interface SseEvents {
  hello: { mode: string };
  state: Schemas['StateEvent'];
  checklist: Schemas['ChecklistEvent'];
  live: Schemas['LiveEvent'];
  ended: Schemas['EndedEvent'];
}

export function listen(
  url: string,
  handlers: { [K in keyof SseEvents]?: (data: SseEvents[K]) => void },
): () => void {
  const source = new EventSource(url);
  for (const [name, handler] of Object.entries(handlers))
    source.addEventListener(name, (e) => {
      (handler as (d: unknown) => void)(JSON.parse((e as MessageEvent<string>).data));
    });
  return () => source.close();
}
