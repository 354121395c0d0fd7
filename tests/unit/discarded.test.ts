import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addRanges, inRanges, receivedRanges, triageIncoming } from '../../web/messaging/discarded.ts';
import { emptyConversation } from '../../web/storage/conversations.ts';

// The block decision and the memory of discarded sequence numbers, as pure functions.

const frame = (seq: number) => ({ t: 'message' as const, id: `id-${seq}`, seq, ts: seq, text: `m${seq}` });

describe('sequence ranges', () => {
  it('merges overlapping and adjacent ranges and ignores empty ones', () => {
    expect(addRanges([[1, 3]], [[4, 4], [6, 8], [7, 10], [5, 2]])).toEqual([[1, 4], [6, 10]]);
    expect(addRanges(undefined, [[1, 0]])).toEqual([]);
  });

  it('holds exactly the numbers added, whatever their order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 40 }), (seqs) => {
        let ranges = addRanges(undefined, []);
        for (const s of seqs) ranges = addRanges(ranges, [[s, s]]);
        for (let s = 0; s <= 61; s++) expect(inRanges(ranges, s)).toBe(seqs.includes(s));
        // As few ranges as possible: sorted, with a gap between each and the next.
        ranges.slice(1).forEach(([a], i) => expect(a).toBeGreaterThan(ranges[i]![1] + 1));
      }),
    );
  });

  it('what a conversation received: everything up to peerSeq, what came past a gap, what was discarded', () => {
    const conversation = { ...emptyConversation('bob'), peerSeq: 4, peerSeqAhead: [7, 9], discarded: [[12, 14]] as [number, number][] };
    expect(receivedRanges(conversation)).toEqual([[1, 4], [7, 7], [9, 9], [12, 14]]);
    expect(receivedRanges(emptyConversation('bob'))).toEqual([]);
  });
});

describe('the block decision', () => {
  it('drops everything from a blocked contact and remembers each number', () => {
    const { drop, discarded } = triageIncoming([frame(5), frame(6), frame(9)], true, [[1, 2]]);
    expect([...drop]).toEqual(['id-5', 'id-6', 'id-9']);
    expect(discarded).toEqual([[1, 2], [5, 6], [9, 9]]);
  });

  it('keeps what an unblocked contact sends, except copies of what was discarded', () => {
    const { drop, discarded } = triageIncoming([frame(5), frame(6), frame(7)], false, [[5, 6]]);
    expect([...drop]).toEqual(['id-5', 'id-6']);
    expect(discarded).toEqual([[5, 6]]);
    expect(triageIncoming([frame(1)], false, undefined)).toEqual({ drop: new Set(), discarded: [] });
  });
});
