/**
 * Tracks which of a contact's sequence numbers have arrived: everything up to `peerSeq`, plus the
 * numbers in `ahead` received past a gap. A gap means a message is still on its way (or was
 * dropped by someone in between); `peerSeq` is what a sync frame reports as "have".
 */
export function recordPeerSeq(state: { peerSeq: number; peerSeqAhead: number[] }, seq: number): { peerSeq: number; peerSeqAhead: number[] } {
  if (seq <= state.peerSeq || state.peerSeqAhead.includes(seq)) return state;
  const ahead = new Set([...state.peerSeqAhead, seq]);
  let peerSeq = state.peerSeq;
  while (ahead.delete(peerSeq + 1)) peerSeq += 1;
  return { peerSeq, peerSeqAhead: [...ahead].sort((a, b) => a - b) };
}
