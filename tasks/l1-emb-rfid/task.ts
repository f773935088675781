/**
 * L1 · EMB · RFID reading: drive the reader's binary frame protocol (docs/protocols/rfid-reader.md,
 * CRC-16/MODBUS) through a whole Mifare Classic session — request, anticollision, select,
 * authenticate a keyed sector, read a block — and answer the card's UID and the block's contents.
 * The frames on the wire carry half the points, so an answer without the session is not enough.
 *
 * Stated rules and the case planted for each, on every seed
 * (tests/e2e/task-rules.test.ts):
 * - "Authenticate sector S with key A K": the card's sector takes only K; the transport key
 *   (mistake `default-key`) reads no block (40);
 * - "the 4 UID bytes … no BCC": the anticollision answer carries the BCC on every card; the
 *   UID with it (mistake `uid-with-bcc`) loses uid, critical (59);
 * - "STATUS 01 means no card yet: try again": the card comes and goes on its own schedule, and
 *   the lab starts with an empty field on every seed;
 * - "if the card leaves in between, start again with Request": on every seed the card slips out
 *   of the field right after the first successful Authenticate and comes back 1.5 s later in
 *   IDLE (`slipAfterAuthMs`); asking the read again instead of a new session (mistake
 *   `no-restart`) reads no block (40).
 */
import { defineTask } from '../../grader/types.js';
import type { CheckOutcome, GradeContext } from '../../grader/types.js';
import { answerCheck } from '../../grader/checks/answer.js';
import { ref } from '../../grader/checks/mqtt.js';
import type { SerialChunk } from '../../grader/checks/serial.js';
import {
  serialChunks,
  serialModel,
  serialPlan,
  serialRequestCheck,
} from '../../grader/checks/serial.js';
import { seedCards, uidHex } from '../../devices/serial/rfid-reader/cards.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { Rng } from '../../core/rng.js';
import { BLOCK_SIZE, decodeFrame } from '../../protocols/codecs/rfid-frame.js';
import type { Direction, RfidFrame } from '../../protocols/codecs/rfid-frame.js';
import { RfidSplitter } from '../../protocols/codecs/rfid-splitter.js';

export type RfidParams = { address: number; blockInSector: number };
type Ctx = GradeContext<RfidParams>;

/** Request, anticollision, select, authenticate, read block (doc §3). */
const SESSION = [0x10, 0x11, 0x12, 0x13, 0x14] as const;
const READ = 0x14;

/** Frames with a valid CRC cut from one direction of the line (doc §1, §5). */
export function rfidFrames(
  chunks: readonly SerialChunk[],
  direction: Direction,
): { frame: RfidFrame; e: EvidenceEvent }[] {
  const splitter = new RfidSplitter({ direction, timeoutMs: 100 });
  const out: { frame: RfidFrame; e: EvidenceEvent }[] = [];
  for (const c of chunks)
    for (const ev of [...splitter.expire(c.e.t), ...splitter.push(c.bytes, c.e.t)]) {
      if (ev.kind !== 'frame') continue;
      const d = decodeFrame(ev.raw, direction);
      if (d.ok) out.push({ frame: d.frame, e: c.e });
    }
  return out;
}

/** The card of this lab (one card) and the block the task names. */
function target(seed: number, deviceId: string, blockInSector: number) {
  const card = seedCards(seed, deviceId, 1)[0]!;
  const keyed = card.keyed[0]!;
  const block = keyed.sector * 4 + blockInSector;
  return { card, keyed, block };
}

function expectedBlock(ctx: Ctx): string {
  const id = serialPlan(ctx, 'reader').id;
  const { card, block } = target(ctx.seed, id, ctx.params.blockInSector);
  const written = (
    serialModel(ctx, 'reader').truth(ctx.end).changedBlocks as { block: number; data: string }[]
  ).find((w) => w.block === block);
  return (
    written?.data ??
    card.memory.subarray(block * BLOCK_SIZE, (block + 1) * BLOCK_SIZE).toString('hex')
  );
}

/** A read of the block answered STATUS 00 with 16 bytes: the reply that follows the request. */
function blockRead(ctx: Ctx): CheckOutcome {
  const id = serialPlan(ctx, 'reader').id;
  const { block } = target(ctx.seed, id, ctx.params.blockInSector);
  const rx = rfidFrames(serialChunks(ctx, 'reader', 'serial.rx'), 'request');
  const tx = rfidFrames(serialChunks(ctx, 'reader', 'serial.tx'), 'response');
  const all = [...rx.map((x) => ({ ...x, dir: 'rx' })), ...tx.map((x) => ({ ...x, dir: 'tx' }))];
  all.sort((a, b) => a.e.seq - b.e.seq);
  let asked: (typeof all)[number] | undefined;
  let ok: (typeof all)[number] | undefined;
  let refused: (typeof all)[number] | undefined;
  for (const x of all) {
    if (x.frame.command !== READ) continue;
    if (x.dir === 'rx') asked = x.frame.data[0] === block ? x : undefined;
    else if (asked && x.frame.status === 0 && x.frame.data.length === BLOCK_SIZE) ok ??= x;
    else if (asked && x.frame.status !== 0) refused ??= x;
  }
  const status = refused?.frame.status?.toString(16).padStart(2, '0').toUpperCase();
  return {
    score: ok ? 1 : 0,
    expected: `a read of block ${block} (CMD 14) answered with STATUS 00 and 16 bytes`,
    seen: ok
      ? `read at seq ${ok.e.seq}`
      : refused
        ? `the read was refused with STATUS ${status}`
        : `no read of block ${block} was answered`,
    evidence: ok ? [ref(ok.e)] : refused ? [ref(refused.e)] : [],
    ...(ok
      ? {}
      : {
          hint: {
            zh: `没有成功读到块 ${block}：按 寻卡 → 防冲突 → 选卡 → 用给定的密钥 A 验证该扇区 → 读块 的顺序操作（密钥错误后要重新寻卡）。`,
            en: `Block ${block} was never read: Request → Anticollision → Select → Authenticate the sector with the given key A → Read (after a wrong key, start again with Request).`,
          },
        }),
  };
}

