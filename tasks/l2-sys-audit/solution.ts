/**
 * Reference solution of l2-sys-audit: read the broker's access records from the security API
 * every two seconds; the first allowed record outside its client's role (as the instructions
 * state the roles) is the intrusion: report its client id, topic and time, then put a rule in
 * front of the policy that denies exactly that client that action on that topic. Mistakes:
 * `deny-identity` denies the intruder everything; `deny-topic` denies the topic to everyone;
 * `name-decoy` takes a meter's alarm (within its role) for the intrusion.
 */
import mqtt from 'mqtt';
import { covers } from '../../core/acl.js';
import type { AccessRecord } from '../../simulator/security.js';
import type { SolutionContext } from '../solution.js';
import { mqttLogin, untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const sec = card.security!;
  const prefix = card.mqtt.topicPrefix;
  const auth = { authorization: `Bearer ${sec.token}` };
  const meters = [1, 2, 3].map((n) => String(vars[`meter${n}`]));
  const inRole = (r: AccessRecord): boolean => {
    const m = meters.indexOf(r.clientId);
    if (m >= 0 && ctx.mistake === 'name-decoy')
      return r.action === 'publish' && r.topic === `${prefix}/meters/${m + 1}/data`;
    if (m >= 0) return r.action === 'publish' && covers(`${prefix}/meters/${m + 1}/#`, r.topic);
    if (r.clientId === vars.hvac)
      return r.action === 'publish'
        ? covers(`${prefix}/hvac/+/set`, r.topic)
        : covers(`${prefix}/hvac/#`, r.topic);
    if (r.clientId === vars.dashboard)
      return r.action === 'subscribe' && covers(`${prefix}/meters/#`, r.topic);
    return true; // not a client with a role (this program, say)
  };
  const client = await mqtt.connectAsync(card.mqtt.url, mqttLogin(card));
  const everyMs = 2000 / (ctx.speed ?? 1);
  let found: AccessRecord | undefined;
  while (!ctx.signal.aborted && !found) {
    await new Promise((r) => setTimeout(r, everyMs));
    const res = await fetch(sec.accessLog, { headers: auth }).catch(() => undefined);
    if (!res?.ok) continue;
    const rows = (await res.text())
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as AccessRecord);
    found = rows.find((r) => r.result === 'allowed' && !inRole(r));
  }
  if (found) {
    const answer = (key: string, value: string) =>
      client.publishAsync(`${prefix}/answers/${key}`, value, { qos: 1 });
    await answer('intruder', found.clientId);
    await answer('intruder_topic', found.topic);
    await answer('intruder_time', found.time);
    const current = (await (await fetch(`${sec.api}/acl`, { headers: auth })).json()) as {
      version: number;
      policy: { default: string; rules: unknown[] };
    };
    const rule =
      ctx.mistake === 'deny-identity'
        ? { clientId: found.clientId, action: 'all', topic: '#' }
        : ctx.mistake === 'deny-topic'
          ? { action: found.action, topic: found.topic }
          : { clientId: found.clientId, action: found.action, topic: found.topic };
    await fetch(`${sec.api}/acl`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json', 'if-match': String(current.version) },
      body: JSON.stringify({
        default: current.policy.default,
        rules: [{ id: 'block-intruder', ...rule, permission: 'deny' }, ...current.policy.rules],
      }),
    });
  }
  await untilAborted(ctx.signal);
  await client.endAsync(true);
}
