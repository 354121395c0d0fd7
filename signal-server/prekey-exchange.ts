import type { PeerId } from '../web/protocol/ids.ts';
import type { ServerLimits } from '../web/protocol/limits.ts';
import { serverFrame, type ClientFrame, type ServerFrame } from '../web/protocol/server-frames.ts';
import type { Recipient } from './delivery.ts';
import type { PrekeyStore } from './prekeys.ts';
import { KeyedRateLimiter } from './rate-limit.ts';

// The `prekeys` and `bundle` frames of authenticated clients. Owners publish; anyone fetches a
// bundle for anyone (that is what lets a first message reach someone offline), but at a bounded
// rate per requester ID, since every fetch uses up one of the owner's one-time prekeys.

type PrekeysFrame = Extract<ClientFrame, { t: 'prekeys' }>;
type Reply = (frame: ServerFrame) => void;

const STORE_FAILED = 'The server could not read or store prekeys; try again.';

export class PrekeyExchange {
  /** Per requester ID rather than per connection, so reconnecting does not refill it. */
  private readonly fetchRate: KeyedRateLimiter;

  constructor(
    private readonly store: PrekeyStore,
    private readonly limits: ServerLimits,
    private readonly online: { connectionOf(id: PeerId): Pick<Recipient, 'relay'> | undefined },
    private readonly log: (line: string) => void,
  ) {
    this.fetchRate = new KeyedRateLimiter(limits.bundleRatePerMinute / 60, limits.bundleRateBurst);
  }

  /** Right after `ready`: an owner short of prekeys (a new one has none) is asked for more. */
  greet(owner: PeerId, reply: Reply): void {
    const { signed, oneTime } = this.store.count(owner);
    if (!signed || oneTime < this.limits.prekeysLowThreshold) reply(serverFrame.prekeysLow(oneTime));
  }

  publish(owner: PeerId, frame: PrekeysFrame, reply: Reply): void {
    // The schema caps a frame at the default; a server configured lower enforces its own limit.
    if (frame.oneTime.length > this.limits.maxOneTimePrekeysPerFrame) return reply(serverFrame.error('prekey_limit'));
    let result;
    try {
      result = this.store.publish(owner, frame.signed, frame.oneTime, frame.replace === true);
    } catch (error) {
      this.log(`prekeys: publish failed: ${error instanceof Error ? error.message : String(error)}`);
      return reply(serverFrame.error('server_error', undefined, STORE_FAILED));
    }
    reply(result.ok ? serverFrame.prekeysStored(result.count) : serverFrame.error(result.code));
  }

  /** Answers `requester` with `peer`'s bundle, or an error naming `peer`. */
  fetch(requester: PeerId, peer: PeerId, reply: Reply): void {
    if (!this.fetchRate.take(requester)) return reply(serverFrame.error('rate_limited', peer));
    // Refused rather than served: a client never starts a session with itself, and serving it
    // would only burn its own one-time prekeys.
    if (peer === requester) return reply(serverFrame.error('bad_target', peer));
    let bundle;
    try {
      bundle = this.store.takeBundle(peer);
    } catch (error) {
      this.log(`prekeys: bundle failed: ${error instanceof Error ? error.message : String(error)}`);
      return reply(serverFrame.error('server_error', peer, STORE_FAILED));
    }
    if (!bundle) return reply(serverFrame.error('no_prekeys', peer));
    reply(serverFrame.bundle({ peer, signed: bundle.signed, ...(bundle.oneTime ? { oneTime: bundle.oneTime } : {}) }));
    if (bundle.remaining < this.limits.prekeysLowThreshold) {
      this.online.connectionOf(peer)?.relay(serverFrame.prekeysLow(bundle.remaining));
    }
  }
}
