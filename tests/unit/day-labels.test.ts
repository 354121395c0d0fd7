import { describe, expect, it } from 'vitest';
import { DayLabels, nextMidnight } from '../../web/components/conversation/day-labels.ts';

// Day separators and message times, with a fixed time zone and locale: "now" is Wednesday
// 9 December 2026, 10:00 in Berlin (09:00 UTC).

const berlin = new DayLabels('en-GB', 'Europe/Berlin');
const now = Date.parse('2026-12-09T09:00:00Z');

describe('day separator labels', () => {
  it('names today and yesterday by calendar day in the time zone, not by 24-hour spans', () => {
    expect(berlin.label(Date.parse('2026-12-08T23:30:00Z'), now)).toBe('Today'); // 00:30 on the 9th in Berlin
    expect(berlin.label(Date.parse('2026-12-09T22:59:00Z'), now)).toBe('Today'); // 23:59 in Berlin
    expect(berlin.label(Date.parse('2026-12-08T22:59:00Z'), now)).toBe('Yesterday'); // 23:59 on the 8th
    expect(berlin.label(Date.parse('2026-12-07T23:00:00Z'), now)).toBe('Yesterday'); // 00:00 on the 8th
  });

  it('names the rest of the last week by weekday, then gives the date', () => {
    expect(berlin.label(Date.parse('2026-12-07T12:00:00Z'), now)).toBe('Monday');
    expect(berlin.label(Date.parse('2026-12-03T12:00:00Z'), now)).toBe('Thursday'); // six days ago
    expect(berlin.label(Date.parse('2026-12-02T12:00:00Z'), now)).toBe('2 December'); // a week ago
    expect(berlin.label(Date.parse('2025-12-31T12:00:00Z'), now)).toBe('31 December 2025');
  });

  it('gives a date in the future (a sender clock ahead), never a weekday', () => {
    expect(berlin.label(Date.parse('2026-12-11T12:00:00Z'), now)).toBe('11 December');
  });

  it('counts days across a daylight saving change', () => {
    const afterSpringForward = Date.parse('2026-03-30T08:00:00Z');
    expect(berlin.label(Date.parse('2026-03-29T00:30:00Z'), afterSpringForward)).toBe('Yesterday');
    expect(berlin.label(Date.parse('2026-03-28T00:30:00Z'), afterSpringForward)).toBe('Saturday');
  });

  it('follows the locale for weekdays and dates', () => {
    const us = new DayLabels('en-US', 'America/New_York');
    expect(us.label(Date.parse('2026-12-02T17:00:00Z'), now)).toBe('December 2');
    const de = new DayLabels('de-DE', 'Europe/Berlin');
    expect(de.label(Date.parse('2026-12-07T12:00:00Z'), now)).toBe('Montag');
  });
});

describe('days and times', () => {
  it('gives each message its calendar day as YYYY-MM-DD in the time zone', () => {
    expect(berlin.day(Date.parse('2026-12-08T23:30:00Z'))).toBe('2026-12-09');
    expect(new DayLabels('en-US', 'America/New_York').day(Date.parse('2026-12-08T23:30:00Z'))).toBe('2026-12-08');
  });

  it('shows the time of day, and the full date and time in words', () => {
    const ts = Date.parse('2026-12-09T13:05:00Z');
    expect(berlin.time(ts)).toBe('14:05');
    expect(berlin.dateTime(ts)).toMatch(/^Wednesday,? 9 December 2026 at 14:05$/);
  });

  it('moves on at the next local midnight', () => {
    const at = nextMidnight(now);
    expect(at).toBeGreaterThan(now);
    expect(at - now).toBeLessThanOrEqual(25 * 3_600_000);
    const midnight = new Date(at);
    expect([midnight.getHours(), midnight.getMinutes(), midnight.getSeconds(), midnight.getMilliseconds()]).toEqual([0, 0, 0, 0]);
  });
});
