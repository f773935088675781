/**
 * Who a broker's clients belong to. A tenant is one lab's view of the broker: its evidence, its
 * logins and the topics it owns. A lab's own broker has one tenant that owns every topic and
 * admits any login (or the scenario's one username); an exam session's broker has a tenant per
 * running lab, each with its candidate's login and topic prefix (protocols/mqtt/broker.ts says
 * how each rule is enforced).
 */
import type { Client } from 'aedes';
import { LabError } from '../../core/errors.js';
import type { RecordFn } from '../../core/evidence.js';
import type { PlatformDevice } from '../codecs/platform-sign.js';
import type { InboundMessage } from './broker.js';
import type { AccessPolicy } from '../../core/acl.js';
import type { LoginMethod, TokenKeys } from './token.js';

/**
 * How a tenant's platform devices may log in beyond the plain signed password (scenario
 * `platform.auth`, simulator/lab-auth.ts): by token, with a timestamp window, with a secret a
 * fault changed. The lab owns the keys and the clock; the broker asks.
 */
export interface TenantAuth {
  /** Epoch ms of the tenant's lab clock (tokens' exp and signed timestamps are checked on it). */
  now(): number;
  /** A device's login methods, by `deviceName&productKey` (default: hmac only). */
  methods(login: string): readonly LoginMethod[];
  /** ±seconds a signed login's timestamp may be off the lab clock; undefined = not checked. */
  timestampWindowS: number | undefined;
  /** Clock skew allowed on a token's exp, nbf and iat. */
  skewS: number;
  /** The device's secret now (a "password-changed" fault replaces it). */
  secretOf(d: PlatformDevice): string;
  /** The keys the device's tokens verify with now, and their generation (bumped by a rotation). */
  tokenKeys(login: string): Promise<{ keys: TokenKeys; generation: number }>;
}

/** Who a client logged in as, kept for its life (token cut-offs, request routing). */
export interface SessionInfo {
  identity: string;
  auth: LoginMethod | 'password' | 'client-certificate' | 'open';
  /** Token logins: the token's exp (epoch s) and its key generation. */
  exp?: number;
  generation?: number;
}

/**
 * The login of a tenant, or none for an open tenant (a lab without `mqtt` credentials in its
 * scenario): any client whose username is no other tenant's login belongs to it.
 */
export type TenantLogin =
  | { username: string; checkPassword(password: Buffer): Promise<boolean> }
  | { username?: undefined; checkPassword?: undefined };

export type TenantSpec = TenantLogin & TenantBase;

interface TenantBase {
  /** Lab or candidate id; also what `recordUnrouted` names when a login as this tenant fails. */
  id: string;
  /**
   * Topic prefix without a trailing slash and without wildcards, e.g. `iotlab/c001`; the tenant
   * may publish and subscribe only under it. Undefined = the whole topic space (one lab alone).
   */
  topicPrefix?: string;
  record: RecordFn;
  /**
   * Which peer IPs may log in as this tenant (exam seats locked to the roster's IP); a login from
   * elsewhere gets CONNACK 5 (not authorized), recorded in the tenant's evidence. Absent = any.
   */
  allowPeer?: (ip: string) => boolean;
  /**
   * MQTT over TLS (or secure WebSocket) is the only way in: a right login over a plain
   * connection gets CONNACK 5 with the reason, recorded in the tenant's evidence.
   */
  tlsOnly?: boolean;
  /**
   * The devices of the tenant's simulated IoT platform (protocols/codecs/platform-sign.ts): they
   * log in as `deviceName&productKey` with a signed password, and are confined to the tenant.
   */
  platformDevices?: readonly PlatformDevice[];
  /**
   * The tenant's access policy (core/acl.ts): who may publish and subscribe where within its
   * topics; changes apply to live connections at once. Absent = every topic of the tenant.
   */
  acl?: AccessPolicy;
  /** Token and timed signed logins of the platform devices; absent = plain signed logins. */
  auth?: TenantAuth;
}

export interface Tenant {
  spec: TenantSpec;
  /** Where the tenant may publish and subscribe; undefined = anywhere. */
  roots: string[] | undefined;
  /** `deviceName&productKey` of its platform devices (signed logins). */
  deviceLogins: string[];
  handlers: ((msg: InboundMessage) => void)[];
  clients: Set<Client>;
}

/** True when `filter` (or topic) is the prefix itself or lies below it. */
export function underPrefix(filter: string, prefix: string): boolean {
  return filter === prefix || filter.startsWith(`${prefix}/`);
}

