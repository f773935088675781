/**
 * The marking panel's calls (issue 15, server/routes-marking.ts) and the queue's order of work:
 * an examiner's queue, one item, their mark per rubric criterion, the chief examiner's decision.
 */
import { api, call } from '../api/client.js';
import type { MarkingItem } from './types.js';

export interface ItemKey {
  anon: string;
  task: string;
  check: string;
}
export const keyOf = (i: ItemKey) => `${i.anon}/${i.task}/${i.check}`;
const at = (session: string, i: ItemKey) => ({
  params: { path: { id: session, anon: i.anon, task: i.task, check: i.check } },
});

/** The queue, or null when the session has no marking panel (404). */
export async function loadQueue(session: string) {
  const r = await api.GET('/api/sessions/{id}/marking', { params: { path: { id: session } } });
  if (r.response.status === 404) return null;
  return call(Promise.resolve(r));
}

export function loadItem(session: string, i: ItemKey) {
  return call(api.GET('/api/sessions/{id}/marking/{anon}/{task}/{check}', at(session, i)));
}

export function saveMark(
  session: string,
  i: ItemKey,
  criteria: Record<string, number>,
  comment: string,
) {
  return call(
    api.PUT('/api/sessions/{id}/marking/{anon}/{task}/{check}', {
      ...at(session, i),
      body: { criteria, comment },
    }),
  );
}

export function reconcile(session: string, i: ItemKey, points: number, reason: string) {
  return call(
    api.POST('/api/sessions/{id}/marking/{anon}/{task}/{check}/reconcile', {
      ...at(session, i),
      body: { points, reason },
    }),
  );
}

/** Where a hand-in is read: raw (PDF, images, text) or, with `?view=html`, a DOCX as HTML. */
export function handinUrl(session: string, i: ItemKey, item: string): string {
  const e = encodeURIComponent;
  return `/api/sessions/${e(session)}/marking/${e(i.anon)}/${e(i.task)}/handins/${e(item)}`;
}

/**
 * Whether an item waits for this examiner: not yet marked by them while the panel marks, or, for
 * the chief examiner, marks that spread and wait for a decision.
 */
export function waitsFor(i: MarkingItem, chief: boolean): boolean {
  return (i.state === 'open' && i.mine === null) || (chief && i.state === 'reconcile');
}

/** The index to move to for a key (j/k/arrows: next/previous; n: the next item waiting). */
export function moveFor(
  key: string,
  items: readonly MarkingItem[],
  from: number,
  chief: boolean,
): number | null {
  if (items.length === 0) return null;
  if (key === 'j' || key === 'ArrowDown') return Math.min(items.length - 1, from + 1);
  if (key === 'k' || key === 'ArrowUp') return Math.max(0, from - 1);
  if (key === 'n') {
    for (let step = 1; step <= items.length; step++) {
      const i = (from + step) % items.length;
      if (waitsFor(items[i]!, chief)) return i;
    }
  }
  return null;
}
