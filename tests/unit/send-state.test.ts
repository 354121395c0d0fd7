import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceSendState } from '../../web/messaging/send-state.ts';
import type { SendState } from '../../web/storage/db.ts';

const ORDER: SendState[] = ['queued', 'sent', 'delivered', 'read'];
const anyEvent = fc.constantFrom<SendState>('queued', 'sent', 'delivered', 'read', 'failed');

describe('advanceSendState', () => {
  it('never moves a message backwards, whatever order events arrive in', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 20 }), (events) => {
        let state: SendState = 'queued';
        for (const event of events) {
          const next = advanceSendState(state, event);
          if (state !== 'failed' && next !== 'failed') expect(ORDER.indexOf(next)).toBeGreaterThanOrEqual(ORDER.indexOf(state));
          state = next;
        }
        // The furthest proof of delivery wins.
        const proofs = events.filter((e) => e === 'delivered' || e === 'read');
        if (proofs.includes('read')) expect(state).toBe('read');
        else if (proofs.length > 0) expect(state).toBe('delivered');
      }),
    );
  });

  it('fails only undelivered messages, and a later receipt overrides the failure', () => {
    expect(advanceSendState('sent', 'failed')).toBe('failed');
    expect(advanceSendState('delivered', 'failed')).toBe('delivered');
    expect(advanceSendState('failed', 'delivered')).toBe('delivered');
    expect(advanceSendState('failed', 'sent')).toBe('sent');
  });
});
