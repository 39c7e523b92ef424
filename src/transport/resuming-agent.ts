/**
 * An HTTPS agent for a server that closes every JSON connection (WeChat, §1.1): nearly every
 * request is a new TLS handshake, so what a handshake costs the client is what a message costs.
 *
 * It differs from `https.Agent` in three measured ways (bench/compare, about 0.3 ms of CPU per
 * connection together, a fifth of what a connection costs):
 * - one secure context for all connections, built once (https.Agent builds one per connection
 *   unless given one); agents given no option that shapes a context share one for the process:
 *   OpenSSL 3 makes a context dearly (about 3 ms), and every web account has its own agent, so a
 *   restart of 1,000 accounts built a thousand identical ones (bench/scale restore profile). Only
 *   the context is shared: each agent keeps its own sessions (tickets are never offered across
 *   accounts), and Node turns OpenSSL's internal client session cache off, so a context holds none;
 * - a resumed session is decoded once: `tls.connect({ session })` hands the session to OpenSSL
 *   twice (in the TLSSocket constructor and again in connect()), and with OpenSSL 3 decoding the
 *   peer certificate inside it is the dearest single step of a resumed handshake;
 * - of the tickets a TLS 1.3 server sends after each handshake only the first is kept, so the
 *   others are never serialised.
 * Trust is unchanged: the platform store plus NODE_EXTRA_CA_CERTS, with the host name checked as
 * by tls.connect.
 */
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/** Sessions kept, one per host and port (a session is only offered to the host that issued it). */
const MAX_SESSIONS = 32;

/** Options of `tls.createSecureContext`: an agent given any of them builds a context of its own. */
const CONTEXT_OPTIONS = (
  'ca cert key pfx passphrase ciphers ecdhCurve honorCipherOrder minVersion maxVersion secureOptions secureProtocol ' +
  'sessionIdContext ticketKeys sigalgs privateKeyEngine privateKeyIdentifier clientCertEngine crl dhparam ' +
  'sessionTimeout allowPartialTrustChain'
).split(' ');

let defaultContext: tls.SecureContext | undefined;

/** The context for these options: the process's shared one when nothing in them shapes a context. */
export function secureContextFor(options: https.AgentOptions): tls.SecureContext {
  if (options.secureContext) return options.secureContext;
  const own = CONTEXT_OPTIONS.some((k) => (options as Record<string, unknown>)[k] !== undefined);
  return own ? tls.createSecureContext(options) : (defaultContext ??= tls.createSecureContext());
}

type Resumable = tls.TLSSocket & { setSession?(session: Buffer): void };

export class ResumingAgent extends https.Agent {
  private readonly sessions = new Map<string, Buffer>();
  private readonly context: tls.SecureContext;

  constructor(options: https.AgentOptions = {}) {
    const context = secureContextFor(options);
    // The agent's own session cache is off: this class keeps its own (see above).
    super({ ...options, secureContext: context, maxCachedSessions: 0 });
    this.context = context;
  }

  /**
   * A TLS socket to `options.host`. Node's requests pass the agent's options in; a caller that opens its own sockets
   * (the web session's pool and long poll) passes only where to: without the agent's context here, tls.connect built
   * one per connection, about 3 ms each on OpenSSL 3.
   */
  override createConnection(options: tls.ConnectionOptions): Duplex {
    if (!options.secureContext) options = { ...options, secureContext: this.context };
    const key = `${options.servername ?? options.host}:${options.port}`;
    const session = this.sessions.get(key);
    let socket: tls.TLSSocket;
    if (session && typeof (tls.TLSSocket.prototype as Resumable).setSession === 'function') {
      // Set after tls.connect() returned: the TCP connection is not open yet, so the session is in
      // place before the handshake starts. (setSession is what tls.connect itself calls; it is not
      // in the typings, hence the check, with the plain way as the fallback.)
      socket = tls.connect({ ...options, session: undefined });
      (socket as Resumable).setSession!(session);
    } else {
      socket = tls.connect({ ...options, ...(session && { session }) });
    }
    socket.once('session', (s: Buffer) => {
      this.sessions.delete(key);
      if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
      this.sessions.set(key, s);
    });
    // A failed connection may be the session's fault (the server forgot it): start afresh.
    socket.once('close', (hadError: boolean) => {
      if (hadError) this.sessions.delete(key);
    });
    return socket;
  }
}
