import type { MessagePeerFrame } from '../protocol/peer-frames.ts';
import type { ConversationRow } from '../storage/db.ts';

// Messages from a contact that this device received and chose not to keep: everything they send
// while blocked, and the history the user deleted. The sender retries a message until it gets a
// receipt, and a blocked contact gets none, so copies keep coming after an unblock: they are
// recognised by their sequence number (the sender keeps a message's number across resends) and
// dropped again rather than stored.

/** Inclusive [first, last] ranges of sequence numbers, sorted, neither overlapping nor adjacent. */
export type SeqRanges = [number, number][];

export const inRanges = (ranges: SeqRanges | undefined, seq: number): boolean => (ranges ?? []).some(([a, b]) => a <= seq && seq <= b);

/** `ranges` with `more` added, merged into the fewest ranges. */
export function addRanges(ranges: SeqRanges | undefined, more: SeqRanges): SeqRanges {
  const all = [...(ranges ?? []), ...more].filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const merged: SeqRanges = [];
  for (const [a, b] of all) {
    const last = merged.at(-1);
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

/** Every sequence number of the contact's that the conversation has received (kept or not). */
export const receivedRanges = (c: ConversationRow): SeqRanges =>
  addRanges(c.discarded, [[1, c.peerSeq], ...c.peerSeqAhead.map((s): [number, number] => [s, s])]);

export interface Triage {
  /** IDs of the messages not to store. */
  drop: Set<string>;
  /** The conversation's discarded ranges after this batch. */
  discarded: SeqRanges;
}

/**
 * Which of a contact's new messages (none of them stored yet) are kept. From a blocked contact,
 * none: each is remembered as discarded. Otherwise all but copies of messages discarded before.
 */
export function triageIncoming(fresh: MessagePeerFrame[], blocked: boolean, discarded: SeqRanges | undefined): Triage {
  if (blocked) return { drop: new Set(fresh.map((f) => f.id)), discarded: addRanges(discarded, fresh.map((f) => [f.seq, f.seq])) };
  return { drop: new Set(fresh.filter((f) => inRanges(discarded, f.seq)).map((f) => f.id)), discarded: discarded ?? [] };
}
