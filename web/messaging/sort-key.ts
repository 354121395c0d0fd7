/**
 * Display order within a conversation: local time, but strictly increasing, so that messages
 * written or received within the same millisecond (or after the clock stepped back) keep the
 * order in which this device committed them.
 */
export const nextSortKey = (lastSortKey: number, now: number): number => Math.max(now, lastSortKey + 1);
