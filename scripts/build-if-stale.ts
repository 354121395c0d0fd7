import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Run by `npm start` before the server (and by `npm run lighthouse`): rebuild the app only when a
// source is newer than the build, so a fresh checkout just works and a restart does not pay for
// a full build.

const root = fileURLToPath(new URL('..', import.meta.url));
const BUILD_MARKER = join(root, 'dist', 'index.html');
const SOURCES = ['web', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(root, p));

/** Newest modification time under `path` (a file or a directory), or 0 when it does not exist. */
function newestMtime(path: string): number {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stats.mtimeMs);
}

/** Builds dist/ when it is missing or older than a source; exits the process if the build fails. */
export function buildIfStale(): void {
  const builtAt = newestMtime(BUILD_MARKER);
  const sourcesAt = Math.max(...SOURCES.map(newestMtime));
  if (builtAt > 0 && builtAt >= sourcesAt) {
    console.log('dist/ is current; skipping the build.');
    return;
  }
  console.log(builtAt === 0 ? 'dist/ has no build; building…' : 'Sources changed since the last build; building…');
  // shell: true so that npx resolves on Windows too (npx.cmd).
  const result = spawnSync('npx vite build', { cwd: root, stdio: 'inherit', shell: true });
  if (result.status !== 0) {
    console.error(`vite build failed (${result.error?.message ?? `exit code ${result.status}`})`);
    process.exit(result.status || 1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) buildIfStale();
