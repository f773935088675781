/** An edge gateway (docs/gateway.md): its configuration API, MQTT identity and the lines it holds. */
export interface GatewayCardEntry {
  name: string;
  title?: { zh: string; en: string };
  /** Base URL of the configuration API (GET/PUT /config, GET /status, GET /points). */
  api: string;
  /**
   * The same API over HTTPS (`https://host:port`), when the lab has TLS: its certificate chains
   * to the CA the card names in `mqtt.ca`.
   */
  apiTls?: string;
  /** Retained JSON: online, line states, per-point ok/error. */
  statusTopic: string;
  clientId: string;
  /** Serial lines the gateway holds (their TCP ports refuse other hosts while it does). */
  lines: string[];
}
