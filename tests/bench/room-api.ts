/**
 * The room benchmark's view of `iotlab serve`: the real CLI as a tracked child process (so /proc
 * gives its own CPU and RSS), and a small JSON client for the REST API whose every answer is
 * checked against a schema of just the fields the benchmark reads (STYLE.md rule 6).
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { Tracked } from './proc.js';
import { spawnTracked, stopChild } from './proc.js';

export interface ServeChild {
  t: Tracked;
  url: string;
  mqttPort: number;
}

/** Starts `iotlab serve` on ephemeral API and MQTT ports; resolves once it prints where it listens. */
export async function startServe(
  bin: string,
  dataDir: string,
  portRange: { from: number; to: number },
  adminPassword: string,
  timeoutMs = 30_000,
  extraArgs: readonly string[] = [],
): Promise<ServeChild> {
  const t = spawnTracked(
    process.execPath,
    [
      bin,
      'serve',
      '--data',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--mqtt-port',
      '0',
      '--mqtts-port',
      '0',
      '--port-range',
      `${portRange.from}-${portRange.to}`,
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    { env: { ...process.env, IOTLAB_ADMIN_PASSWORD: adminPassword } },
  );
  if (!t.child.stdout) throw new Error('serve has no stdout pipe');
  const rl = createInterface({ input: t.child.stdout });
  try {
    return await new Promise<ServeChild>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`iotlab serve did not listen within ${timeoutMs} ms`)),
        timeoutMs,
      );
      rl.on('line', (line) => {
        const m = /API (http:\/\/\S+)\s+MQTT port (\d+)/.exec(line);
        if (!m) return;
        clearTimeout(timer);
        resolve({ t, url: m[1]!, mqttPort: Number(m[2]) });
      });
      void t.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`iotlab serve exited (${code}) before listening:\n${t.stderrTail()}`));
      });
    });
  } catch (err) {
    await stopChild(t, 'SIGKILL');
    throw err;
  }
}

export interface ApiAnswer<T> {
  data: T;
  /** `name=value` of a Set-Cookie, if any. */
  cookie: string;
}

/** Calls `method path` with a JSON body; a non-2xx status or an unexpected body throws. */
export async function api<S extends z.ZodType>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  schema: S,
  opts: { body?: unknown; cookie?: string } = {},
): Promise<ApiAnswer<z.infer<S>>> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${method} ${path}: unexpected answer ${text.slice(0, 300)}`);
  return {
    data: parsed.data,
    cookie: res.headers.get('set-cookie')?.split(';')[0] ?? '',
  };
}

export const Created = z.object({ id: z.string() });
export const Slips = z.array(z.object({ candidate: z.string(), password: z.string() }));
export const Ok = z.looseObject({});
/** GET /api/server/status: the server's memory as it sees it (the JS heap beside the RSS). */
export const ServerStatus = z.object({
  memory: z.object({
    rssMb: z.number(),
    heapUsedMb: z.number(),
    heapTotalMb: z.number(),
    externalMb: z.number(),
    arrayBuffersMb: z.number(),
  }),
  labs: z.number(),
});

export const Card = z.object({
  mqtt: z.object({
    url: z.string(),
    username: z.string(),
    password: z.string(),
    topicPrefix: z.string(),
  }),
  coap: z.object({ url: z.string() }),
  devices: z.array(
    z.object({
      id: z.string(),
      mqtt: z.object({ telemetryTopic: z.string(), period: z.number() }).optional(),
      coap: z.object({ path: z.string() }).optional(),
    }),
  ),
});
export type Card = z.infer<typeof Card>;

export const Me = z.object({
  tasks: z.array(z.object({ id: z.string(), timeLimitS: z.number() })),
  currentTask: z.string().nullable(),
  card: Card.nullable(),
});

export const Progress = z.object({
  candidates: z.array(
    z.object({
      id: z.string(),
      currentTask: z.string().nullable(),
      connected: z.number(),
      grades: z.array(z.object({ task: z.string(), status: z.string() })),
    }),
  ),
});
export type Progress = z.infer<typeof Progress>;

export const RegradePreview = z.array(z.object({ candidate: z.string(), task: z.string() }));
