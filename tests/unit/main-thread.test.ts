import { describe, expect, it } from 'vitest';
import { lazily } from '../../web/main-thread.ts';

describe('lazily', () => {
  it('makes the value on first use only, and keeps it (falsy values too)', () => {
    let made = 0;
    const get = lazily(() => {
      made += 1;
      return 0;
    });
    expect(made).toBe(0);
    expect([get(), get(), get()]).toEqual([0, 0, 0]);
    expect(made).toBe(1);
  });
});
