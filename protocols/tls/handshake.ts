/**
 * What a TLS handshake shows, as `tls.handshake` evidence: the negotiated version and cipher, the
 * SNI and ALPN the client sent, and the client certificate (mutual TLS) if it gave one; for a
 * failed handshake, the reason and the TLS alert (RFC 8446 §6.2) when OpenSSL names one.
 */
import type { TLSSocket } from 'node:tls';

export type HandshakeFields = {
  ok: boolean;
  transport: 'mqtts' | 'wss';
  peer?: string;
  protocol?: string | null;
  cipher?: string;
  sni?: string | null;
  alpn?: string | null;
  clientCert?: {
    subject: string;
    /** The subject's CN: the identity of a client certificate from the CA (mutual TLS). */
    cn: string | null;
    sha256: string;
    authorized: boolean;
    error?: string;
  } | null;
  error?: string;
  reason?: string;
  alert?: string;
  /** The security fault in force on the server certificate served (simulator/tls-faults.ts). */
  serverCertFault?: string;
};

/**
 * The identity a completed handshake proves: the CN of a client certificate the CA signed
 * (EMQX's `peer_cert_as_username = cn`, AWS IoT's certificate identity), else undefined.
 */
export function certificateIdentity(h: HandshakeFields): string | undefined {
  const c = h.clientCert;
  return c && c.authorized && c.cn ? c.cn : undefined;
}

/** A completed handshake. */
export function handshakeOf(
  socket: TLSSocket,
  transport: HandshakeFields['transport'],
): HandshakeFields {
  const cert = socket.getPeerX509Certificate();
  const authError = socket.authorizationError as Error | string | null | undefined;
  return {
    ok: true,
    transport,
    peer: `${socket.remoteAddress}:${socket.remotePort}`,
    protocol: socket.getProtocol(),
    cipher: socket.getCipher().standardName,
    sni: typeof socket.servername === 'string' ? socket.servername : null,
    alpn: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : null,
    clientCert: cert
      ? {
          // A peer's certificate may carry a subject of kilobytes: the evidence keeps its start.
          subject: clip(cert.subject.replace(/\n/g, ', ')),
          cn: clipOrNull(/^CN=(.*)$/m.exec(cert.subject)?.[1]),
          sha256: cert.fingerprint256,
          authorized: socket.authorized,
          ...(authError ? { error: String(authError) } : {}),
        }
      : null,
  };
}

/** A handshake that failed (`tlsClientError`): the error code, a readable reason, the alert. */
export function handshakeFailure(
  err: Error & { code?: string },
  socket: TLSSocket | undefined,
  transport: HandshakeFields['transport'],
  peer: string | undefined,
): HandshakeFields {
  // OpenSSL: "…:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:…" → "unknown ca".
  const alert = /(?:tlsv1|sslv3|tls) alert ([a-z ]+)/i.exec(err.message)?.[1];
  const routine = /SSL routines:[^:]*:([^:]+)/.exec(err.message)?.[1];
  return {
    ok: false,
    transport,
    ...(peer ? { peer } : {}),
    ...(socket?.servername ? { sni: socket.servername } : {}),
    error: err.code ?? 'TLS_ERROR',
    reason: routine ?? err.message.split('\n')[0]!.slice(0, 200),
    ...(alert ? { alert: alert.trim() } : {}),
  };
}

/** What the evidence keeps of a peer-chosen certificate field: its first SUBJECT_MAX chars. */
const SUBJECT_MAX = 512;
const clip = (s: string): string => (s.length > SUBJECT_MAX ? `${s.slice(0, SUBJECT_MAX)}…` : s);
const clipOrNull = (s: string | undefined): string | null => (s === undefined ? null : clip(s));
