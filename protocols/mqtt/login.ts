/**
 * Who a CONNECT logs in as (MQTT 3.1.1 §3.1.3.4–5, CONNACK return codes §3.2.2.3), in this order:
 * - a client certificate on the CA's CRL is refused with 5 and says so;
 * - mutual TLS: a client certificate from the broker's CA whose CN is a tenant's login (or a
 *   platform device's) logs in as that identity without a password (EMQX's
 *   `peer_cert_as_username = cn`); the connect records `auth` and `identity`;
 * - a username and address pair blocked after a run of wrong passwords gets 5 at once;
 * - a platform device's login (`deviceName&productKey`) is checked with its signed password (its
 *   timestamp within the tenant's window, when it has one) or, when the device may log in by
 *   token and the password is a JWT, with the token (protocols/mqtt/token.ts); a refused one
 *   records the method (`auth`) and why (`error`: "token expired", "timestamp … outside …");
 * - an open tenant takes any other username; a tenant's own login is checked by its
 *   `checkPassword`; a known account with nothing running gets 5 with the reason (`idleAccount`);
 * - then TLS-only (5 over a plain connection), the seat lock (5) and the client id (2, in use by
 *   another tenant) decide.
 * Refusals that belong to no tenant go to `unroutedFor(client)` (the broker's unrouted record, or
 * the tenant whose own TLS listener the client came in on), with the TLS handshake if any.
 */
import type { AedesOptions, Client } from 'aedes';
import type { LoginLimiter } from '../../core/login-limit.js';
import type { RecordFn } from '../../core/evidence.js';
import type { Logger } from '../../core/logger.js';
import { checkLogin } from '../codecs/platform-sign.js';
import type { SessionInfo, Tenant, TenantAuth, Tenants } from './tenancy.js';
import { TOKEN_ALGS, headerAlg, looksLikeJwt, methodOf, verifyToken } from './token.js';
import type { LoginMethod, TokenAlg } from './token.js';

export interface LoginDeps {
  tenants: Tenants;
  /** Wrong passwords per username and address; undefined = not counted. */
  logins: LoginLimiter | undefined;
  idleAccount?: (username: string, password: Buffer) => Promise<string | undefined>;
  logger: Logger;
  /** Where a refusal that belongs to no tenant goes (unrouted, or the tenant of its front). */
  unroutedFor(client: Client): RecordFn;
  /** What the client sent in CONNECT, as evidence fields (set by preConnect). */
  connectPacket(client: Client): Record<string, unknown> | undefined;
  peerOf(client: Client): string | undefined;
  /** The CN of a client certificate the CA signed, if the client gave one. */
  certIdentity(client: Client): string | undefined;
  /** Why the client's certificate is refused outright (revoked), if it is. */
  certRefusal(client: Client): string | undefined;
  /** Records the client's TLS handshake (once) in the evidence the login turns out to belong to. */
  recordHandshake(client: Client, record: RecordFn): void;
  /** Whether the client's connection is TLS (MQTT over TLS or secure WebSocket). */
  encrypted(client: Client): boolean;
  /** Who an admitted client logged in as (token cut-offs, token requests). */
  noteSession(client: Client, info: SessionInfo): void;
}

