import { execFileSync } from 'node:child_process';

// Thin wrappers over `ip` and `iptables` for building throwaway networks out of Linux network
// namespaces. Every namespace a test bed makes carries one prefix, so a crashed run's leftovers
// can be found and removed by the next one.

export const NAMESPACE_PREFIX = 'tincan-nat-';

/** Runs a command and returns its stdout; a failure throws with the command and its stderr. */
export function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || String(error)}`);
  }
}

/** `ip -n NS …`: an `ip` command inside a namespace. */
export const ipIn = (ns: string, ...args: string[]): string => run('ip', ['-n', ns, ...args]);

/** Any command inside a namespace. */
export const execIn = (ns: string, command: string, ...args: string[]): string =>
  run('ip', ['netns', 'exec', ns, command, ...args]);

/** `iptables …` inside a namespace (each namespace has its own tables). */
export const iptablesIn = (ns: string, ...args: string[]): string => execIn(ns, 'iptables', '-w', ...args);

export function addNamespace(ns: string): void {
  run('ip', ['netns', 'add', ns]);
  ipIn(ns, 'link', 'set', 'lo', 'up');
}

/** Deleting a namespace also deletes the veth ends inside it and its iptables rules. */
export function deleteNamespace(ns: string): void {
  try {
    run('ip', ['netns', 'delete', ns]);
  } catch {
    // already gone
  }
}

export function listNamespaces(): string[] {
  return run('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** Removes what earlier runs left behind (a killed run cannot clean up after itself). */
export function deleteLeftoverNamespaces(): void {
  for (const ns of listNamespaces()) if (ns.startsWith(NAMESPACE_PREFIX)) deleteNamespace(ns);
}

/** Why the test bed must be skipped here, or null: it needs Linux and root, nothing else. */
export function skipReason(): string | null {
  if (process.platform !== 'linux') return 'the NAT test bed needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'the NAT test bed needs root (network namespaces and iptables); CI runs it as root';
  return null;
}

/** As root, missing tools are an installation error, not a reason to skip: CI installs them. */
export function requireTools(): void {
  for (const tool of ['ip', 'iptables', 'turnserver', 'python3']) {
    try {
      run('sh', ['-c', `command -v ${tool}`]);
    } catch {
      throw new Error(`The NAT test bed needs ${tool}: apt-get install iproute2 iptables coturn python3`);
    }
  }
}
