import { describe, expect, it } from 'vitest';
import { TypingThrottle } from '../../web/messaging/typing-throttle.ts';

const ALICE = 'alice';
const BOB = 'bob';

describe('TypingThrottle', () => {
  it('lets the first keystroke through, then one per interval however fast the keys come', () => {
    const throttle = new TypingThrottle(3000);
    const sent = [0, 100, 2999, 3000, 3500, 5999, 6000, 9100].filter((t) => throttle.take(ALICE, t));
    expect(sent).toEqual([0, 3000, 6000, 9100]);
  });

  it('can be asked without counting a frame as sent', () => {
    const throttle = new TypingThrottle(3000);
    expect(throttle.due(ALICE, 0)).toBe(true);
    expect(throttle.due(ALICE, 1)).toBe(true);
    expect(throttle.take(ALICE, 2)).toBe(true);
    expect(throttle.due(ALICE, 3)).toBe(false);
    expect(throttle.due(ALICE, 3002)).toBe(true);
  });

  it('counts each contact apart', () => {
    const throttle = new TypingThrottle(3000);
    expect(throttle.take(ALICE, 0)).toBe(true);
    expect(throttle.take(BOB, 1)).toBe(true);
    expect(throttle.take(ALICE, 2)).toBe(false);
    expect(throttle.take(BOB, 3)).toBe(false);
  });
});
