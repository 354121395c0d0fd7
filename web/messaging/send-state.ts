import type { SendState } from '../storage/db.ts';

// The delivery state of an outgoing message only moves forward:
//   queued → sent → delivered → read
// Events arrive out of order (a read receipt can overtake a delivered one, a late "sent" can
// follow a receipt after a reconnect), so each event is applied as "at least this far", never as
// an assignment. "failed" means the app gave up; it can only replace queued or sent, and any later
// proof of delivery overrides it, because the truth is that the message arrived.

const RANK: Record<SendState, number> = { queued: 0, failed: 0, sent: 1, delivered: 2, read: 3 };

export function advanceSendState(current: SendState, event: SendState): SendState {
  if (event === 'failed') return current === 'queued' || current === 'sent' ? 'failed' : current;
  if (event === 'queued') return current;
  return RANK[event] > RANK[current] || (current === 'failed' && RANK[event] >= RANK.sent) ? event : current;
}
