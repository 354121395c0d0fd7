import { createServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { SERVER_LIMITS, type ServerLimits } from '../web/protocol/limits.ts';
import { WS_PATH, WS_SUBPROTOCOL } from '../web/protocol/server-frames.ts';
import { acceptedAuthOrigins } from './auth.ts';
import { Connection, type ConnectionContext } from './connection.ts';
import { BlobRouter } from './delivery.ts';
import { createHttpHandler, pathOf, SECURITY_HEADERS } from './http-handler.ts';
import { Mailbox } from './mailbox.ts';
import { PrekeyExchange } from './prekey-exchange.ts';
import { PrekeyStore } from './prekeys.ts';
import { PresenceRegistry } from './presence.ts';
import type { IceOptions } from './ice.ts';

// The server factory. It starts on any free port by default and returns its URL, so tests run as
// many servers as they like; main.ts only turns configuration into these options.

export interface SignalServerOptions {
  /** 0 (the default) picks any free port. */
  port?: number;
  host?: string;
  /** Directory of the built app to serve; null or undefined serves no files. */
  staticDir?: string | null;
  /** The origin clients reach this server at (e.g. "https://chat.example"); see auth.ts. */
  publicOrigin?: string;
  /**
   * Directory of the database (`mailbox.sqlite`: mailbox and prekeys); it must exist. Without one
   * both are in memory and lost on close: that is for tests only, main.ts always passes DATA_DIR.
   */
  dataDir?: string;
  limits?: Partial<ServerLimits>;
  /** STUN/TURN servers for clients; without them WebRTC uses host candidates only. */
  ice?: IceOptions;
  log?: (line: string) => void;
}

export interface SignalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function createSignalServer(options: SignalServerOptions = {}): Promise<SignalServer> {
  const host = options.host ?? '127.0.0.1';
  const limits: ServerLimits = { ...SERVER_LIMITS, ...options.limits };
  const log = options.log ?? (() => {});
  const databasePath = options.dataDir === undefined ? ':memory:' : join(options.dataDir, 'mailbox.sqlite');
  const mailbox = new Mailbox(databasePath, { limits, log });
  // Opened second: the mailbox has brought the file's schema up to date.
  let prekeyStore: PrekeyStore;
  try {
    prekeyStore = new PrekeyStore(databasePath, limits);
  } catch (error) {
    mailbox.close();
    throw error;
  }
  const presence = new PresenceRegistry<Connection>();
  const router = new BlobRouter(mailbox, limits, presence, log);
  const prekeys = new PrekeyExchange(prekeyStore, limits, presence, log);
  const context: ConnectionContext = { limits, presence, mailbox, router, prekeys, log, ice: options.ice };
  const connections = new Set<Connection>();
  let shuttingDown: Promise<void> | null = null;

  const httpServer = createServer(createHttpHandler(options.staticDir, log));
  const wss = new WebSocketServer({
    noServer: true,
    // Larger frames are refused by ws itself with close code 1009 before they are buffered whole.
    maxPayload: limits.maxFrameBytes,
    // ws cannot refuse an upgrade from here (false only omits the header), so the upgrade handler
    // below rejects clients that did not offer the protocol; this picks it among those offered.
    handleProtocols: (offered) => (offered.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false),
  });

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (pathOf(req) !== WS_PATH) return refuseUpgrade(socket, 404);
    // A client speaking another protocol version must fail at the handshake, not mid-session.
    if (!offeredProtocols(req).includes(WS_SUBPROTOCOL)) return refuseUpgrade(socket, 400);
    if (shuttingDown) return refuseUpgrade(socket, 503);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const origins = acceptedAuthOrigins(options.publicOrigin, req.headers.host);
      const connection = new Connection(ws, origins, context);
      connections.add(connection);
      void connection.closed.then(() => connections.delete(connection));
    });
  });

  // Browsers cannot see WebSocket pings, but a half-open TCP connection (a phone that changed
  // networks) would otherwise keep an ID "online" and swallow its signals indefinitely.
  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat();
  }, limits.heartbeatIntervalMs);
  heartbeat.unref();

  // Expired blobs are never delivered (see Mailbox.pending); the sweeper deletes them for good.
  const sweep = (): void => {
    try {
      const deleted = mailbox.sweep();
      if (deleted > 0) log(`mailbox: deleted ${deleted} expired blob(s)`);
    } catch (error) {
      log(`mailbox: sweep failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  sweep();
  const sweeper = setInterval(sweep, limits.sweepIntervalMs);
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    clearInterval(heartbeat);
    clearInterval(sweeper);
    mailbox.close();
    prekeyStore.close();
    throw error;
  });
  const port = (httpServer.address() as AddressInfo).port;

  async function shutdown(): Promise<void> {
    clearInterval(heartbeat);
    clearInterval(sweeper);
    await Promise.all([...connections].map((connection) => connection.shutdown()));
    wss.close();
    const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeAllConnections(); // idle keep-alive sockets would otherwise hold close() open
    await stopped;
    // Last: commits what connections queued before they closed.
    mailbox.close();
    prekeyStore.close();
  }

  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    close: () => (shuttingDown ??= shutdown()),
  };
}

function offeredProtocols(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
}

function refuseUpgrade(socket: Duplex, status: number): void {
  const headers = { ...SECURITY_HEADERS, Connection: 'close', 'Content-Length': '0' };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${String(value)}`);
  socket.once('finish', () => socket.destroy()); // do not wait for the client to hang up
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('\r\n')}\r\n\r\n`);
}

/** A wildcard bind address is not something to connect to; loopback reaches it. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
