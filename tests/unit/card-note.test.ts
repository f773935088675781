/**
 * Every task's instructions end with where its lab is (docs/card.md): the card file, the MQTT
 * variables, and one variable for each kind of endpoint that task's lab runs — none for the ones
 * it does not, so a candidate is not sent looking for a Modbus server that is not there.
 */
import { describe, expect, it } from 'vitest';
import { labNote, listTasks, renderTask } from '../../tasks/bank.js';
import type { LabPlan } from '../../simulator/plan.js';

const HEAD = { zh: '**实验环境地址**', en: '**Where your lab is**' } as const;

/** The variables a lab of this plan gives its program, named independently of tasks/bank.ts. */
function expected(plan: LabPlan, files: boolean): { has: string[]; not: string[] } {
  const has = ['IOTLAB_CARD', 'IOTLAB_MQTT_URL', 'IOTLAB_TOPIC_PREFIX', 'IOTLAB_MQTT_USERNAME'];
  const not: string[] = [];
  (plan.devices.some((d) => d.modbus?.transport === 'tcp') ? has : not).push('IOTLAB_MODBUS_PORT');
  (plan.devices.some((d) => d.coap) ? has : not).push('IOTLAB_COAP_URL');
  (plan.board ? has : not).push('IOTLAB_BOARD');
  (files ? has : not).push('IOTLAB_WORKDIR');
  if (plan.serial.length === 0) not.push('IOTLAB_SERIAL_');
  for (const s of plan.serial) has.push(`IOTLAB_SERIAL_${s.id.toUpperCase().replaceAll('-', '_')}`);
  if (plan.scenario.gateways.length === 0) not.push('IOTLAB_GATEWAY_');
  for (const g of plan.scenario.gateways) {
    has.push(`IOTLAB_GATEWAY_${g.name.toUpperCase()}_API`);
    // The HTTPS API where the task's lab has TLS (docs/gateway.md).
    (plan.scenario.tls ? has : not).push(`IOTLAB_GATEWAY_${g.name.toUpperCase()}_API_TLS`);
  }
  return { has, not };
}

describe("the instructions' lab section", () => {
  for (const task of listTasks())
    it(`${task.id}: names the card and each of its lab's endpoints, in zh and en`, () => {
      for (const seed of [1, 2, 7])
        for (const lang of ['zh', 'en'] as const) {
          const r = renderTask(task, seed, lang);
          const at = r.text.indexOf(HEAD[lang]);
          expect(at, `${task.id} seed ${seed} ${lang}`).toBeGreaterThan(0);
          const note = r.text.slice(at);
          expect(note).toContain('docs/card.md');
          expect(note).toContain(`\`${r.plan.topicPrefix}\``);
          const { has, not } = expected(r.plan, !!(task.capture ?? task.prepare));
          for (const v of has) expect(note, `${task.id} ${lang}: ${v}`).toContain(`\`${v}`);
          for (const v of not) expect(note, `${task.id} ${lang}: ${v}`).not.toContain(v);
          // About ten lines: the card and what this lab has, not a manual.
          expect(note.split('\n').filter((l) => l.trim()).length).toBeLessThanOrEqual(14);
        }
    });

  it('follows the prefix of the candidate card the task is rendered for', () => {
    const task = listTasks()[0]!;
    const r = renderTask(task, 3, 'en', 'iotlab/s1/c042');
    expect(labNote(task, r.plan, 'en')).toContain('`iotlab/s1/c042`');
    expect(r.text).toContain(labNote(task, r.plan, 'en'));
  });
});
