import { describe, expect, it } from 'vitest';
import type { ContactRow } from '../../web/storage/db.ts';
import { notificationContent, shouldNotify, unreadTitle, type Attention } from '../../web/state/notify-policy.ts';

const alice: ContactRow = { id: 'alice-id', name: 'Alice', nameSource: 'invite', addedAt: 1 };
const inFront: Attention = { hidden: false, focused: true, open: null };

describe('shouldNotify', () => {
  it.each<[string, Attention, boolean]>([
    ['the page is hidden (another tab, minimised)', { hidden: true, focused: false, open: null }, true],
    ['the page is hidden while her conversation was the one open', { hidden: true, focused: false, open: 'alice-id' }, true],
    ['the window is in the background with another conversation open', { hidden: false, focused: false, open: 'bob-id' }, true],
    ['the window is in the background with no conversation open', { hidden: false, focused: false, open: null }, true],
    ['her conversation is on screen, even in a window in the background', { hidden: false, focused: false, open: 'alice-id' }, false],
    ['her conversation is on screen in front', { hidden: false, focused: true, open: 'alice-id' }, false],
    ['Tincan is in front with another conversation open (the unread count says it)', { hidden: false, focused: true, open: 'bob-id' }, false],
    ['Tincan is in front with no conversation open', inFront, false],
  ])('when %s: %s', (_, attention, expected) => {
    expect(shouldNotify(alice, attention, true)).toBe(expected);
  });

  const away: Attention = { hidden: true, focused: false, open: null };

  it('never for a blocked contact', () => {
    expect(shouldNotify({ ...alice, blocked: true }, away, true)).toBe(false);
    expect(shouldNotify({ ...alice, blocked: false }, away, true)).toBe(true);
  });

  it('never when not allowed (switched off, or no permission)', () => {
    expect(shouldNotify(alice, away, false)).toBe(false);
  });

  it('never for a sender that is no contact', () => {
    expect(shouldNotify(undefined, away, true)).toBe(false);
  });
});

describe('notificationContent', () => {
  it('is titled by the contact, shows the newest text, and has one tag per conversation', () => {
    const content = notificationContent(alice, 'See you at 8?', 3, true);
    expect(content).toEqual({ title: 'Alice', body: 'See you at 8?', tag: 'tincan-conversation-alice-id' });
    expect(notificationContent({ ...alice, id: 'bob-id', name: 'Bob' }, 'x', 1, true).tag).not.toBe(content.tag);
  });

  it('without texts, says only how many messages wait', () => {
    expect(notificationContent(alice, 'secret', 1, false).body).toBe('New message');
    expect(notificationContent(alice, 'secret', 4, false).body).toBe('4 new messages');
    expect(notificationContent(alice, 'secret', 0, false).body).toBe('New message'); // read meanwhile
  });

  it('cuts a long text at a code point boundary', () => {
    const body = notificationContent(alice, '🐤'.repeat(500), 1, true).body;
    expect([...body]).toHaveLength(160);
    expect(body.endsWith('🐤…')).toBe(true);
    expect(notificationContent(alice, 'a'.repeat(160), 1, true).body).toBe('a'.repeat(160));
  });
});

describe('unreadTitle', () => {
  it('counts unread messages over all conversations', () => {
    expect(unreadTitle({ a: 2, b: 1 })).toBe('(3) Tincan');
    expect(unreadTitle({ a: 1 })).toBe('(1) Tincan');
  });

  it('is the bare name when nothing is unread', () => {
    expect(unreadTitle({})).toBe('Tincan');
    expect(unreadTitle({ a: 0 })).toBe('Tincan');
  });
});
