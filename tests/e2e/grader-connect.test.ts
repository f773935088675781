/** The connect check against a real mqtt.js CONNECT recorded by a real lab. */
import mqtt from 'mqtt';
import { expect, it } from 'vitest';
import { buildContext } from '../../grader/context.js';
import { connectCheck } from '../../grader/checks/connect.js';
import type { EvidenceEvent } from '../../core/evidence.js';
import { createLab } from '../../simulator/lab.js';
import { validateScenario } from '../../simulator/scenario.js';
import { getTask } from '../../tasks/bank.js';

it('finds the last will, session flag, keep-alive and username of a real connection', async () => {
  const task = getTask('l1-sys-fault');
  const scenario = validateScenario(task.scenario(task.params(2)));
  const lab = createLab(scenario, { seed: 2, ports: { ws: null } });
  const events: EvidenceEvent[] = [];
  lab.recorder.subscribe((e) => events.push(e));
  const card = await lab.start();
  const prefix = card.mqtt.topicPrefix;
  const c = await mqtt.connectAsync(card.mqtt.url, {
    reconnectPeriod: 0,
    clean: false,
    clientId: 'gateway-1',
    keepalive: 20,
    username: 'gw',
    will: { topic: `${prefix}/gw/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  await c.endAsync();
  await lab.stop();
  const ctx = buildContext({}, 2, lab.plan, events, task.timeLimitS);
  const want = {
    clean: false,
    maxKeepaliveS: 30,
    username: 'gw',
    will: { topic: `${prefix}/+/status`, payload: 'offline', qos: 1, retain: true },
  };
  const o = connectCheck(() => want)(ctx);
  expect(o.seen).toMatch(/client gateway-1/);
  expect(o.score).toBe(1);
  expect(connectCheck(() => ({ ...want, clean: true }))(ctx).score).toBe(0);
});
