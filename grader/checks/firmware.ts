/**
 * Firmware checks (docs/firmware.md): a fleet's versions read, the outdated devices reported,
 * exactly those upgraded with the release's SHA-256, and each confirmed on its new version after
 * its restart. All from evidence: the candidate's requests and the devices' replies
 * (`mqtt.publish`), the accepted upgrades (`device.state`, `firmware.op: "upgrade"`), and the
 * versions at the start recomputed from the plan.
 */
import { compareVersions, parseFirmwareRequest } from '../../devices/field/index.js';
import type { FirmwareRequest } from '../../devices/field/index.js';
import { LabError } from '../../core/errors.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import type { CheckOutcome, GradeContext, MqttPublishEvent, TaskParams } from '../types.js';
import { normaliseAnswer } from './answer.js';
import { payloadJson, payloadText, ref, someRefs } from './mqtt.js';

export interface FleetSpec {
  /** Device names of the fleet (each with firmware and an offered release). */
  devices: readonly string[];
  /** A device running a version below this one is outdated. */
  required: (ctx: GradeContext) => string;
}

type Ctx = GradeContext;
type Reply = { e: MqttPublishEvent; body: Record<string, unknown> };
type Upgrade = { e: MqttPublishEvent; req: Extract<FirmwareRequest, { op: 'upgrade' }> };

const inWindow = (ctx: Ctx, e: EvidenceEvent) => e.t >= ctx.start && e.t <= ctx.end;

function firmwareOf(ctx: Ctx, name: string) {
  const fw = ctx.device(name).firmware;
  if (!fw?.release)
    throw new LabError(
      'TASK_INVALID',
      `device "${name}" has no firmware release in the task's plan`,
    );
  return { ...fw, release: fw.release };
}

/** The device's replies on its reply topic within the window. */
function replies(ctx: Ctx, name: string): Reply[] {
  const topic = firmwareOf(ctx, name).replyTopic;
  const out: Reply[] = [];
  for (const e of ctx.events) {
    if (e.kind !== 'mqtt.publish' || e.origin !== 'device' || e.topic !== topic) continue;
    if (!inWindow(ctx, e)) continue;
    const body = payloadJson(e as MqttPublishEvent);
    if (typeof body === 'object' && body !== null)
      out.push({ e: e as MqttPublishEvent, body: body as Record<string, unknown> });
  }
  return out;
}

/** Upgrade requests clients published to the device's command topic within the window. */
function upgrades(ctx: Ctx, name: string): Upgrade[] {
  const topic = firmwareOf(ctx, name).commandTopic;
  return ctx.clientPublishes().flatMap((e) => {
    if (e.topic !== topic) return [];
    const req = parseFirmwareRequest(payloadText(e));
    return 'op' in req && req.op === 'upgrade' ? [{ e, req }] : [];
  });
}

/** Accepted upgrades of the device (its `device.state` lines) within the window. */
function installs(ctx: Ctx, name: string): EvidenceEvent[] {
  const id = ctx.device(name).id;
  return ctx.events.filter(
    (e) =>
      e.kind === 'device.state' &&
      e.device === id &&
      (e.firmware as { op?: unknown } | undefined)?.op === 'upgrade' &&
      inWindow(ctx, e),
  );
}

const versionAtStart = (ctx: Ctx, name: string) =>
  ctx.truth(name, ctx.start).firmware?.version ?? firmwareOf(ctx, name).version;

/** Fleet devices running a version below the required one when the lab starts. */
export function outdatedDevices(ctx: Ctx, spec: FleetSpec): string[] {
  const required = spec.required(ctx);
  return spec.devices.filter((n) => compareVersions(versionAtStart(ctx, n), required) < 0);
}

const idsOf = (ctx: Ctx, names: readonly string[]) => names.map((n) => ctx.device(n).id).join(', ');

/** Each device's version read from it (a reply to a version query) before any upgrade of it. */
export function versionsReadCheck<P extends TaskParams>(spec: FleetSpec) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const read: Reply[] = [];
    const unread: string[] = [];
    for (const n of spec.devices) {
      const first = installs(ctx, n)[0]?.t ?? Infinity;
      const r = replies(ctx, n).find((x) => x.body.op === 'version' && x.e.t < first);
      if (r) read.push(r);
      else unread.push(n);
    }
    return {
      score: read.length / spec.devices.length,
      expected: `a version reply from each of the ${spec.devices.length} devices before it is upgraded`,
      seen: `${read.length} of ${spec.devices.length} read${unread.length > 0 ? `; not: ${idsOf(ctx, unread)}` : ''}`,
      evidence: someRefs(read.map((r) => r.e)),
      ...(unread.length > 0
        ? {
            hint: {
              zh: '有设备的固件版本没有查询到：先订阅各设备的 fw/reply 主题，再向其 fw/cmd 主题发送 {"op":"version"}；升级前必须先查询。',
              en: 'Some versions were never read: subscribe to each device’s fw/reply topic, then send {"op":"version"} to its fw/cmd topic — before upgrading it.',
            },
          }
        : {}),
    };
  };
}

