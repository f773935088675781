/**
 * The whole lab under hostile input on every port at once: random UDP datagrams at CoAP, garbage
 * and truncated ADUs at Modbus TCP, malformed MQTT packets. Each server answers per protocol or
 * drops and records; the lab keeps serving a well-behaved client, and no evidence is lost.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../core/clock.js';
import { readEvidence } from '../../core/evidence.js';
import { createLab } from '../../simulator/lab.js';
import { loadScenario } from '../../simulator/scenario.js';
import { coapRequest, modbusClient } from '../support/clients.js';
import { sendRaw, waitFor } from '../support/net.js';

function sendUdp(port: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.send(bytes, port, '127.0.0.1', () => {
      sock.close();
      resolve();
    });
  });
}

describe('lab under bad input', () => {
  it('keeps serving every protocol and loses no evidence', async () => {
    const evidence = join(mkdtempSync(join(tmpdir(), 'iotlab-bad-')), 'ev.jsonl');
    const lab = createLab(loadScenario('greenhouse').scenario, {
      seed: 21,
      clock: new RealClock({ speed: 5 }),
      evidencePath: evidence,
    });
    const card = await lab.start();
    const good = await mqtt.connectAsync(card.mqtt.url, { reconnectPeriod: 0, clientId: 'good' });
    const air = card.devices.find((d) => d.name === 'air_th')!;
    let telemetry = 0;
    good.on('message', () => (telemetry += 1));
    await good.subscribeAsync(air.mqtt!.telemetryTopic);
    const coapPort = Number(new URL(card.coap.url).port);
    const mqttPort = Number(new URL(card.mqtt.url).port);
    let datagrams = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 0, maxLength: 80 }),
          fc.uint8Array({ minLength: 1, maxLength: 40 }),
          fc.uint8Array({ minLength: 1, maxLength: 40 }),
          async (udp, tcp, mq) => {
            await sendUdp(coapPort, udp);
            datagrams += 1;
            await sendRaw(card.modbus.port, Buffer.from(tcp), 50);
            await sendRaw(mqttPort, Buffer.concat([Buffer.from([0x10]), Buffer.from(mq)]), 50);
          },
        ),
        { seed: 99, numRuns: 60 },
      );
      // Garbage MBAP (protocol id 0x1234) and a truncated ADU.
      expect(
        (
          await sendRaw(
            card.modbus.port,
            Buffer.from([0, 1, 0x12, 0x34, 0, 6, 1, 3, 0, 0, 0, 1]),
            2000,
          )
        ).closedByServer,
      ).toBe(true);
      await sendRaw(card.modbus.port, Buffer.from([0, 1, 0, 0, 0, 6, 1, 3]), 100);

      const before = telemetry;
      await waitFor(() => telemetry > before || undefined, 5000, 'telemetry after the barrage');
      const co2 = card.devices.find((d) => d.name === 'co2')!;
      expect((await coapRequest(`${card.coap.url}${co2.coap!.path}`)).code).toBe('2.05');
      const mb = await modbusClient(card.modbus.host, card.modbus.port);
      mb.setID(air.modbus!.unit);
      const regs = await mb.readInputRegisters(air.modbus!.registers[0]!.address, 2);
      expect(regs.data).toHaveLength(2);
      await new Promise<void>((r) => mb.close(() => r()));
    } finally {
      await good.endAsync(true);
      await lab.stop('test');
    }
    const { events, problems } = readEvidence(evidence);
    expect(problems).toEqual([]);
    expect(events[0]?.kind).toBe('lab.start');
    expect(events.at(-1)?.kind).toBe('lab.stop');
    // Every datagram is in the evidence, well-formed or not (empty ones included).
    const coapFromPeers = events.filter((e) => e.kind === 'coap.request');
    expect(coapFromPeers.length).toBeGreaterThanOrEqual(datagrams);
    expect(events.filter((e) => e.kind === 'modbus.request').length).toBeGreaterThanOrEqual(60);
    expect(events.some((e) => e.kind === 'mqtt.disconnect' && e.reason !== 'client')).toBe(true);
  });
});
