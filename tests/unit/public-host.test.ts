/** Cards name the public host, not the address the server is bound to. */
import { describe, expect, it } from 'vitest';
import { defaultPublicHost, withPublicHost } from '../../server/public-host.js';

describe('withPublicHost', () => {
  const card = {
    mqtt: { url: 'mqtt://0.0.0.0:1883', wsUrl: 'ws://0.0.0.0:8083', topicPrefix: 'iotlab/s/c1' },
    coap: { url: 'coap://0.0.0.0:5683' },
    modbus: { host: '0.0.0.0', port: 502 },
    serial: [{ id: 'rfid-1a2b', tcp: { host: '0.0.0.0', port: 4001 } }],
    board: { host: '0.0.0.0', port: 4200 },
    note: 'values 10.0.0.0:1 and x0.0.0.0:2 stay',
  };

  it('rewrites hosts, URLs and host:port strings that name the bind host, and nothing else', () => {
    const out = withPublicHost(card, '0.0.0.0', '192.168.1.20');
    expect(out).toEqual({
      mqtt: {
        url: 'mqtt://192.168.1.20:1883',
        wsUrl: 'ws://192.168.1.20:8083',
        topicPrefix: 'iotlab/s/c1',
      },
      coap: { url: 'coap://192.168.1.20:5683' },
      modbus: { host: '192.168.1.20', port: 502 },
      serial: [{ id: 'rfid-1a2b', tcp: { host: '192.168.1.20', port: 4001 } }],
      board: { host: '192.168.1.20', port: 4200 },
      note: 'values 10.0.0.0:1 and x0.0.0.0:2 stay',
    });
    expect(card.modbus.host).toBe('0.0.0.0'); // a copy
    expect(withPublicHost(card, '0.0.0.0', 'lab.example').coap.url).toBe('coap://lab.example:5683');
    expect(withPublicHost(card, '0.0.0.0', '::1').mqtt.url).toBe('mqtt://[::1]:1883');
  });

  it('keeps a specific bind host, and finds an address for 0.0.0.0', () => {
    expect(defaultPublicHost('127.0.0.1')).toBe('127.0.0.1');
    expect(defaultPublicHost('0.0.0.0')).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });
});
