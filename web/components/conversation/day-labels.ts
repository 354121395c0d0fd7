// How the conversation shows when messages were written: a separator at the start of each day
// ("Today", "Yesterday", the weekday within the last week, else the date) and a time on each
// message, with the full date and time for assistive technology. Days are calendar days in the
// user's time zone (or the one given, for tests); names and dates follow the user's locale.

const DAY_MS = 86_400_000;
/** Days back that are named by their weekday: the rest of the last week. */
const WEEKDAY_SPAN = 6;

export class DayLabels {
  private readonly parts: Intl.DateTimeFormat;
  private readonly weekday: Intl.DateTimeFormat;
  private readonly dateThisYear: Intl.DateTimeFormat;
  private readonly dateOtherYear: Intl.DateTimeFormat;
  private readonly clock: Intl.DateTimeFormat;
  private readonly full: Intl.DateTimeFormat;

  constructor(locale?: string, timeZone?: string) {
    const zone = timeZone === undefined ? {} : { timeZone };
    this.parts = new Intl.DateTimeFormat('en-US', { ...zone, year: 'numeric', month: 'numeric', day: 'numeric' });
    this.weekday = new Intl.DateTimeFormat(locale, { ...zone, weekday: 'long' });
    this.dateThisYear = new Intl.DateTimeFormat(locale, { ...zone, day: 'numeric', month: 'long' });
    this.dateOtherYear = new Intl.DateTimeFormat(locale, { ...zone, day: 'numeric', month: 'long', year: 'numeric' });
    this.clock = new Intl.DateTimeFormat(locale, { ...zone, hour: '2-digit', minute: '2-digit' });
    this.full = new Intl.DateTimeFormat(locale, { ...zone, dateStyle: 'full', timeStyle: 'short' });
  }

  /** The calendar day of `ts` as YYYY-MM-DD (a valid <time datetime>, and equal for equal days). */
  day(ts: number): string {
    const { year, month, day } = this.calendar(ts);
    return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  }

  /** The separator's text for the day of `ts`, seen at `now`. */
  label(ts: number, now: number): string {
    const then = this.calendar(ts);
    const today = this.calendar(now);
    const daysAgo = Math.round((Date.UTC(today.year, today.month - 1, today.day) - Date.UTC(then.year, then.month - 1, then.day)) / DAY_MS);
    if (daysAgo === 0) return 'Today';
    if (daysAgo === 1) return 'Yesterday';
    // A date in the future (the sender's clock runs ahead) is named by its date, never a weekday.
    if (daysAgo > 1 && daysAgo <= WEEKDAY_SPAN) return this.weekday.format(ts);
    return (then.year === today.year ? this.dateThisYear : this.dateOtherYear).format(ts);
  }

  /** The time of day shown on a message. */
  time(ts: number): string {
    return this.clock.format(ts);
  }

  /** Date and time in words, for assistive technology and tooltips. */
  dateTime(ts: number): string {
    return this.full.format(ts);
  }

  private calendar(ts: number): { year: number; month: number; day: number } {
    const parts = this.parts.formatToParts(ts);
    const value = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
    return { year: value('year'), month: value('month'), day: value('day') };
  }
}

/** Local midnight after `now`: when "Today" and "Yesterday" move on. */
export function nextMidnight(now: number): number {
  const date = new Date(now);
  date.setHours(24, 0, 0, 0);
  return date.getTime();
}
