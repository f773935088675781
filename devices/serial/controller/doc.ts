/**
 * Renders the controller protocol (controller-spec.ts, controller-spec-messages.ts) to Markdown:
 * docs/protocols/controller.md is this function's output, checked by
 * tests/unit/controller-doc.test.ts. Every example frame is re-cut here from the bytes the codec
 * produced, so a layout change shows up in the document.
 */
import { crcOf, hex } from '../../../protocols/codecs/controller-frame.js';
import type { ExampleFrame } from './doc-examples.js';
import { CRC_EXAMPLE, EXAMPLES, MODBUS_CRC_CHECK } from './doc-examples.js';
import type { FieldSpec, I18n } from '../../../protocols/codecs/controller-spec.js';
import {
  CHANNEL_STATUSES,
  FRAME,
  REGISTERS,
  RULES,
  STATUSES,
  TITLE,
  VERSION,
  hex2,
} from '../../../protocols/codecs/controller-spec.js';
import { COMMANDS, REPORT } from '../../../protocols/codecs/controller-spec-messages.js';

export const DOC_PATH = 'docs/protocols/controller.md';
export const REGENERATE = 'UPDATE_DOCS=1 npx vitest run tests/unit/controller-doc.test.ts';

export function renderControllerDoc(): string {
  const out: string[] = [
    '<!-- GENERATED FILE: do not edit. Source: protocols/codecs/controller-spec.ts and controller-spec-messages.ts, rendered by devices/serial/controller/doc.ts. -->',
    `<!-- Regenerate: ${REGENERATE} -->`,
    '',
    `# ${TITLE.zh} / ${TITLE.en}`,
    '',
    '> 本文件由代码生成，请勿手工修改。Generated from the code; do not edit by hand.',
    `> 重新生成 / Regenerate: \`${REGENERATE}\``,
    '',
    `协议版本 / Protocol version: ${VERSION}`,
    '',
    '## 1. 约定 / Conventions',
    '',
    ...RULES.flatMap((r, i) => [`${i + 1}. ${r.zh}`, `${' '.repeat(`${i + 1}. `.length)}${r.en}`]),
    '',
    '## 2. 帧格式 / Frame format',
    '',
    '```',
    '5A A5 | address | command | length | payload (length bytes) | CRC lo | CRC hi',
    '```',
    '',
    ...fieldTable(FRAME),
    '',
    '### CRC 计算示例 / CRC worked example',
    '',
    ...crcExample(),
    '',
    '## 3. 命令 / Commands',
    '',
    ...table(
      ['命令 Command', '应答 Reply', '名称', 'Name', '说明', 'Summary'],
      [
        ...COMMANDS.map((c) => [
          code(c.code),
          code(c.reply),
          c.name.zh,
          c.name.en,
          c.summary.zh,
          c.summary.en,
        ]),
        [code(REPORT.code), '—', REPORT.name.zh, REPORT.name.en, REPORT.text.zh, REPORT.text.en],
      ],
    ),
    '',
    ...COMMANDS.flatMap((c, i) => [
      `### 3.${i + 1} ${code(c.code)} ${c.name.zh} / ${c.name.en}`,
      '',
      `请求载荷 / Request payload (command ${code(c.code)}):`,
      '',
      ...(c.request.length > 0 ? fieldTable(c.request) : ['无（length = 0）/ none (length = 0)']),
      '',
      `应答载荷 / Response payload (command ${code(c.reply)}):`,
      '',
      ...fieldTable(c.response),
      '',
      `错误状态 / Error statuses: ${[0x01, 0x03, ...c.errors].map(statusName).join(', ')}`,
      '',
    ]),
    '## 4. 状态码 / Status codes',
    '',
    ...codeTable(STATUSES),
    '',
    '## 5. 通道状态 / Channel status',
    '',
    ...codeTable(CHANNEL_STATUSES),
    '',
    '## 6. 配置寄存器 / Config registers',
    '',
    ...table(
      ['寄存器 Register', '读写 Access', '范围 Range', '初值 Initial', '说明', 'Description'],
      REGISTERS.map((r) => [
        code(r.register),
        r.access.toUpperCase(),
        r.range,
        both(r.initial),
        r.text.zh,
        r.text.en,
      ]),
    ),
    '',
    `## 7. ${code(REPORT.code)} ${REPORT.name.zh} / ${REPORT.name.en}`,
    '',
    REPORT.text.zh,
    REPORT.text.en,
    '',
    ...fieldTable(REPORT.payload),
    '',
    ...codeTable(REPORT.reasons),
    '',
    '## 8. 示例 / Worked examples',
    '',
    '地址 01 的控制器：传感器通道 0 温度、1 湿度、2 门磁；执行器通道 0 风扇、1 水泵。',
    'A controller at address 01: sensor channels 0 temperature, 1 humidity, 2 door; actuator channels 0 fan, 1 pump.',
    '',
    ...EXAMPLES.flatMap((e, i) => [
      `### 8.${i + 1} ${e.title.zh} / ${e.title.en}`,
      '',
      ...(e.note ? [e.note.zh, e.note.en, ''] : []),
      ...e.frames.flatMap(exampleFrame),
    ]),
  ];
  return `${out.join('\n').trimEnd()}\n`;
}

