import { existsSync } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import sirv from 'sirv';

// Plain HTTP: a health check and the built app. The WebSocket upgrade is handled in server.ts.

/**
 * Sent on every HTTP response. The app needs WebAssembly (libsodium), inline styles (Svelte
 * transitions) and WebSocket connections; nothing else may load, and no other site may frame it
 * or learn which page (with an invite link in it) a click came from.
 */
export const SECURITY_HEADERS: OutgoingHttpHeaders = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; " +
    "frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/** Vite puts content-hashed files under /assets/, so they can be cached forever. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/**
 * Everything else must be revalidated (a 304 when unchanged): index.html, the web app manifest and
 * above all the service worker, whose bytes are how browsers learn that a new version exists.
 */
const REVALIDATE_CACHE = 'no-cache';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function createHttpHandler(staticDir: string | null | undefined, log: (line: string) => void): Handler {
  const serveStatic = staticDir ? createStaticHandler(staticDir, log) : null;
  return (req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (value !== undefined) res.setHeader(name, value);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (pathOf(req) === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true }));
      return;
    }
    const notFound = (): void => void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
    if (serveStatic) serveStatic(req, res, notFound);
    else notFound();
  };
}

function createStaticHandler(dir: string, log: (line: string) => void): ReturnType<typeof sirv> | null {
  // sirv lists the files once at startup (dev: false), which fails on a missing directory.
  if (!existsSync(dir)) {
    log(`static directory ${dir} does not exist; serving no app (run \`npm run build\`)`);
    return null;
  }
  return sirv(dir, {
    etag: true,
    dev: false,
    // The build writes .br and .gz beside each text file (vite.config.ts): sent to browsers that
    // accept them, with `Vary: Accept-Encoding`.
    brotli: true,
    gzip: true,
    setHeaders: (res, pathname) =>
      res.setHeader('Cache-Control', pathname.startsWith('/assets/') ? IMMUTABLE_CACHE : REVALIDATE_CACHE),
  });
}

/** The path without the query string. */
export const pathOf = (req: IncomingMessage): string => (req.url ?? '/').split('?', 1)[0] ?? '/';
