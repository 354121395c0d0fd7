import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingIndicators } from '../../web/state/typing.svelte.ts';

const ALICE = 'alice';
const BOB = 'bob';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('TypingIndicators', () => {
  it('shows a contact for the given time after their last typing frame', () => {
    const typing = new TypingIndicators(5000);
    typing.heard(ALICE);
    vi.advanceTimersByTime(3000);
    typing.heard(ALICE); // still typing: the time starts again
    vi.advanceTimersByTime(4999);
    expect(typing.isTyping(ALICE)).toBe(true);
    vi.advanceTimersByTime(1);
    expect(typing.isTyping(ALICE)).toBe(false);
  });

  it('takes a contact down at once when stopped (their message came), and keeps others', () => {
    const typing = new TypingIndicators(5000);
    typing.heard(ALICE);
    typing.heard(BOB);
    typing.stop(ALICE);
    expect(typing.isTyping(ALICE)).toBe(false);
    expect(typing.isTyping(BOB)).toBe(true);
    // The stopped timer must not take down a later indicator early.
    vi.advanceTimersByTime(2000);
    typing.heard(ALICE);
    vi.advanceTimersByTime(4000);
    expect(typing.isTyping(ALICE)).toBe(true);
  });
});
