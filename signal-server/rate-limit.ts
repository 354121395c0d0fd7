// Flood control, per connection and per sender ID. Pure: the clock is passed in, so tests can
// move time by hand instead of sleeping.

export type Clock = () => number;

/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. A full bucket lets a
 * client that was quiet send a burst (e.g. a watch plus many ICE candidates at once) while the
 * long-run rate stays bounded.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: Clock = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** A full bucket behaves exactly like a new one, so it may be forgotten. */
  isFull(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const now = this.now();
    // A clock that steps backwards (NTP adjustment) must not drain or overfill the bucket.
    const elapsedMs = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs / 1000) * this.ratePerSecond);
  }
}

/** Fewest buckets a KeyedRateLimiter holds before it looks for full ones to forget. */
const MIN_PRUNE_SIZE = 1_024;

/**
 * One token bucket per key (a sender's peer ID), so that a limit holds across the key's
 * reconnections. Buckets that have refilled are forgotten, so memory follows recent use.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  /** Pruning runs when the map reaches this size, then it doubles what is left: amortised O(1). */
  private pruneAt = MIN_PRUNE_SIZE;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: Clock = Date.now,
  ) {}

  take(key: string): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.pruneAt) this.prune();
      bucket = new TokenBucket(this.ratePerSecond, this.burst, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }

  /** How many keys have a bucket (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  private prune(): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(key);
    this.pruneAt = Math.max(MIN_PRUNE_SIZE, 2 * this.buckets.size);
  }
}

export type RateDecision = 'allow' | 'drop' | 'close';

/**
 * A token bucket plus patience: a frame over the limit is dropped, and a client that keeps
 * sending regardless (`violationsBeforeClose` over-limit frames in a row) is cut off, since
 * answering each of its frames with an error would cost more than it does.
 */
export class FrameRateLimiter {
  private readonly bucket: TokenBucket;
  private readonly violationsBeforeClose: number;
  private violationsInARow = 0;

  constructor(
    limits: { ratePerSecond: number; rateBurst: number; rateViolationsBeforeClose: number },
    now: Clock = Date.now,
  ) {
    this.bucket = new TokenBucket(limits.ratePerSecond, limits.rateBurst, now);
    this.violationsBeforeClose = limits.rateViolationsBeforeClose;
  }

  decide(): RateDecision {
    if (this.bucket.take()) {
      this.violationsInARow = 0;
      return 'allow';
    }
    this.violationsInARow += 1;
    return this.violationsInARow >= this.violationsBeforeClose ? 'close' : 'drop';
  }
}