/**
 * The answer lists the outdated devices' ids (comma or space separated, `none` for none): each
 * outdated device listed earns a share, each listed device that is not outdated takes one back.
 */
export function outdatedAnswerCheck<P extends TaskParams>(spec: FleetSpec & { key: string }) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const topic = `${ctx.plan.topicPrefix}/answers/${spec.key}`;
    const a = ctx.answers().get(spec.key);
    if (!a)
      return {
        score: 0,
        expected: `the outdated devices' ids on ${topic}`,
        seen: 'no answer',
        evidence: [],
        hint: {
          zh: `没有收到答案：请把过期设备的 ID（逗号分隔）发布到 ${topic}。`,
          en: `No answer: publish the outdated devices' ids (comma-separated) to ${topic}.`,
        },
      };
    const want = new Set(outdatedDevices(ctx, spec).map((n) => ctx.device(n).id));
    const text = normaliseAnswer(a.value);
    const listed = new Set(text === 'none' ? [] : text.split(/[\s,;]+/).filter((x) => x !== ''));
    const hits = [...listed].filter((x) => want.has(x)).length;
    const wrong = listed.size - hits;
    const missed = want.size - hits;
    const score =
      want.size === 0 ? (listed.size === 0 ? 1 : 0) : Math.max(0, (hits - wrong) / want.size);
    return {
      score,
      expected: `exactly the ${want.size} device(s) below ${spec.required(ctx)} on ${topic}`,
      seen: `answered ${JSON.stringify(a.value)}: ${hits} outdated listed, ${missed} missed, ${wrong} listed wrongly`,
      evidence: [ref(a, `answer ${spec.key}`)],
      ...(score < 1
        ? {
            hint: {
              zh: `过期设备名单不对（漏报 ${missed} 台，误报 ${wrong} 台）：版本号要按 主.次.修订 逐段按数字比较（1.10.0 比 1.9.7 新），不能按字符串比较；等于要求版本的不算过期。`,
              en: `The list is wrong (${missed} missed, ${wrong} listed wrongly): compare versions MAJOR, MINOR, PATCH as numbers (1.10.0 is newer than 1.9.7), not as text; a device at the required version is not outdated.`,
            },
          }
        : {}),
    };
  };
}

/** Each outdated device's upgrade to the release accepted (recorded) before the deadline. */
export function upgradedCheck<P extends TaskParams>(spec: FleetSpec) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const outdated = outdatedDevices(ctx, spec);
    const done: EvidenceEvent[] = [];
    const missing: string[] = [];
    const refusals: Reply[] = [];
    for (const n of outdated) {
      const target = firmwareOf(ctx, n).release.version;
      const ok = installs(ctx, n).find((e) => (e.firmware as { to?: unknown }).to === target);
      if (ok) done.push(ok);
      else missing.push(n);
      refusals.push(
        ...replies(ctx, n).filter((r) => r.body.op === 'upgrade' && r.body.ok === false),
      );
    }
    const errors = new Set(refusals.map((r) => String(r.body.error)));
    return {
      score: outdated.length === 0 ? 1 : done.length / outdated.length,
      expected: `every outdated device (${outdated.length}) upgraded to the release offered`,
      // Counts only: naming the devices missed would give away which were outdated.
      seen: `${done.length} of ${outdated.length} upgrades accepted${errors.size > 0 ? `; refusals: ${[...errors].join(', ')}` : ''}`,
      evidence: missing.length > 0 ? someRefs(refusals.map((r) => r.e)) : someRefs(done),
      ...(missing.length > 0
        ? {
            hint: errors.has('checksum')
              ? {
                  zh: '设备以校验失败（checksum）拒绝了升级：sha256 必须与实验卡上该版本的 SHA-256 完全一致。',
                  en: 'The device refused the upgrade for its checksum: sha256 must be the release’s SHA-256 from the card, exactly.',
                }
              : errors.has('unknown-version')
                ? {
                    zh: '设备拒绝了升级（unknown-version）：version 必须是所提供的发布版本号。',
                    en: 'The device refused the upgrade (unknown-version): version must be the release version offered.',
                  }
                : {
                    zh: '有过期设备没有升级成功：向其 fw/cmd 主题发送 {"op":"upgrade","version":…,"sha256":…}，并查看 fw/reply 中的结果。',
                    en: 'An outdated device was not upgraded: send {"op":"upgrade","version":…,"sha256":…} to its fw/cmd topic and read the result on fw/reply.',
                  },
          }
        : {}),
    };
  };
}

