import type { PeerId } from '../protocol/ids.ts';
import type { ContactRow } from '../storage/db.ts';

// What the user is told about new messages outside the conversation itself: a system
// notification when they cannot be looking, and the unread count in the tab title. Pure, so the
// rules are tested on their own; notifier.svelte.ts does the showing.

/** Where the user's attention can be when messages arrive. */
export interface Attention {
  /** The page is hidden: another tab in front, the window minimised, the screen locked. */
  hidden: boolean;
  /** The window has the focus (the user is in it, not in another application). */
  focused: boolean;
  /** The conversation open in Tincan, if any. */
  open: PeerId | null;
}

/**
 * Whether new messages from `contact` get a system notification. Only when the user cannot be
 * reading them: the page is hidden, or another conversation is open while the window is in the
 * background. A Tincan in front shows the unread count instead. `allowed` is the user's choice
 * and the browser's permission together. A blocked contact never notifies, whatever else holds;
 * neither does a sender that is no contact at all.
 */
export function shouldNotify(contact: ContactRow | undefined, attention: Attention, allowed: boolean): contact is ContactRow {
  if (!contact || contact.blocked || !allowed) return false;
  return attention.hidden || (!attention.focused && attention.open !== contact.id);
}

/** Longer message texts are cut here: notification areas show a line or two anyway. */
const MAX_BODY_LENGTH = 160;

export interface NotificationContent {
  title: string;
  body: string;
  /** One per conversation: a newer notification replaces the last instead of piling up. */
  tag: string;
}

/**
 * Titled with the contact's name; the body is the newest message's text, or (when the user keeps
 * texts off the screen) only how many messages wait, counting those the replaced one announced.
 */
export function notificationContent(contact: ContactRow, latestText: string, unread: number, showText: boolean): NotificationContent {
  const count = Math.max(unread, 1);
  const body = showText ? clip(latestText) : count === 1 ? 'New message' : `${count} new messages`;
  return { title: contact.name, body, tag: `tincan-conversation-${contact.id}` };
}

function clip(text: string): string {
  const chars = [...text]; // by code point, so an emoji is never cut in half
  return chars.length <= MAX_BODY_LENGTH ? text : `${chars.slice(0, MAX_BODY_LENGTH - 1).join('')}…`;
}

/** The tab title: the number of unread messages over all conversations, when there are any. */
export function unreadTitle(unread: Record<PeerId, number>): string {
  const total = Object.values(unread).reduce((sum, n) => sum + n, 0);
  return total > 0 ? `(${total}) Tincan` : 'Tincan';
}
