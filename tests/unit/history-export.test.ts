import { describe, expect, it } from 'vitest';
import type { MessageRow } from '../../web/storage/db.ts';
import { buildHistoryExport, historyFileName } from '../../web/state/history-export.ts';

// The history file's format (docs/history-export.md).

const message = (n: number, direction: 'in' | 'out', text: string, state: MessageRow['state']): MessageRow => ({
  conversationId: 'bob-id',
  id: `id-${n}`,
  direction,
  text,
  seq: n,
  sentAt: Date.UTC(2025, 2, 7, 9, 30, n),
  sortKey: `a${n}`,
  state,
});

describe('history export', () => {
  it('is versioned and holds the conversation in order, with no internal fields', () => {
    const messages = [message(1, 'in', 'Hi Alice', 'read'), message(2, 'out', 'Hi Bob 👋', 'delivered'), message(3, 'out', 'later', 'failed')];
    const data = buildHistoryExport({ id: 'alice-id', name: 'Alice' }, { id: 'bob-id', name: 'Bobby' }, messages, new Date(Date.UTC(2025, 2, 8, 12)));
    // What a reader gets from the file: JSON, nothing lost in the round trip.
    expect(JSON.parse(JSON.stringify(data))).toEqual({
      format: 'tincan-history',
      version: 1,
      exportedAt: '2025-03-08T12:00:00.000Z',
      self: { id: 'alice-id', name: 'Alice' },
      contact: { id: 'bob-id', name: 'Bobby' },
      messages: [
        { id: 'id-1', direction: 'in', text: 'Hi Alice', sentAt: '2025-03-07T09:30:01.000Z', state: 'read' },
        { id: 'id-2', direction: 'out', text: 'Hi Bob 👋', sentAt: '2025-03-07T09:30:02.000Z', state: 'delivered' },
        { id: 'id-3', direction: 'out', text: 'later', sentAt: '2025-03-07T09:30:03.000Z', state: 'failed' },
      ],
    });
  });

  it('is named after the contact and the day', () => {
    expect(historyFileName('Zoë / Ünal', new Date(2025, 2, 7))).toBe('tincan-history-zoe-unal-2025-03-07.json');
  });
});