/** Upgrades sent only to outdated devices, and at least one sent. */
export function onlyOutdatedCheck<P extends TaskParams>(spec: FleetSpec) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const outdated = new Set(outdatedDevices(ctx, spec));
    const all = spec.devices.flatMap((n) => upgrades(ctx, n).map((u) => ({ ...u, n })));
    const stray = all.filter((u) => !outdated.has(u.n));
    return {
      score: all.length > 0 && stray.length === 0 ? 1 : 0,
      expected: 'upgrade requests to outdated devices only (at least one)',
      seen:
        all.length === 0
          ? 'no upgrade request'
          : `${stray.length} of ${all.length} upgrade request(s) to devices that were not outdated`,
      evidence: someRefs((stray.length > 0 ? stray : all).map((u) => u.e)),
      ...(stray.length > 0
        ? {
            hint: {
              zh: '向未过期的设备发送了升级命令：只升级版本低于要求版本的设备，其余设备在本次维护中不动。',
              en: 'You sent upgrades to devices that were not outdated: upgrade only those below the required version and leave the rest alone.',
            },
          }
        : {}),
    };
  };
}

/** Every upgrade request carried the release's SHA-256 (and at least one was sent). */
export function checksumCheck<P extends TaskParams>(spec: FleetSpec) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const all = spec.devices.flatMap((n) =>
      upgrades(ctx, n).map((u) => ({ ...u, sha: firmwareOf(ctx, n).release.sha256 })),
    );
    const wrong = all.filter((u) => u.req.sha256.toLowerCase() !== u.sha);
    // The device's refusal, where it answered, shows beside the request.
    const refusals = spec.devices.flatMap((n) =>
      replies(ctx, n).filter((r) => r.body.op === 'upgrade' && r.body.error === 'checksum'),
    );
    return {
      score: all.length > 0 && wrong.length === 0 ? 1 : 0,
      expected: "every upgrade request with the release's SHA-256 (at least one)",
      seen:
        all.length === 0
          ? 'no upgrade request'
          : `${wrong.length} of ${all.length} upgrade request(s) with a wrong SHA-256; ${refusals.length} refused for it`,
      evidence:
        wrong.length > 0
          ? [
              ...wrong.slice(0, 3).map((u) => ref(u.e, 'wrong sha256 sent')),
              ...refusals.slice(0, 2).map((r) => ref(r.e, 'refused: checksum')),
            ]
          : someRefs(all.map((u) => u.e)),
      ...(wrong.length > 0
        ? {
            hint: {
              zh: '升级命令中的 SHA-256 与发布版本不符：设备拒绝了这次升级。请从实验卡/任务说明中完整复制 64 位十六进制的 SHA-256。',
              en: 'An upgrade carried a SHA-256 that is not the release’s, and the device refused it: copy all 64 hex digits of the SHA-256 from the card or the instructions.',
            },
          }
        : {}),
    };
  };
}

/** Each upgraded outdated device, once back online, answered a version query with the release. */
export function confirmedCheck<P extends TaskParams>(spec: FleetSpec) {
  return (ctx: GradeContext<P>): CheckOutcome => {
    const outdated = outdatedDevices(ctx, spec);
    const confirmed: Reply[] = [];
    const not: string[] = [];
    for (const n of outdated) {
      const fw = firmwareOf(ctx, n);
      const target = fw.release.version;
      const inst = installs(ctx, n).find((e) => (e.firmware as { to?: unknown }).to === target);
      const r = inst
        ? replies(ctx, n).find(
            (x) =>
              x.body.op === 'version' && x.body.version === target && x.e.t >= inst.t + fw.rebootMs,
          )
        : undefined;
      if (r) confirmed.push(r);
      else not.push(n);
    }
    return {
      score: outdated.length === 0 ? 1 : confirmed.length / outdated.length,
      expected: 'each upgraded device queried again after its restart, answering the new version',
      seen: `${confirmed.length} of ${outdated.length} confirmed`,
      evidence: someRefs(confirmed.map((r) => r.e)),
      ...(not.length > 0
        ? {
            hint: {
              zh: '升级后没有确认新版本：等设备重启完成、状态主题恢复 online 后，再查询一次版本。',
              en: 'The new version was not confirmed: wait until the device is back (status online) after its restart, then query its version again.',
            },
          }
        : {}),
    };
  };
}