export const rfidReading = defineTask<RfidParams>({
  id: 'l1-emb-rfid',
  title: { zh: 'RFID 射频卡识读', en: 'Read an RFID card' },
  level: 'L1',
  direction: 'EMB',
  skills: ['L1.EMB.1.2.2', 'L1.EMB.2.1.2'],
  timeLimitS: 60,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-emb-rfid');
    return { address: rng.int(1, 32), blockInSector: rng.int(0, 1) };
  },

  scenario: (p) => ({
    name: 'task_l1_emb_rfid',
    title: { zh: 'RFID 识读', en: 'RFID reading' },
    devices: [],
    serial: [
      {
        name: 'reader',
        kind: 'rfid_reader',
        title: { zh: 'RFID 读卡器', en: 'RFID reader' },
        address: p.address,
        cards: 1,
        meanIntervalS: 4,
        holdS: 10,
        slipAfterAuthMs: 1500,
      },
    ],
  }),

  vars: (p, plan) => {
    const d = plan.serial[0]!;
    const { keyed, block } = target(plan.seed, d.id, p.blockInSector);
    return {
      deviceId: d.id,
      envName: `IOTLAB_SERIAL_${d.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`,
      baud: d.settings.baudRate,
      address: p.address.toString(16).padStart(2, '0').toUpperCase(),
      sector: keyed.sector,
      block,
      blockHex: block.toString(16).padStart(2, '0').toUpperCase(),
      keyA: keyed.keyA.toString('hex').toUpperCase(),
      uidTopic: `${plan.topicPrefix}/answers/uid`,
      blockTopic: `${plan.topicPrefix}/answers/block`,
    };
  },

  checks: [
    {
      id: 'frames',
      skill: 'L1.EMB.2.1.2',
      points: 20,
      title: { zh: '请求帧编码正确', en: 'Well-formed request frames' },
      run: (ctx) => {
        const address = ctx.params.address;
        const seen = new Set<number>();
        const check = serialRequestCheck<RfidParams, RfidFrame>({
          device: 'reader',
          decode: (chunks) => rfidFrames(chunks, 'request'),
          want: (f) => {
            const right =
              (f.address === address || f.address === 0) &&
              (SESSION as readonly number[]).includes(f.command);
            if (!right || seen.has(f.command)) return false;
            seen.add(f.command);
            return true;
          },
          minCount: SESSION.length,
          describe: () =>
            `distinct session commands (10, 11, 12, 13, 14) in frames with a valid CRC to address ${address.toString(16).padStart(2, '0').toUpperCase()}`,
          hint: {
            zh: '部分命令帧不正确：检查帧头 AA BB、LEN（含帧头和 CRC 的总长度）、读卡器地址，以及 CRC-16/MODBUS（低字节在前）。',
            en: 'Some command frames are wrong: check the AA BB header, LEN (whole frame), the reader address and the CRC-16/MODBUS (low byte first).',
          },
        });
        return check(ctx);
      },
    },
    {
      id: 'read',
      skill: 'L1.EMB.1.2.2',
      points: 30,
      title: { zh: '验证扇区并读出指定块', en: 'Authenticate and read the block' },
      run: blockRead,
    },
    {
      id: 'uid',
      skill: 'L1.EMB.1.2.2',
      points: 20,
      critical: true,
      title: { zh: '答出卡片 UID', en: 'The card UID answered' },
      run: answerCheck<RfidParams>({
        key: 'uid',
        expected: (ctx) => uidHex(target(ctx.seed, serialPlan(ctx, 'reader').id, 0).card),
        hint: {
          zh: 'UID 不对：防冲突应答的 DATA 前 4 字节按顺序写成 8 位十六进制（不含 BCC）。',
          en: 'Wrong UID: the first 4 DATA bytes of the anticollision answer, in order, as 8 hex digits (no BCC).',
        },
      }),
    },
    {
      id: 'block',
      skill: 'L1.EMB.1.2.2',
      points: 30,
      critical: true,
      title: { zh: '答出块内容', en: 'The block contents answered' },
      run: answerCheck<RfidParams>({
        key: 'block',
        expected: expectedBlock,
        hint: {
          zh: '块内容不对：读块应答 STATUS 之后的 16 字节，写成 32 位十六进制，不加空格。',
          en: 'Wrong block contents: the 16 bytes after STATUS in the read answer, as 32 hex digits without spaces.',
        },
      }),
    },
  ],
});