/** The rows of one example frame: its hex, then every byte group with what it means. */
export function annotateFrame(frame: ExampleFrame): [string, I18n][] {
  const b = frame.bytes;
  const payload = b.subarray(5, b.length - 2);
  const covered = frame.payload.reduce((n, [count]) => n + count, 0);
  if (covered !== payload.length) {
    throw new RangeError(
      `example annotates ${covered} payload bytes, the frame has ${payload.length}`,
    );
  }
  const rows: [string, I18n][] = [
    [hex(b.subarray(0, 2)), { zh: '帧头', en: 'header' }],
    [hex(b.subarray(2, 3)), { zh: `地址 ${b[2]}`, en: `address ${b[2]}` }],
    [hex(b.subarray(3, 4)), commandMeaning(b[3]!)],
    [
      hex(b.subarray(4, 5)),
      { zh: `载荷 ${b[4]} 字节`, en: `payload ${b[4]} byte${b[4] === 1 ? '' : 's'}` },
    ],
  ];
  let at = 0;
  for (const [count, meaning] of frame.payload) {
    rows.push([hex(payload.subarray(at, at + count)), meaning]);
    at += count;
  }
  const carried = b.readUInt16LE(b.length - 2);
  const computed = crcOf(b.subarray(2, b.length - 2));
  const crc = `0x${carried.toString(16).toUpperCase().padStart(4, '0')}`;
  rows.push([
    hex(b.subarray(b.length - 2)),
    carried === computed
      ? { zh: `CRC ${crc}，低字节在前`, en: `CRC ${crc}, low byte first` }
      : {
          zh: `错误的 CRC（应为 ${hex(le(computed))}）`,
          en: `wrong CRC (should be ${hex(le(computed))})`,
        },
  ]);
  return rows;
}

function exampleFrame(frame: ExampleFrame): string[] {
  const who =
    frame.from === 'host'
      ? '主机 → 控制器 / host → controller'
      : '控制器 → 主机 / controller → host';
  return [
    `**${who}**`,
    '',
    '```',
    hex(frame.bytes),
    '```',
    '',
    ...table(
      ['字节 Bytes', '含义', 'Meaning'],
      annotateFrame(frame).map(([bytes, m]) => [`\`${bytes}\``, m.zh, m.en]),
    ),
    '',
  ];
}

function commandMeaning(c: number): I18n {
  if (c === REPORT.code)
    return { zh: `命令 ${code(c)} ${REPORT.name.zh}`, en: `command ${code(c)} ${REPORT.name.en}` };
  const req = COMMANDS.find((x) => x.code === c);
  if (req) return { zh: `命令 ${code(c)} ${req.name.zh}`, en: `command ${code(c)} ${req.name.en}` };
  const rep = COMMANDS.find((x) => x.reply === c);
  if (rep) {
    return {
      zh: `应答 ${code(c)} = ${code(rep.code)} | 0x40（${rep.name.zh}）`,
      en: `reply ${code(c)} = ${code(rep.code)} | 0x40 (${rep.name.en})`,
    };
  }
  return { zh: `命令 ${code(c)}`, en: `command ${code(c)}` };
}

function crcExample(): string[] {
  const frame = Buffer.concat([Buffer.of(0x5a, 0xa5), CRC_EXAMPLE.body, le(CRC_EXAMPLE.crc)]);
  const crc = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
  return [
    `- CRC-16/MODBUS(${hex(CRC_EXAMPLE.body)}) = ${crc(CRC_EXAMPLE.crc)}，发送为 / sent as \`${hex(le(CRC_EXAMPLE.crc))}\`; 完整帧 / whole frame: \`${hex(frame)}\``,
    `- 对照 / cross-check: Modbus RTU \`${hex(MODBUS_CRC_CHECK.body)}\` → ${crc(MODBUS_CRC_CHECK.crc)} → \`${hex(le(MODBUS_CRC_CHECK.crc))}\` (MODBUS over Serial Line v1.02 §6.2.2)`,
  ];
}

function fieldTable(fields: readonly FieldSpec[]): string[] {
  return table(
    ['字段 Field', '字节 Bytes', '类型 Type', '说明', 'Description'],
    fields.map((x) => [`\`${x.field}\``, x.bytes, x.type, x.text.zh, x.text.en]),
  );
}

function codeTable(codes: readonly { code: number; name: string; text: I18n }[]): string[] {
  return table(
    ['代码 Code', '名称 Name', '含义', 'Meaning'],
    codes.map((c) => [hex2(c.code), `\`${c.name}\``, c.text.zh, c.text.en]),
  );
}

function statusName(c: number): string {
  return `${hex2(c)} ${STATUSES.find((s) => s.code === c)?.name ?? '?'}`;
}

function both(x: I18n): string {
  return x.zh === x.en ? x.zh : `${x.zh} / ${x.en}`;
}

function code(n: number): string {
  return `0x${hex2(n)}`;
}

function le(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
}

/**
 * A Markdown table aligned the way Prettier aligns it (so `prettier --check` passes on the
 * generated file): columns padded to their display width, CJK and full-width characters
 * counting two columns.
 */
function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows].map((r) => r.map((c) => c.replaceAll('|', '\\|')));
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]): string =>
    `| ${widths.map((w, i) => pad(cells[i] ?? '', w)).join(' | ')} |`;
  const [head, ...body] = all;
  return [line(head!), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(width - displayWidth(s));
}

/** East Asian Wide and Fullwidth code points take two columns (UAX #11). */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0x303e) ||
      (c >= 0x3041 && c <= 0x33ff) ||
      (c >= 0x3400 && c <= 0x4dbf) ||
      (c >= 0x4e00 && c <= 0x9fff) ||
      (c >= 0xa000 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6);
    w += wide ? 2 : 1;
  }
  return w;
}
