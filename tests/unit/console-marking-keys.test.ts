/**
 * The marking queue's keys (server/console/src/examiner/marking.ts): j/↓ and k/↑ move and stop at
 * the ends, n goes to the next item waiting for me (wrapping round), and for the chief examiner
 * an item whose marks spread waits too.
 */
import { describe, expect, it } from 'vitest';
import { moveFor, waitsFor } from '../../server/console/src/examiner/marking.js';
import type { MarkingItem } from '../../server/console/src/examiner/types.js';

const item = (state: MarkingItem['state'], mine: boolean): MarkingItem =>
  ({
    anon: 'A01',
    candidate: null,
    task: 't',
    check: 'c',
    title: { zh: '', en: '' },
    max: 10,
    handIn: null,
    state,
    spread: null,
    marked: mine ? 1 : 0,
    panelSize: 3,
    mine: mine ? ({ points: 5 } as MarkingItem['mine']) : null,
    final: null,
  }) satisfies MarkingItem;

// 0 marked by me, 1 waiting, 2 spread (the chief's), 3 final, 4 waiting.
const items = [
  item('open', true),
  item('open', false),
  item('reconcile', true),
  item('final', true),
  item('open', false),
];

describe('the marking queue keys', () => {
  it('move one item with j/k and the arrows, not past the ends', () => {
    expect(moveFor('j', items, 0, false)).toBe(1);
    expect(moveFor('ArrowDown', items, 4, false)).toBe(4);
    expect(moveFor('k', items, 2, false)).toBe(1);
    expect(moveFor('ArrowUp', items, 0, false)).toBe(0);
    // Nothing chosen yet: j takes the first.
    expect(moveFor('j', items, -1, false)).toBe(0);
    expect(moveFor('x', items, 0, false)).toBeNull();
    expect(moveFor('j', [], 0, false)).toBeNull();
  });

  it('go to the next item waiting with n, wrapping round; the chief also waits on spreads', () => {
    expect(moveFor('n', items, 1, false)).toBe(4);
    expect(moveFor('n', items, 4, false)).toBe(1);
    expect(moveFor('n', items, 1, true)).toBe(2);
    expect(waitsFor(items[2]!, false)).toBe(false);
    expect(waitsFor(items[3]!, true)).toBe(false);
    // Nothing waits: n stays.
    expect(moveFor('n', [item('final', true)], 0, false)).toBeNull();
  });
});
