/**
 * Reference solution: read the gateway's config (GET /config), replace its topic and payload
 * templates, poll table and northbound connection, and PUT it back. Uses only the card and the
 * instructions; the gateway then does the work.
 */
import type { SolutionContext } from '../solution.js';
import { untilAborted } from '../solution.js';

export async function solve(ctx: SolutionContext): Promise<void> {
  const { card, vars } = ctx;
  const api = card.gateways!.find((g) => g.name === 'gw1')!.api;
  const current = (await (await fetch(`${api}/config`)).json()) as Record<string, unknown>;
  const row = (n: 1 | 2) => ({
    point: vars[`point${n}`],
    line: 'rs485',
    unit: vars[`unit${n}`],
    table: vars[`table${n}`],
    address: vars[`address${n}`],
    type: vars[`type${n}`],
    scale: vars[`scale${n}`],
    periodS: vars.periodS,
  });
  // The topic the instructions give ends in /gw1/<point>: the gateway's {name} and {point}.
  const topic1 = String(vars.topic1);
  const root = topic1.slice(0, topic1.lastIndexOf('/gw1/'));
  const config = {
    ...current,
    topic: `${root}/{name}/{point}`,
    payload: `{"${vars.pointKey}":"{point}","${vars.valueKey}":{value},"${vars.tsKey}":{ts}}`,
    poll: [row(1), row(2)],
    // The typical mistake: leave the platform connection at its defaults.
    ...(ctx.mistake === 'default-client'
      ? {}
      : { northbound: { clientId: vars.clientId, keepaliveS: vars.keepaliveS } }),
  };
  const res = await fetch(`${api}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  if (!res.ok) throw new Error(`PUT /config: ${res.status} ${await res.text()}`);
  await untilAborted(ctx.signal);
}
