import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { addNamespace, deleteNamespace, execIn, ipIn, iptablesIn, NAMESPACE_PREFIX } from './netns.ts';

// A small internet in network namespaces: one "public" segment (a bridge) where the Tincan server
// and coturn live, and home networks, each a host behind its own NAT router on that segment.
//
//   home A (10.1.0.2) ── router A (NAT, 192.88.99.11) ──┐
//                                                        ├── public bridge: server + coturn (192.88.99.2)
//   home B (10.2.0.2) ── router B (NAT, 192.88.99.12) ──┘
//
// The public addresses come from 192.88.99.0/24, a range that never leaves these namespaces and
// that the hardened coturn configuration (deploy/turnserver.conf) does not deny, so coturn relays
// to the routers just as it would to real home routers on the internet.

export const PUBLIC_PREFIX = '192.88.99';
export const PUBLIC_HOST_IP = `${PUBLIC_PREFIX}.2`;

/**
 * How a home router translates and filters:
 * - `full-cone`: endpoint-independent mapping and filtering. MASQUERADE keeps the source port and
 *   a DNAT rule sends inbound UDP to the home host. (Without the DNAT, the peer's first probe
 *   creates a conntrack entry of its own and the host's next packet gets a new port, which breaks
 *   simultaneous hole punching.)
 * - `symmetric`: a fresh random port for every destination (`--random-fully`) and no unsolicited
 *   inbound traffic: hole punching cannot work, only a relay can.
 */
export type NatKind = 'full-cone' | 'symmetric';

export interface HomeOptions {
  nat: NatKind;
  /** Drop all outbound UDP, as restrictive corporate networks do: only TCP gets out. */
  blockUdp?: boolean;
  /** Impair the router's WAN egress (like `tc netem` there): fixed delay and random loss. */
  impairment?: { delayMs: number; lossPercent: number };
}

export interface Home {
  name: string;
  /** The namespace where the person's browser runs. */
  hostNs: string;
  routerNs: string;
  hostIp: string;
  /** The router's address on the public segment: what the peer sees as this home's address. */
  publicIp: string;
}

const DELAY_QUEUE = fileURLToPath(new URL('./delay-queue.py', import.meta.url));

export class TestNetwork {
  readonly publicNs: string;
  private readonly namespaces: string[] = [];
  private readonly helpers: ChildProcess[] = [];
  private homes = 0;

  private constructor(private readonly id: string) {
    this.publicNs = `${NAMESPACE_PREFIX}${id}-pub`;
  }

  /** The public segment: a bridge carrying the address the server and coturn listen on. */
  static create(): TestNetwork {
    const network = new TestNetwork(`${process.pid % 100_000}-${Math.floor(Math.random() * 1e4)}`);
    const ns = network.publicNs;
    network.addNamespace(ns);
    ipIn(ns, 'link', 'add', 'br0', 'type', 'bridge');
    ipIn(ns, 'addr', 'add', `${PUBLIC_HOST_IP}/24`, 'dev', 'br0');
    ipIn(ns, 'link', 'set', 'br0', 'up');
    return network;
  }

