// Per-connection flood control. Pure: the clock is passed in, so tests can move time by hand
// instead of sleeping.

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
    const now = this.now();
    // A clock that steps backwards (NTP adjustment) must not drain or overfill the bucket.
    const elapsedMs = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs / 1000) * this.ratePerSecond);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
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