export function authenticator(d: LoginDeps): NonNullable<AedesOptions['authenticate']> {
  return (client, username, password, done) => {
    const refuse = (returnCode: 2 | 4 | 5, why: string, auth?: LoginMethod) => {
      const unrouted = d.unroutedFor(client);
      d.recordHandshake(client, unrouted);
      unrouted('mqtt.connect', {
        peer: d.peerOf(client),
        ...d.connectPacket(client),
        accepted: false,
        returnCode,
        ...(auth ? { auth } : {}),
        error: why,
      });
      done(Object.assign(new Error(why), { returnCode }), false);
    };
    const peer = d.peerOf(client) ?? '';
    const ip = peer.slice(0, Math.max(0, peer.lastIndexOf(':')));
    const account = username ?? '';
    // Mutual TLS: a certificate from the CA whose CN is a tenant's login (or a platform
    // device's) logs in as that identity, with no password (the certificate is the credential).
    // A revoked certificate is refused, not passed over for a password (what its holder lost).
    const revoked = d.certRefusal(client);
    if (revoked !== undefined) return refuse(5, revoked);
    const cn = d.certIdentity(client);
    const byCert =
      cn === undefined ? undefined : (d.tenants.byDeviceLogin(cn) ?? d.tenants.byUsername(cn));
    if (cn !== undefined && byCert) {
      const packet = d.connectPacket(client);
      if (packet) Object.assign(packet, { auth: 'client-certificate', identity: cn });
      return admit(byCert, { identity: cn, auth: 'client-certificate' });
    }
    const wait = d.logins?.blockedFor(account, ip) ?? 0;
    if (wait > 0) return refuse(5, `too many wrong passwords; try again in ${wait} s`);
    // A device of a tenant's simulated platform logs in with a signed password instead.
    const byDevice = d.tenants.byDeviceLogin(username);
    if (byDevice) {
      const auth = byDevice.spec.auth;
      const methods = auth?.methods(account) ?? ['hmac'];
      const text = password ? Buffer.from(password).toString('utf8') : '';
      const tokenAlgs = TOKEN_ALGS.filter((a) => methods.includes(methodOf(a)));
      if (auth && tokenAlgs.length > 0 && looksLikeJwt(text))
        return void tokenLogin(byDevice, auth, text, tokenAlgs);
      if (!methods.includes('hmac')) {
        d.logins?.fail(account, ip);
        return refuse(
          4,
          'this device logs in by token only: the password is not a JWT',
          tokenAlgs[0] && methodOf(tokenAlgs[0]),
        );
      }
      const signed = checkLogin(
        byDevice.spec.platformDevices ?? [],
        client.id,
        username,
        password ? Buffer.from(password) : undefined,
        auth
          ? {
              secretOf: (x) => auth.secretOf(x),
              ...(auth.timestampWindowS !== undefined
                ? { window: { nowMs: auth.now(), windowS: auth.timestampWindowS } }
                : {}),
            }
          : {},
      );
      if (signed.device === undefined || !signed.ok) {
        d.logins?.fail(account, ip);
        return refuse(
          4,
          signed.device ? signed.reason : 'bad username or password',
          auth ? 'hmac' : undefined,
        );
      }
      d.logins?.succeed(account, ip);
      if (auth) Object.assign(d.connectPacket(client) ?? {}, { auth: 'hmac', identity: account });
      return admit(byDevice, { identity: account, auth: 'hmac' });
    }
    const tenant = d.tenants.byUsername(username);
    if (tenant && tenant.spec.username === undefined)
      return admit(tenant, { identity: account, auth: 'open' }); // an open tenant
    if (!tenant && username !== undefined && password !== undefined && d.idleAccount) {
      // A known account with nothing running: a right password is told why, not "wrong".
      d.idleAccount(username, Buffer.from(password)).then(
        (why) => {
          if (why === undefined) {
            d.logins?.fail(account, ip);
            return refuse(4, 'bad username or password');
          }
          d.logins?.succeed(account, ip);
          refuse(5, why);
        },
        (err: unknown) => {
          d.logger.error('password check failed', { err: String(err) });
          refuse(5, 'password check failed');
        },
      );
      return;
    }
    if (!tenant?.spec.checkPassword || password === undefined) {
      d.logins?.fail(account, ip);
      return refuse(4, 'bad username or password');
    }
    tenant.spec.checkPassword(Buffer.from(password)).then(
      (ok) => {
        if (!ok) {
          d.logins?.fail(account, ip);
          return refuse(4, 'bad username or password');
        }
        d.logins?.succeed(account, ip);
        admit(tenant, { identity: account, auth: 'password' });
      },
      (err: unknown) => {
        d.logger.error('password check failed', { err: String(err) });
        refuse(5, 'password check failed');
      },
    );
    /** A token login (EMQX's JWT authentication: the token as the password, sub the username). */
    function tokenLogin(
      tenant: Tenant,
      auth: TenantAuth,
      token: string,
      allowed: readonly TokenAlg[],
    ): void {
      const named = TOKEN_ALGS.find((a) => a === headerAlg(token));
      auth
        .tokenKeys(account)
        .then(async ({ keys, generation }) => {
          const r = await verifyToken(token, {
            subject: account,
            allowed,
            keys,
            nowMs: auth.now(),
            skewS: auth.skewS,
          });
          if (!r.ok) {
            d.logins?.fail(account, ip);
            return refuse(4, r.reason, methodOf(r.alg ?? named ?? allowed[0]!));
          }
          d.logins?.succeed(account, ip);
          const method = methodOf(r.alg);
          Object.assign(d.connectPacket(client) ?? {}, {
            auth: method,
            identity: account,
            tokenExp: r.exp,
            tokenGeneration: generation,
          });
          admit(tenant, { identity: account, auth: method, exp: r.exp, generation });
        })
        .catch((err: unknown) => {
          d.logger.error('token check failed', { err: String(err) });
          refuse(5, 'token check failed');
        });
    }

    /** A login that is right: TLS-only, the seat lock and the client id decide the rest. */
    function admit(tenant: Tenant, info: SessionInfo): void {
      const why =
        tenant.spec.tlsOnly && !d.encrypted(client)
          ? 'this lab takes MQTT over TLS only: connect to mqtt.tlsUrl (or mqtt.wssUrl)'
          : tenant.spec.allowPeer && !tenant.spec.allowPeer(ip)
            ? 'not from the seat address'
            : undefined;
      if (why !== undefined) {
        d.recordHandshake(client, tenant.spec.record);
        tenant.spec.record('mqtt.connect', {
          peer,
          ...d.connectPacket(client),
          accepted: false,
          returnCode: 5,
          error: why,
        });
        return done(Object.assign(new Error(why), { returnCode: 5 }), false);
      }
      const clean = d.connectPacket(client)?.['clean'] !== false;
      if (!d.tenants.seat(client, tenant, clean))
        return refuse(2, 'client id in use by another candidate');
      d.noteSession(client, info);
      d.recordHandshake(client, tenant.spec.record);
      done(null, true);
    }
  };
}
