import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { CLOSE_CODES } from '../../web/protocol/errors.ts';
import { WS_SUBPROTOCOL } from '../../web/protocol/server-frames.ts';
import { startServer } from '../fixtures/server.ts';
import { TestClient, wsUrlOf } from '../fixtures/ws-client.ts';

function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get('content-security-policy')).toBe(
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
      "img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; " +
      "frame-ancestors 'none'",
  );
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
}

/** The HTTP status with which the server refused a WebSocket upgrade. */
async function refusedUpgradeStatus(url: string, protocols: string[]): Promise<number> {
  const ws = new WebSocket(url, protocols);
  ws.on('error', () => {}); // the refusal is observed through 'unexpected-response'
  const [, response] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
  ws.terminate();
  return response.statusCode;
}

async function makeAppDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tincan-static-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Tincan</title>');
  await writeFile(join(dir, 'assets', 'app-3f9a.js'), 'console.log(1)');
  return dir;
}

/** A GET with exactly these request headers (fetch would add Accept-Encoding and decode the body itself). */
async function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => get(url, { headers }, resolve).on('error', reject));
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) };
}

/** An installable build as vite.config.ts writes it: a service worker, a manifest, and .br/.gz beside text files. */
async function makeInstallableAppDir(): Promise<{ dir: string; script: string }> {
  const dir = await makeAppDir();
  const script = 'console.log("the app");'.repeat(100);
  await writeFile(join(dir, 'service-worker.js'), 'self.addEventListener("fetch", () => {})');
  await writeFile(join(dir, 'manifest.webmanifest'), JSON.stringify({ name: 'Tincan', start_url: '/' }));
  await writeFile(join(dir, 'assets', 'index-a1b2.js'), script);
  await writeFile(join(dir, 'assets', 'index-a1b2.js.br'), brotliCompressSync(script));
  await writeFile(join(dir, 'assets', 'index-a1b2.js.gz'), gzipSync(script));
  return { dir, script };
}

describe('HTTP', () => {
  it('answers /healthz with ok and the security headers', async () => {
    const server = await startServer();
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true });
    expectSecurityHeaders(response);
  });

  it('answers 404 without a static directory, still with the security headers', async () => {
    const server = await startServer();
    const response = await fetch(`${server.url}/index.html`);
    expect(response.status).toBe(404);
    expectSecurityHeaders(response);
  });

  it('answers other methods with 405', async () => {
    const server = await startServer();
    const response = await fetch(`${server.url}/healthz`, { method: 'POST' });
    expect(response.status).toBe(405);
  });

  it('serves the built app, caching only /assets/ forever', async () => {
    const server = await startServer({ staticDir: await makeAppDir() });

    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await index.text()).toContain('<title>Tincan</title>');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expectSecurityHeaders(index);

    const asset = await fetch(`${server.url}/assets/app-3f9a.js`);
    expect(await asset.text()).toBe('console.log(1)');
    expect(asset.headers.get('cache-control')).toContain('immutable');

    const etag = index.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await fetch(`${server.url}/`, { headers: { 'If-None-Match': etag! } })).status).toBe(304);
    expect((await fetch(`${server.url}/missing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/../../etc/passwd`)).status).toBe(404);
  });

  it('has browsers revalidate the service worker and the manifest, so that a new version is seen at once', async () => {
    const { dir } = await makeInstallableAppDir();
    const server = await startServer({ staticDir: dir });

    const worker = await fetch(`${server.url}/service-worker.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(worker.headers.get('cache-control')).toBe('no-cache');
    expectSecurityHeaders(worker);
    const etag = worker.headers.get('etag');
    expect((await fetch(`${server.url}/service-worker.js`, { headers: { 'If-None-Match': etag! } })).status).toBe(304);

    const manifest = await fetch(`${server.url}/manifest.webmanifest`);
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json');
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
    expect(await manifest.json()).toMatchObject({ name: 'Tincan' });
  });

  it('sends the precompressed file a browser accepts: brotli, else gzip, else the file itself', async () => {
    const { dir, script } = await makeInstallableAppDir();
    const server = await startServer({ staticDir: dir });
    const url = `${server.url}/assets/index-a1b2.js`;

    const br = await rawGet(url, { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(script);
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers['cache-control']).toContain('immutable');
    expect(br.headers.vary).toBe('Accept-Encoding');

    const gz = await rawGet(url, { 'Accept-Encoding': 'gzip, deflate' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(script);

    const plain = await rawGet(url);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
  });

  it('refuses a WebSocket upgrade without the tincan subprotocol or off /ws', async () => {
    const server = await startServer();
    expect(await refusedUpgradeStatus(wsUrlOf(server.url), [])).toBe(400);
    expect(await refusedUpgradeStatus(wsUrlOf(server.url), ['tincan.v0'])).toBe(400);
    expect(await refusedUpgradeStatus(`${server.url.replace('http', 'ws')}/other`, [WS_SUBPROTOCOL])).toBe(404);
  });

  it('negotiates the subprotocol among several offered', async () => {
    const server = await startServer();
    const client = await TestClient.connect(server.url, { protocols: ['tincan.v0', WS_SUBPROTOCOL] });
    expect(client.ws.protocol).toBe(WS_SUBPROTOCOL);
    await client.authenticate();
  });

  it('closes every socket with 1001 on close(), and close() may be called twice', async () => {
    const server = await startServer();
    const [authed, fresh] = await Promise.all([TestClient.authenticated(server.url), TestClient.connect(server.url)]);
    await Promise.all([server.close(), server.close()]);
    expect((await authed.closed).code).toBe(CLOSE_CODES.goingAway);
    expect((await fresh.closed).code).toBe(CLOSE_CODES.goingAway);
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
