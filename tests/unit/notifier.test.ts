import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContactRow } from '../../web/storage/db.ts';
import { db } from '../../web/storage/db.ts';
import { loadSettings } from '../../web/storage/settings.ts';
import { Notifier } from '../../web/state/notifier.svelte.ts';
import type { Attention } from '../../web/state/notify-policy.ts';

// The Notifier against a stand-in for the browser's Notification API (Node has none; the
// end-to-end tests use Chromium's): what it asks for, what it shows, what a click does. The
// rules of when to notify have their own tests (notify-policy.test.ts).

class FakeNotification extends EventTarget {
  static permission: NotificationPermission = 'default';
  static answer: NotificationPermission = 'granted';
  static requests = 0;
  static shown: FakeNotification[] = [];
  onclick: (() => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(
    readonly title: string,
    readonly options: NotificationOptions,
  ) {
    super();
    FakeNotification.shown.push(this);
  }
  static async requestPermission(): Promise<NotificationPermission> {
    FakeNotification.requests += 1;
    FakeNotification.permission = FakeNotification.answer;
    return FakeNotification.answer;
  }
  close(): void {
    this.closed = true;
    this.onclose?.();
  }
}

const alice: ContactRow = { id: 'alice-id', name: 'Alice', nameSource: 'invite', addedAt: 1 };
const away: Attention = { hidden: true, focused: false, open: null };
let opened: string[];
let reports: string[];
let focus: ReturnType<typeof vi.fn>;

beforeEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()));
  Object.assign(FakeNotification, { permission: 'default', answer: 'granted', requests: 0, shown: [] });
  focus = vi.fn();
  vi.stubGlobal('Notification', FakeNotification);
  vi.stubGlobal('navigator', {});
  vi.stubGlobal('window', { focus });
  [opened, reports] = [[], []];
});
afterEach(() => vi.unstubAllGlobals());

const newNotifier = () =>
  new Notifier(
    (peer) => opened.push(peer),
    (text) => reports.push(text),
  );

describe('Notifier', () => {
  it('asks nothing until enable(), and shows nothing before permission', async () => {
    const notifier = newNotifier();
    notifier.messagesArrived(alice, 'hi', 1, away);
    expect([FakeNotification.requests, FakeNotification.shown.length]).toEqual([0, 0]);
    expect(notifier.permission).toBe('default');
  });

  it('enable(): granted turns notifications on and records that the offer was answered', async () => {
    const notifier = newNotifier();
    await notifier.setEnabled(false);
    await notifier.enable();
    expect(notifier.permission).toBe('granted');
    expect([notifier.enabled, notifier.promptDone, notifier.active]).toEqual([true, true, true]);
    expect(await loadSettings()).toMatchObject({ notifications: true, notificationPromptDone: true });
    expect(reports).toEqual([]); // both stored
  });

  it('enable(): denied leaves them off and says so through the permission', async () => {
    FakeNotification.answer = 'denied';
    const notifier = newNotifier();
    await notifier.enable();
    expect([notifier.permission, notifier.active, notifier.promptDone]).toEqual(['denied', false, true]);
    notifier.messagesArrived(alice, 'hi', 1, away);
    expect(FakeNotification.shown).toEqual([]);
  });

  it('shows one per conversation: a newer one closes the last; a click opens the chat', async () => {
    FakeNotification.permission = 'granted';
    const notifier = newNotifier();
    notifier.messagesArrived(alice, 'one', 1, away);
    notifier.messagesArrived(alice, 'two', 2, away);
    const [first, second] = FakeNotification.shown;
    expect([first!.title, first!.options.body, second!.options.body]).toEqual(['Alice', 'one', 'two']);
    expect(second!.options.tag).toBe(first!.options.tag);
    expect([first!.closed, second!.closed]).toEqual([true, false]);

    second!.onclick!();
    expect(focus).toHaveBeenCalled();
    expect(opened).toEqual(['alice-id']);
    expect(second!.closed).toBe(true);
  });

  it('keeps texts off the screen when asked to', async () => {
    FakeNotification.permission = 'granted';
    const notifier = newNotifier();
    await notifier.setShowText(false);
    notifier.messagesArrived(alice, 'secret', 3, away);
    expect(FakeNotification.shown[0]!.options.body).toBe('3 new messages');
    expect(await loadSettings()).toMatchObject({ notificationText: false });
  });

  it('switched off: shows nothing and closes what it showed', async () => {
    FakeNotification.permission = 'granted';
    const notifier = newNotifier();
    notifier.messagesArrived(alice, 'one', 1, away);
    await notifier.setEnabled(false);
    expect(FakeNotification.shown[0]!.closed).toBe(true);
    notifier.messagesArrived(alice, 'two', 2, away);
    expect(FakeNotification.shown).toHaveLength(1);
  });

  it('dismiss() closes the conversation’s notification when it is shown on screen', async () => {
    FakeNotification.permission = 'granted';
    const notifier = newNotifier();
    notifier.messagesArrived(alice, 'one', 1, away);
    notifier.dismiss('alice-id');
    expect(FakeNotification.shown[0]!.closed).toBe(true);
  });

  it('a browser without notifications: unsupported, and enable() asks nothing', async () => {
    vi.stubGlobal('Notification', undefined);
    const notifier = newNotifier();
    expect(notifier.permission).toBe('unsupported');
    await notifier.enable();
    expect(notifier.active).toBe(false);
  });
});
