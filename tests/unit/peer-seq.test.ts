import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordPeerSeq } from '../../web/messaging/peer-seq.ts';

describe('recordPeerSeq', () => {
  it('ends at n with no gap once 1..n arrived in any order, with duplicates', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()].map((i) => i + 1), { minLength: n }), fc.array(fc.integer({ min: 1, max: n })))), ([n, order, extra]) => {
        let state = { peerSeq: 0, peerSeqAhead: [] as number[] };
        for (const seq of [...order, ...extra]) state = recordPeerSeq(state, seq);
        expect(state).toEqual({ peerSeq: n, peerSeqAhead: [] });
      }),
    );
  });

  it('reports a gap until it is filled', () => {
    let state = recordPeerSeq({ peerSeq: 0, peerSeqAhead: [] }, 1);
    state = recordPeerSeq(state, 3);
    expect(state).toEqual({ peerSeq: 1, peerSeqAhead: [3] });
    expect(recordPeerSeq(state, 2)).toEqual({ peerSeq: 3, peerSeqAhead: [] });
  });
});
