import { describe, expect, it } from 'vitest';
import { FrameRateLimiter, TokenBucket } from '../../signal-server/rate-limit.ts';

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