/** True when a topic or filter lies within one of the tenant's roots. */
export function tenantOwns(tenant: Tenant, filter: string): boolean {
  return tenant.roots === undefined || tenant.roots.some((root) => underPrefix(filter, root));
}

/** The tenants of one broker, by login, and who holds each client id. */
export class Tenants {
  private readonly byUser = new Map<string, Tenant>();
  /** `deviceName&productKey` of a tenant's platform devices (signed logins) → the tenant. */
  private readonly byDevice = new Map<string, Tenant>();
  private open: Tenant | undefined;
  /** Who holds a client id: open connections, and whether a persistent session is kept. */
  private readonly idOwner = new Map<
    string,
    { tenant: Tenant; open: number; persistent: boolean }
  >();
  /** Connections counted in idOwner, released once when they close. */
  private readonly owned = new WeakSet<Client>();
  private readonly of = new WeakMap<Client, Tenant>();

  add(spec: TenantSpec): Tenant {
    const username = spec.username;
    if (username === undefined && this.open)
      throw new LabError('LAB_STATE', 'the broker already has an open tenant');
    if (username !== undefined && (this.byUser.has(username) || this.byDevice.has(username)))
      throw new LabError('LAB_STATE', `MQTT user ${username} is already registered`);
    if (
      spec.topicPrefix !== undefined &&
      (/[+#]/.test(spec.topicPrefix) || spec.topicPrefix.endsWith('/'))
    )
      throw new LabError('LAB_STATE', `bad topic prefix ${spec.topicPrefix}`);
    const devices = spec.platformDevices ?? [];
    const deviceLogins = devices.map((d) => `${d.deviceName}&${d.productKey}`);
    for (const login of deviceLogins) {
      if (this.byUser.has(login) || this.byDevice.has(login))
        throw new LabError('LAB_STATE', `MQTT user ${login} is already registered`);
    }
    const tenant: Tenant = {
      spec,
      roots:
        spec.topicPrefix === undefined
          ? undefined
          : [
              spec.topicPrefix,
              // A platform device's own topics (`/sys/<productKey>/<deviceName>/…`, as the
              // simulated platform names them) belong to the tenant whose lab holds the device.
              ...devices.map((d) => `/sys/${d.productKey}/${d.deviceName}`),
            ],
      deviceLogins,
      handlers: [],
      clients: new Set(),
    };
    if (username === undefined) this.open = tenant;
    else this.byUser.set(username, tenant);
    for (const login of deviceLogins) this.byDevice.set(login, tenant);
    return tenant;
  }

  /** Detaches a tenant: it can no longer log in. */
  remove(tenant: Tenant): void {
    const username = tenant.spec.username;
    if (username === undefined) {
      if (this.open === tenant) this.open = undefined;
    } else if (this.byUser.get(username) === tenant) this.byUser.delete(username);
    for (const login of tenant.deviceLogins) this.byDevice.delete(login);
  }

  byDeviceLogin(username: string | undefined): Tenant | undefined {
    return username === undefined ? undefined : this.byDevice.get(username);
  }

  /** The tenant whose login this username is, else the open tenant if there is one. */
  byUsername(username: string | undefined): Tenant | undefined {
    return (username === undefined ? undefined : this.byUser.get(username)) ?? this.open;
  }

  tenantOf(client: Client | null | undefined): Tenant | undefined {
    return client ? this.of.get(client) : undefined;
  }

  /**
   * Seats an authenticated client in its tenant. False when the client id is held by another
   * tenant (an open connection or a persistent session there).
   */
  seat(client: Client, tenant: Tenant, clean: boolean): boolean {
    const owner = this.idOwner.get(client.id);
    if (owner && owner.tenant !== tenant) return false;
    if (owner) {
      owner.open += 1;
      owner.persistent = !clean;
    } else this.idOwner.set(client.id, { tenant, open: 1, persistent: !clean });
    this.owned.add(client);
    this.of.set(client, tenant);
    tenant.clients.add(client);
    return true;
  }

  /** A client is gone: its client id is released unless a persistent session keeps it. */
  unseat(client: Client): void {
    this.of.get(client)?.clients.delete(client);
    if (!this.owned.has(client)) return;
    this.owned.delete(client);
    const owner = this.idOwner.get(client.id);
    if (!owner) return;
    owner.open -= 1;
    if (owner.open <= 0 && !owner.persistent) this.idOwner.delete(client.id);
  }
}
