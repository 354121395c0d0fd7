import { generateKeyBetween } from 'fractional-indexing';

// Display order within a conversation, as fractional-index strings: a new message goes after the
// last one, and a message that arrives late goes between two others, as often as needed. (Numbers
// run out of precision: squeezing late messages between two millisecond timestamps collapses
// after about a dozen halvings, which a burst of relayed messages reaches easily.)

/** A key after `last` (null: the conversation is empty). */
export const nextSortKey = (last: string | null): string => generateKeyBetween(last, null);

/** A key strictly between two neighbours (null: open end). */
export const sortKeyBetween = (before: string | null, after: string | null): string => generateKeyBetween(before, after);
