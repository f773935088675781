/**
 * Reference solution: ask every node for its version, report those below the required version,
 * upgrade each of them with the release's version and SHA-256 from the card, wait for its status
 * to come back `online` after the restart, and query it again to confirm.
 *
 * Typical mistakes (`ctx.mistake`): `upgrade-all` upgrades every node, outdated or not;
 * `wrong-checksum` first sends each upgrade with a wrong SHA-256 (the device refuses it), then
 * the right one; `text-compare` compares versions as text, so the node on a one-digit minor
 * (2.9.x against 2.12.0) is taken as current; `no-confirm` never queries an upgraded node's
 * version after its restart. The stated rules and the case the lab plants for
 * each: tasks/l1-sys-firmware/task.ts.
 */
import mqtt from 'mqtt';
import { compareVersions } from '../../devices/field/firmware.js';
import type { CardDevice } from '../../devices/field/card.js';
import type { SolutionContext } from '../solution.js';
import { mqttLogin } from '../solution.js';
import { untilAborted } from '../solution.js';

type Body = Record<string, unknown>;
type Waiter = {
  topic: string;
  match: (body: Body, text: string) => boolean;
  done: (b: Body) => void;
};

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const speed = ctx.speed ?? 1;
  const prefix = card.mqtt.topicPrefix;
  const nodes = card.devices.filter(
    (d): d is CardDevice & { firmware: NonNullable<CardDevice['firmware']> } =>
      d.firmware !== undefined,
  );
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const waiters = new Set<Waiter>();
  client.on('message', (topic, payload) => {
    const text = payload.toString();
    let body: Body = {};
    try {
      body = JSON.parse(text) as Body;
    } catch {
      // status topics carry plain text
    }
    for (const w of waiters)
      if (w.topic === topic && w.match(body, text)) {
        waiters.delete(w);
        w.done(body);
      }
  });
  /** Sends a request (again every 2 lab seconds) until its reply comes. */
  const ask = async (
    node: (typeof nodes)[number],
    request: Body,
    match: (b: Body) => boolean,
  ): Promise<Body> => {
    const reply = new Promise<Body>((resolve) =>
      waiters.add({ topic: node.firmware.replyTopic, match, done: resolve }),
    );
    for (;;) {
      await client.publishAsync(node.firmware.commandTopic, JSON.stringify(request), { qos: 1 });
      const timeout = new Promise<undefined>((r) =>
        setTimeout(() => r(undefined), Math.max(250, 2000 / speed)),
      );
      const got = await Promise.race([reply, timeout]);
      if (got) return got;
      if (ctx.signal.aborted) return {};
    }
  };
  const status = (node: (typeof nodes)[number], want: string) =>
    new Promise<Body>((resolve) =>
      waiters.add({
        topic: `${prefix}/${node.id}/status`,
        match: (_b, text) => text === want,
        done: resolve,
      }),
    );

  const work = async (): Promise<void> => {
    await client.subscribeAsync([`${prefix}/+/fw/reply`, `${prefix}/+/status`], { qos: 1 });
    const versions = new Map<string, string>();
    await Promise.all(
      nodes.map(async (n) => {
        const req = `q-${n.id}`;
        const r = await ask(n, { op: 'version', req }, (b) => b.op === 'version' && b.req === req);
        versions.set(n.id, String(r.version));
      }),
    );
    const required = String(vars.required);
    const older =
      ctx.mistake === 'text-compare'
        ? (a: string, b: string) => a < b
        : (a: string, b: string) => compareVersions(a, b) < 0;
    const outdated = nodes.filter((n) => older(versions.get(n.id)!, required));
    await client.publishAsync(
      `${prefix}/answers/outdated`,
      outdated.length > 0 ? outdated.map((n) => n.id).join(',') : 'none',
      { qos: 1 },
    );

    const toUpgrade = ctx.mistake === 'upgrade-all' ? nodes : outdated;
    await Promise.all(
      toUpgrade.map(async (n) => {
        const release = n.firmware.release!;
        const upgrade = (sha256: string, req: string) =>
          ask(
            n,
            { op: 'upgrade', version: release.version, sha256, req },
            (b) => b.op === 'upgrade' && b.req === req,
          );
        if (ctx.mistake === 'wrong-checksum') {
          // e.g. the digest of another file: the device refuses it.
          const wrong = [...release.sha256].reverse().join('');
          await upgrade(wrong, `bad-${n.id}`);
        }
        const r = await upgrade(release.sha256, `u-${n.id}`);
        if (r.ok !== true || ctx.mistake === 'no-confirm') return;
        // The device restarts: its retained status goes offline, then online again.
        await status(n, 'online');
        const req = `c-${n.id}`;
        await ask(n, { op: 'version', req }, (b) => b.op === 'version' && b.req === req);
      }),
    );
  };
  // Whatever is still waiting when the time is up is given up.
  await Promise.race([work().then(() => untilAborted(ctx.signal)), untilAborted(ctx.signal)]);
  await client.endAsync(true);
}
