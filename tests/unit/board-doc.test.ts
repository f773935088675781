/**
 * docs/board.md is generated from the code (devices/board/doc.ts over the codec's tables); this
 * test fails when the file differs from the rendering, formatted by Prettier, and rewrites it
 * when UPDATE_DOCS=1.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { REGENERATE, renderBoardDoc } from '../../devices/board/doc.js';
import { OPS, STATUS_DOC } from '../../protocols/codecs/board-frame.js';

const DOC = fileURLToPath(new URL('../../docs/board.md', import.meta.url));

async function rendered(): Promise<string> {
  const options = { ...(await prettier.resolveConfig(DOC)), filepath: DOC };
  return prettier.format(renderBoardDoc(), options);
}

describe('docs/board.md', () => {
  it('is the rendering of the code', async () => {
    const text = await rendered();
    if (process.env.UPDATE_DOCS === '1') writeFileSync(DOC, text);
    const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
    expect(
      current === text,
      `docs/board.md is out of date; regenerate it:\n  ${REGENERATE}\n`,
    ).toBe(true);
  });

  it('lists every operation and status', () => {
    const text = renderBoardDoc();
    for (const op of Object.keys(OPS)) expect(text).toContain(`\`${op}\``);
    for (const s of Object.keys(STATUS_DOC)) expect(text).toContain(`\`${s}\``);
  });
});
