import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TURN_TTL_SECONDS, type IceOptions } from './ice.ts';

// Command line and environment → server settings. Pure (no file system access), so every rule is
// unit-tested; a bad value fails at startup with the variable's name, not later with a symptom.

export interface ServerConfig {
  port: number;
  host: string;
  /** Where the server keeps its state (the SQLite mailbox); main.ts creates it. */
  dataDir: string;
  /** The built app (`vite build` output). */
  staticDir: string;
  /** See SignalServerOptions.publicOrigin; undefined trusts the Host header. */
  publicOrigin: string | undefined;
  /** STUN/TURN for clients (STUN_URLS, TURN_URLS, TURN_SECRET, TURN_TTL_SECONDS); undefined: none. */
  ice: IceOptions | undefined;
}

const DEFAULT_PORT = 8080;
// Listen on every interface by default: the server is meant to be reached from other devices.
const DEFAULT_HOST = '0.0.0.0';

/** Relative paths are taken from the repository root, so the server finds its files from any cwd. */
const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig {
  const args = parseArgs(argv);
  const portText = args.get('--port') ?? nonEmpty(env.PORT);
  return {
    port: portText === undefined ? DEFAULT_PORT : parsePort(portText, args.has('--port') ? '--port' : 'PORT'),
    host: args.get('--host') ?? nonEmpty(env.HOST) ?? DEFAULT_HOST,
    dataDir: fromRepositoryRoot(nonEmpty(env.DATA_DIR) ?? './data'),
    staticDir: fromRepositoryRoot(nonEmpty(env.STATIC_DIR) ?? 'dist'),
    publicOrigin: parsePublicOrigin(nonEmpty(env.PUBLIC_ORIGIN)),
    ice: parseIce(env),
  };
}

const KNOWN_OPTIONS = new Set(['--port', '--host']);

/** Accepts `--name value` and `--name=value`; anything unknown is an error, not silently ignored. */
function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (!KNOWN_OPTIONS.has(name)) throw new Error(`Unknown option "${arg}" (expected --port or --host)`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new Error(`Option ${name} needs a value`);
    args.set(name, value);
  }
  return args;
}

/** An empty variable (e.g. from a compose file template) means "not set". */
const nonEmpty = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

function parsePort(text: string, source: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  // 0 is allowed: it asks for any free port, and main.ts prints the one it got.
  if (!Number.isInteger(port) || port > 65535) {
    throw new Error(`${source} must be a port number from 0 to 65535, got "${text}"`);
  }
  return port;
}

function parsePublicOrigin(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || !isBareOrigin(url)) {
    throw new Error(`PUBLIC_ORIGIN must be an origin such as https://chat.example (no path), got "${text}"`);
  }
  return url.origin;
}

/** Clients sign exactly scheme://host[:port]; anything more could never match their signature. */
const isBareOrigin = (url: URL): boolean =>
  (url.protocol === 'http:' || url.protocol === 'https:') &&
  url.pathname === '/' &&
  !url.search &&
  !url.hash &&
  !url.username &&
  !url.password;

/** Comma-separated ICE URLs, each checked for its scheme so a typo fails at startup. */
function parseIceUrls(text: string | undefined, name: string, schemes: string[]): string[] {
  const urls = (text ?? '').split(',').map((u) => u.trim()).filter((u) => u !== '');
  for (const url of urls) {
    if (!schemes.some((scheme) => url.startsWith(`${scheme}:`))) {
      throw new Error(`${name} entries must start with ${schemes.map((s) => `${s}:`).join(' or ')}, got "${url}"`);
    }
  }
  return urls;
}

function parseIce(env: NodeJS.ProcessEnv): IceOptions | undefined {
  const stunUrls = parseIceUrls(nonEmpty(env.STUN_URLS), 'STUN_URLS', ['stun', 'stuns']);
  const turnUrls = parseIceUrls(nonEmpty(env.TURN_URLS), 'TURN_URLS', ['turn', 'turns']);
  const turnSecret = nonEmpty(env.TURN_SECRET);
  if (turnUrls.length > 0 && turnSecret === undefined) {
    throw new Error('TURN_URLS needs TURN_SECRET (coturn static-auth-secret) to issue credentials');
  }
  const ttlText = nonEmpty(env.TURN_TTL_SECONDS);
  const turnTtlSeconds = ttlText === undefined ? DEFAULT_TURN_TTL_SECONDS : Number(ttlText);
  if (!Number.isInteger(turnTtlSeconds) || turnTtlSeconds < 60 || turnTtlSeconds > 86_400) {
    throw new Error(`TURN_TTL_SECONDS must be a whole number from 60 to 86400, got "${ttlText}"`);
  }
  if (stunUrls.length === 0 && turnUrls.length === 0) return undefined;
  return { stunUrls, turnUrls, ...(turnSecret === undefined ? {} : { turnSecret }), turnTtlSeconds };
}

const fromRepositoryRoot = (path: string): string => (isAbsolute(path) ? path : resolve(REPOSITORY_ROOT, path));
