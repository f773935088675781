/**
 * The skill catalogue against the standard's own text (docs/standard/, the published standard
 * kept in the repository): every 专业能力要求 item of sections 3.1–3.3 is in the catalogue
 * exactly once, with the standard's words, and the numbering in each level and direction runs
 * 1, 2, 3… without gaps.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogue, parseCatalogue } from '../../tasks/skills/catalogue.js';

const STANDARD = resolve(
  import.meta.dirname,
  '../../docs/standard/iot-engineering-technician-2021.zh.txt',
);

const SECTIONS = [
  ['L1.EMB', '3.1.1 物联网嵌入式开发方向', '3.1.2 物联网应用开发方向'],
  ['L1.APP', '3.1.2 物联网应用开发方向', '3.1.3 物联网系统集成与管理方向'],
  ['L1.SYS', '3.1.3 物联网系统集成与管理方向', '\n3.2 中级'],
  ['L2.EMB', '3.2.1 物联网嵌入式开发方向', '3.2.2 物联网应用开发方向'],
  ['L2.APP', '3.2.2 物联网应用开发方向', '3.2.3 物联网系统集成与管理方向'],
  ['L2.SYS', '3.2.3 物联网系统集成与管理方向', '\n3.3 高级'],
  ['L3.ALL', '\n3.3 高级', '\n4 权重表'],
] as const;

/**
 * In the standard's text one item is broken across table rows: its first part ends with a comma
 * and the rest sits in a later row. Each such item is named here with its continuation.
 */
const WRAPPED: Record<string, string> = { 'L2.EMB.2.2.1': '实现应用流程的故障排查与调优' };

/** Ability items (they begin with 能; knowledge items share the numbering but do not). */
function standardItems(text: string): { id: string; zh: string; section: string }[] {
  const out: { id: string; zh: string; section: string }[] = [];
  for (const [prefix, from, to] of SECTIONS) {
    const i = text.indexOf(from);
    const j = text.indexOf(to, i + from.length);
    expect(i, `section ${from.trim()} in the standard`).toBeGreaterThanOrEqual(0);
    expect(j).toBeGreaterThan(i);
    const section = text.slice(i, j).replace(/<\/?p>/g, ' ');
    const re = /(\d+)\.(\d+)\.(\d+)\s*(能[^\t\n]*?)(?=\s+\d+\.\d+\.\d+\s|\s*\t|\s*\n|$)/g;
    for (const m of section.matchAll(re))
      out.push({ id: `${prefix}.${m[1]}.${m[2]}.${m[3]}`, zh: m[4]!.trim(), section });
  }
  return out;
}

describe('skill catalogue', () => {
  it('finds the standard where CI puts it', () => {
    expect(existsSync(STANDARD), `${STANDARD} must exist (the shared standard)`).toBe(true);
  });

  it('lists every ability item of the standard exactly once, in its words', () => {
    const std = standardItems(readFileSync(STANDARD, 'utf8'));
    const catalogue = loadCatalogue();
    expect(std.length).toBe(221);
    expect(catalogue.map((s) => s.id)).toEqual(std.map((s) => s.id));
    expect(new Set(std.map((s) => s.id)).size).toBe(std.length);
    for (const s of std) {
      const item = catalogue.find((c) => c.id === s.id)!;
      const rest = WRAPPED[s.id];
      if (rest === undefined) expect(item.zh, s.id).toBe(s.zh);
      else {
        expect(item.zh, s.id).toBe(s.zh + rest);
        expect(s.section.includes(rest), `${s.id} continuation in the standard`).toBe(true);
      }
    }
  });

  it('has intact numbering: functions, contents and items count up from 1', () => {
    const catalogue = loadCatalogue();
    const groups = new Map<string, number[]>();
    for (const s of catalogue) {
      const parts = s.id.split('.');
      const key = parts.slice(0, -1).join('.');
      groups.set(key, [...(groups.get(key) ?? []), Number(parts.at(-1))]);
    }
    for (const [key, nums] of groups) expect(nums, key).toEqual(nums.map((_, i) => i + 1));
    for (const prefix of ['L1.EMB', 'L1.APP', 'L1.SYS', 'L2.EMB', 'L2.APP', 'L2.SYS', 'L3.ALL']) {
      const fns = [
        ...new Set(
          catalogue
            .filter((s) => s.id.startsWith(prefix + '.'))
            .map((s) => Number(s.id.split('.')[2])),
        ),
      ];
      expect(fns, prefix).toEqual(fns.map((_, i) => i + 1));
      for (const f of fns) {
        const cs = [
          ...new Set(
            catalogue
              .filter((s) => s.id.startsWith(`${prefix}.${f}.`))
              .map((s) => Number(s.id.split('.')[3])),
          ),
        ];
        expect(cs, `${prefix}.${f}`).toEqual(cs.map((_, i) => i + 1));
      }
    }
  });

  it('gives every item an English title, an assessability and a reason, and area titles', () => {
    const catalogue = loadCatalogue();
    const text = readFileSync(STANDARD, 'utf8');
    for (const s of catalogue) {
      expect(s.en.length, s.id).toBeGreaterThan(3);
      expect(text.includes(s.contentZh.slice(0, 4)), `${s.id} content ${s.contentZh}`).toBe(true);
    }
    expect(catalogue.filter((s) => s.assess === 'auto').length).toBeGreaterThan(30);
  });

  it('rejects a catalogue with a duplicate or a bad id, naming it', () => {
    const item = `{ id: L1.EMB.1.1.1, zh: 能完成, en: Acquire, assess: auto, reason: why not }`;
    const areas = `areas: { L1.EMB.1: 感知控制开发, L1.EMB.1.1: 传感器数据采集 }`;
    expect(() => parseCatalogue(`${areas}\nitems: [${item}, ${item}]`)).toThrow(
      /L1.EMB.1.1.1 is listed twice/,
    );
    expect(() =>
      parseCatalogue(
        `${areas}\nitems: [{ id: L3.EMB.1.1.1, zh: 能, en: abc, assess: auto, reason: why }]`,
      ),
    ).toThrow(/not valid/);
  });
});
