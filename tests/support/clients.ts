/** Real protocol clients for end-to-end tests: CoAP (node-coap) and Modbus TCP (modbus-serial). */
import coap from 'coap';
import type { IncomingMessage } from 'coap';
import modbusSerial from 'modbus-serial';

// modbus-serial is CommonJS: its class is module.exports, typed as the module's default export.
const ModbusRTU = modbusSerial.default;
export type ModbusClient = InstanceType<typeof ModbusRTU>;

export interface CoapReply {
  code: string;
  payload: string;
  format: unknown;
}

export function coapRequest(
  url: string,
  opts: {
    method?: 'GET' | 'PUT' | 'POST';
    payload?: string;
    accept?: string;
    contentFormat?: string;
  } = {},
): Promise<CoapReply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = coap.request({
      hostname: u.hostname,
      port: Number(u.port),
      pathname: u.pathname,
      method: opts.method ?? 'GET',
      confirmable: true,
    });
    if (opts.accept) req.setOption('Accept', opts.accept);
    if (opts.contentFormat) req.setOption('Content-Format', opts.contentFormat);
    const timer = setTimeout(() => reject(new Error(`CoAP ${url}: no answer`)), 4000);
    req.on('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      resolve({
        code: res.code,
        payload: res.payload.toString(),
        format: res.headers['Content-Format'],
      });
    });
    req.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
    if (opts.payload !== undefined) req.write(opts.payload);
    req.end();
  });
}

export async function modbusClient(
  host: string,
  port: number,
  timeoutMs = 800,
): Promise<ModbusClient> {
  const client = new ModbusRTU();
  await client.connectTCP(host, { port });
  client.setTimeout(timeoutMs);
  return client;
}
