import { mkdir } from 'node:fs/promises';
import { readConfig } from './config.ts';
import { createSignalServer, type SignalServer } from './server.ts';

// The entry point (`npm start`): configuration in, a running server out, a clean stop on signals.
// Everything else lives in the factory so that tests run exactly what production runs.

async function start(): Promise<SignalServer> {
  const config = readConfig(process.argv.slice(2), process.env);
  await mkdir(config.dataDir, { recursive: true });
  const started = await createSignalServer({
    port: config.port,
    host: config.host,
    staticDir: config.staticDir,
    publicOrigin: config.publicOrigin,
    dataDir: config.dataDir,
    ice: config.ice,
    log: (line) => console.log(line),
  });
  console.log(`Tincan listening on http://localhost:${started.port} (bound to ${config.host})`);
  return started;
}

// A bad setting or a taken port is the operator's to fix: say what it is, without a stack trace.
const server = await start().catch((error: unknown) => {
  console.error(`Tincan could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  // A second Ctrl-C means "now": don't make someone wait on a client that won't hang up.
  if (stopping) process.exit(130);
  stopping = true;
  console.log(`${signal}: closing connections…`);
  await server.close();
  process.exit(0);
}
process.on('SIGINT', (signal) => void stop(signal));
process.on('SIGTERM', (signal) => void stop(signal));
