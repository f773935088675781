/**
 * The edge gateway as a family of the lab: `gateways:` in the scenario, each a virtual gateway
 * that polls the lab's serial lines over their TCP ports by a poll table and publishes to the
 * lab's broker, configured through its own HTTP API (docs/gateway.md).
 */
import { z } from 'zod';
import { defineFamily } from '../family.js';
import type { SerialDeviceSpec } from '../serial/scenario.js';
import type { DeviceSpec } from '../field/scenario.js';
import { GatewaySpec, checkGateways } from './scenario.js';
import type { PlanView } from './world.js';

interface GatewayScenario {
  devices: readonly DeviceSpec[];
  serial: readonly SerialDeviceSpec[];
  gateways: readonly GatewaySpec[];
}

export const gatewayFamily = defineFamily({
  name: 'gateway',
  scenario: {
    /** Edge gateways polling the serial lines into MQTT (docs/gateway.md). */
    gateways: z.array(GatewaySpec).max(8).default([]),
  },
  checkPlanned: (s: GatewayScenario, ctx, planOf: () => PlanView) => checkGateways(s, ctx, planOf),
  plan: (_s: GatewayScenario) => ({}),
  instantiate(
    plan: PlanView & { scenario: { gateways: readonly GatewaySpec[] } },
    _ctx,
    deps: {
      /**
       * false: do not start the scenario's edge gateways, leaving every serial line free for the
       * candidate's own host (a gateway holds the TCP port of each line it polls). Default true.
       */
      gateways?: boolean;
      /**
       * First configuration API port of the scenario's gateways (gateway i on port+i; 0 = any),
       * and first HTTPS one when the lab has TLS (default any).
       */
      ports?: { gateway?: number; gatewayTls?: number };
    },
  ) {
    const runs = deps.gateways !== false && plan.scenario.gateways.length > 0;
    // Loaded here, not imported above, so planning a lab (graders, `iotlab check`) loads no server.
    const loading = runs ? import('./runtime.js') : undefined;
    return {
      ...(loading ? { loading } : {}),
      async start(sctx) {
        if (!loading) return undefined;
        const { startScenarioGateways } = await loading;
        const gateways = await startScenarioGateways({
          plan,
          serial: sctx.services.serialCard ?? [],
          mqtt: sctx.mqtt,
          clock: sctx.clock,
          record: sctx.record,
          logger: sctx.logger,
          host: sctx.host,
          basePort: deps.ports?.gateway ?? 0,
          tlsBasePort: deps.ports?.gatewayTls ?? 0,
          ...(sctx.tls ? { tls: sctx.tls } : {}),
          ...(sctx.guard ? { guard: sctx.guard } : {}),
        });
        return {
          card: { gateways: gateways.map((g) => g.card()) },
          closeBeforeServers: true,
          close: () => Promise.all(gateways.map((g) => g.close())).then(() => undefined),
        };
      },
    };
  },
});
