/**
 * What the benchmark's child processes print on stdout, one JSON object a line. The parent checks
 * every line against these schemas (STYLE.md rule 6: validate at the edge).
 */
import { z } from 'zod';

/** broker-child.ts, once its broker listens. */
export const BrokerReady = z.object({
  ready: z.literal(true),
  port: z.number().int(),
  /** With a TLS folder: the MQTT over TLS port. */
  tlsPort: z.number().int().optional(),
});

export const LabInfo = z.object({
  seed: z.number().int(),
  mqttPort: z.number().int(),
  topicPrefix: z.string(),
  telemetryTopics: z.array(z.string()),
});
export type LabInfo = z.infer<typeof LabInfo>;

/** labs-child.ts, once all its labs run (ok) or when one failed to start. */
export const LabsReady = z.discriminatedUnion('ready', [
  z.object({
    ready: z.literal(true),
    /** RSS after imports, before the first lab: the process's own baseline. */
    baseRssKb: z.number(),
    startMs: z.number(),
    devicesPerLab: z.number().int(),
    mqttDevicesPerLab: z.number().int(),
    labs: z.array(LabInfo),
  }),
  z.object({ ready: z.literal(false), started: z.number().int(), error: z.string() }),
]);
export type LabsReady = z.infer<typeof LabsReady>;

/** labs-child.ts, in answer to a `loop` line on stdin: event-loop lag since the last `reset`. */
export const LoopReport = z.object({
  loop: z.object({ p50Ms: z.number(), p99Ms: z.number(), maxMs: z.number() }),
});
export type LoopReport = z.infer<typeof LoopReport>;
