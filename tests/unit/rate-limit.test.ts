import { describe, expect, it } from 'vitest';
import { FrameRateLimiter, KeyedRateLimiter, TokenBucket } from '../../signal-server/rate-limit.ts';

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const takeMany = (bucket: TokenBucket, n: number): boolean[] => Array.from({ length: n }, () => bucket.take());

describe('TokenBucket', () => {
  it('allows a full burst, then refuses', () => {
    const clock = manualClock();
    const bucket = new TokenBucket(10, 3, clock.now);
    expect(takeMany(bucket, 4)).toEqual([true, true, true, false]);
  });

  it('refills at the rate, one token per 1/rate seconds', () => {
    const clock = manualClock();
    const bucket = new TokenBucket(10, 3, clock.now);
    takeMany(bucket, 3);
    clock.advance(99);
    expect(bucket.take()).toBe(false);
    clock.advance(1);
    expect(takeMany(bucket, 2)).toEqual([true, false]);
  });

  it('never holds more than the burst, however long it was idle', () => {
    const clock = manualClock();
    const bucket = new TokenBucket(10, 3, clock.now);
    clock.advance(60_000);
    expect(takeMany(bucket, 4)).toEqual([true, true, true, false]);
  });

  it('ignores a clock that steps backwards', () => {
    const clock = manualClock();
    const bucket = new TokenBucket(10, 2, clock.now);
    takeMany(bucket, 2);
    clock.advance(-5_000);
    expect(bucket.take()).toBe(false);
    clock.advance(100);
    expect(bucket.take()).toBe(true);
  });
});

describe('FrameRateLimiter', () => {
  const limits = { ratePerSecond: 10, rateBurst: 2, rateViolationsBeforeClose: 3 };

  it('drops frames over the limit and closes after enough violations in a row', () => {
    const clock = manualClock();
    const limiter = new FrameRateLimiter(limits, clock.now);
    const decisions = Array.from({ length: 5 }, () => limiter.decide());
    expect(decisions).toEqual(['allow', 'allow', 'drop', 'drop', 'close']);
  });

  it('forgives violations once a frame is allowed again', () => {
    const clock = manualClock();
    const limiter = new FrameRateLimiter(limits, clock.now);
    limiter.decide();
    limiter.decide();
    expect([limiter.decide(), limiter.decide()]).toEqual(['drop', 'drop']);
    clock.advance(100);
    expect(limiter.decide()).toBe('allow');
    expect([limiter.decide(), limiter.decide(), limiter.decide()]).toEqual(['drop', 'drop', 'close']);
  });
});

describe('KeyedRateLimiter', () => {
  it('keeps one bucket per key', () => {
    const clock = manualClock();
    const limiter = new KeyedRateLimiter(10, 2, clock.now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([true, true, false]);
    expect(limiter.take('b')).toBe(true);
    clock.advance(100);
    expect([limiter.take('a'), limiter.take('a')]).toEqual([true, false]);
  });

  it('forgets refilled buckets as keys come and go, and never a bucket in use', () => {
    const clock = manualClock();
    const limiter = new KeyedRateLimiter(10, 2, clock.now);
    let busyAllowed = 0;
    for (let i = 0; i < 5_000; i++) {
      clock.advance(1);
      limiter.take(`passer-by ${i}`); // refilled 100 ms later
      if (limiter.take('busy')) busyAllowed += 1; // never full
    }
    expect(limiter.size).toBeLessThanOrEqual(1_024);
    // The burst plus 5 s at 10/s: a busy bucket forgotten and made anew would have allowed more.
    expect(busyAllowed).toBeGreaterThanOrEqual(50);
    expect(busyAllowed).toBeLessThanOrEqual(52);
  });
});