  /** A home host behind a NAT router of the given kind, attached to the public segment. */
  async addHome(name: string, options: HomeOptions): Promise<Home> {
    const index = ++this.homes;
    const routerNs = `${NAMESPACE_PREFIX}${this.id}-r${index}`;
    const hostNs = `${NAMESPACE_PREFIX}${this.id}-h${index}`;
    const publicIp = `${PUBLIC_PREFIX}.${10 + index}`;
    const lan = `10.${index}.0`;
    const hostIp = `${lan}.2`;
    this.addNamespace(routerNs);
    this.addNamespace(hostNs);

    // Router WAN on the public bridge; LAN to the home host.
    ipIn(routerNs, 'link', 'add', 'wan', 'type', 'veth', 'peer', 'name', `wan${index}`, 'netns', this.publicNs);
    ipIn(this.publicNs, 'link', 'set', `wan${index}`, 'master', 'br0', 'up');
    ipIn(routerNs, 'addr', 'add', `${publicIp}/24`, 'dev', 'wan');
    ipIn(routerNs, 'link', 'set', 'wan', 'up');
    ipIn(routerNs, 'link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', hostNs);
    ipIn(routerNs, 'addr', 'add', `${lan}.1/24`, 'dev', 'lan');
    ipIn(routerNs, 'link', 'set', 'lan', 'up');
    ipIn(hostNs, 'addr', 'add', `${hostIp}/24`, 'dev', 'eth0');
    ipIn(hostNs, 'link', 'set', 'eth0', 'up');
    ipIn(hostNs, 'route', 'add', 'default', 'via', `${lan}.1`);
    execIn(routerNs, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    execIn(routerNs, 'sysctl', '-qw', 'net.netfilter.nf_conntrack_acct=1'); // packet counts per flow

    // Filtering: replies to what the home started get in; nothing else does (unless full cone).
    iptablesIn(routerNs, '-P', 'FORWARD', 'DROP');
    iptablesIn(routerNs, '-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT');
    if (options.blockUdp) iptablesIn(routerNs, '-A', 'FORWARD', '-i', 'lan', '-p', 'udp', '-j', 'DROP');
    iptablesIn(routerNs, '-A', 'FORWARD', '-i', 'lan', '-o', 'wan', '-j', 'ACCEPT');
    const masquerade = ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE'];
    iptablesIn(routerNs, ...masquerade, ...(options.nat === 'symmetric' ? ['--random-fully'] : []));
    if (options.nat === 'full-cone') {
      iptablesIn(routerNs, '-t', 'nat', '-A', 'PREROUTING', '-i', 'wan', '-p', 'udp', '-j', 'DNAT', '--to-destination', hostIp);
      iptablesIn(routerNs, '-A', 'FORWARD', '-i', 'wan', '-o', 'lan', '-p', 'udp', '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'ACCEPT');
    }
    if (options.impairment) await this.impair(routerNs, index, options.impairment);
    return { name, hostNs, routerNs, hostIp, publicIp };
  }

  /**
   * Packets the home's router saw on UDP flows between the home and `publicIp` (the other home's
   * router), from its connection tracking table, whichever side started the flow: `out` from the
   * home, `back` to it. A direct WebRTC path shows both; a relayed one at most unanswered probes.
   */
  udpFlowTo(home: Home, publicIp: string): { out: number; back: number } {
    let out = 0;
    let back = 0;
    for (const flow of execIn(home.routerNs, 'cat', '/proc/net/nf_conntrack').split('\n')) {
      if (!/\budp\b/.test(flow)) continue;
      const packets = [...flow.matchAll(/packets=(\d+)/g)].map((m) => Number(m[1]));
      const [first, second] = [packets[0] ?? 0, packets[1] ?? 0];
      const fromHome = `src=${home.hostIp} dst=${publicIp} `;
      if (flow.indexOf(fromHome) === flow.indexOf('src=')) {
        out += first; // started by the home: the original direction is outbound
        back += second;
      } else if (flow.includes(`src=${publicIp} dst=${home.publicIp} `) && flow.includes(fromHome)) {
        back += first; // started outside and forwarded to the home (full cone); not probes that
        out += second; // ended at the router itself
      }
    }
    return { out, back };
  }

  /**
   * The homes' public addresses change, as when a phone moves from Wi-Fi to mobile data: each
   * router gets a new WAN address and forgets every mapping it had (MASQUERADE drops the
   * connections of a removed address). Every old address goes before any new one comes, so that
   * with several homes no packet from a new address can reach an old one that is still up: the
   * peers learn nothing of each other's new address from the network. Returns the new addresses.
   */
  changePublicAddresses<T extends Home[]>(...homes: T): { [K in keyof T]: string } {
    for (const home of homes) {
      // The kernel forgets the old address's mappings in a deferred job, and a packet in between
      // can carry one on; a real router's old address is simply gone. Drop what still uses it:
      // flows the home started (NATed to the old address) and flows started to it (full cone).
      for (const match of ['--ctrepldst', '--ctorigdst']) {
        iptablesIn(home.routerNs, '-I', 'FORWARD', '1', '-m', 'conntrack', match, home.publicIp, '-j', 'DROP');
      }
      // Removing first: removing a primary address also removes the secondaries of its subnet.
      ipIn(home.routerNs, 'addr', 'del', `${home.publicIp}/24`, 'dev', 'wan');
    }
    return homes.map((home) => {
      const next = `${PUBLIC_PREFIX}.${Number(home.publicIp.split('.')[3]) + 100}`;
      ipIn(home.routerNs, 'addr', 'add', `${next}/24`, 'dev', 'wan');
      home.publicIp = next;
      return next;
    }) as { [K in keyof T]: string };
  }

  /**
   * The home host moves to another address, as a laptop joining another Wi-Fi does: every socket
   * bound to the old address is dead, and the router forwards inbound UDP to the new one.
   */
  changeHostAddress(home: Home): string {
    const [a, b, c, d] = home.hostIp.split('.');
    const next = `${a}.${b}.${c}.${Number(d) + 1}`;
    ipIn(home.hostNs, 'addr', 'del', `${home.hostIp}/24`, 'dev', 'eth0');
    ipIn(home.hostNs, 'addr', 'add', `${next}/24`, 'dev', 'eth0');
    ipIn(home.hostNs, 'route', 'add', 'default', 'via', `${a}.${b}.${c}.1`);
    const dnat = ['-t', 'nat', '-R', 'PREROUTING', '1', '-i', 'wan', '-p', 'udp', '-j', 'DNAT', '--to-destination', next];
    if (execIn(home.routerNs, 'iptables', '-w', '-t', 'nat', '-S', 'PREROUTING').includes('DNAT')) iptablesIn(home.routerNs, ...dnat);
    home.hostIp = next;
    return next;
  }

  /** Runs a long-lived process inside a namespace; it is killed when the network is destroyed. */
  spawnIn(ns: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.helpers.push(child);
    return child;
  }

  /** Kills what runs in the namespaces and deletes them. Safe to call twice, and after a failure. */
  async destroy(): Promise<void> {
    await Promise.all(
      this.helpers.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
    this.helpers.length = 0;
    for (const ns of this.namespaces.splice(0).reverse()) deleteNamespace(ns);
  }

  /**
   * The kernel here has no sch_netem, so loss is iptables' statistic match and delay is
   * delay-queue.py holding each packet in an NFQUEUE. Both sit on the WAN egress, after the
   * filter has accepted the packet, exactly where `tc qdisc add dev wan root netem` would act.
   */
  private async impair(routerNs: string, queue: number, impairment: { delayMs: number; lossPercent: number }): Promise<void> {
    const probability = (impairment.lossPercent / 100).toFixed(4);
    const mangle = ['-t', 'mangle', '-A', 'POSTROUTING', '-o', 'wan'];
    iptablesIn(routerNs, ...mangle, '-m', 'statistic', '--mode', 'random', '--probability', probability, '-j', 'DROP');
    iptablesIn(routerNs, ...mangle, '-j', 'NFQUEUE', '--queue-num', String(queue));
    const child = this.spawnIn(routerNs, 'python3', [DELAY_QUEUE, String(queue), String(impairment.delayMs)]);
    const [chunk] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit')])) as unknown[];
    if (!String(chunk).includes('ready')) throw new Error(`delay-queue.py did not start in ${routerNs}`);
  }

  private addNamespace(ns: string): void {
    this.namespaces.push(ns);
    addNamespace(ns);
  }
}
