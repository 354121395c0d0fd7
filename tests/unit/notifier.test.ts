import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContactRow } from '../../web/storage/db.ts';
import { db } from '../../web/storage/db.ts';
import { loadSettings } from '../../web/storage/settings.ts';
import { Notifier } from '../../web/state/notifier.svelte.ts';
import { NOTIFICATION_CLICKED } from '../../web/state/service-worker-messages.ts';
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

describe('Notifier where only a service worker may show notifications (Chrome on Android)', () => {
  const bob: ContactRow = { id: 'B'.repeat(42) + 'A', name: 'Bob', nameSource: 'invite', addedAt: 1 };
  class RefusingNotification extends FakeNotification {
    constructor(title: string, options: NotificationOptions) {
      super(title, options);
      throw new TypeError("Failed to construct 'Notification': Illegal constructor.");
    }
  }
  let shown: { title: string; options: NotificationOptions; closed: boolean }[];
  let listeners: ((event: { data: unknown }) => void)[];

  beforeEach(() => {
    [shown, listeners] = [[], []];
    RefusingNotification.permission = 'granted';
    vi.stubGlobal('Notification', RefusingNotification);
    const registration = {
      showNotification: async (title: string, options: NotificationOptions) => void shown.push({ title, options, closed: false }),
      getNotifications: async () => shown.filter((n) => !n.closed).map((n) => ({ data: n.options.data, close: () => (n.closed = true) })),
    };
    vi.stubGlobal('navigator', {
      serviceWorker: { getRegistration: async () => registration, addEventListener: (_: string, listener: (event: { data: unknown }) => void) => listeners.push(listener) },
    });
  });

  it('shows it through the service worker registration, naming the conversation', async () => {
    const notifier = newNotifier();
    notifier.messagesArrived(bob, 'hi', 1, away);
    await vi.waitFor(() => expect(shown).toHaveLength(1));
    expect(shown[0]!.title).toContain('Bob');
    expect(shown[0]!.options.data).toEqual({ peer: bob.id });
  });

  it('dismiss() closes the service worker’s notifications of that conversation only', async () => {
    const notifier = newNotifier();
    notifier.messagesArrived(bob, 'hi', 1, away);
    await vi.waitFor(() => expect(shown).toHaveLength(1));
    notifier.dismiss('C'.repeat(42) + 'A');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(shown[0]!.closed).toBe(false);
    notifier.dismiss(bob.id);
    await vi.waitFor(() => expect(shown[0]!.closed).toBe(true));
  });

  it('a click, reported by the service worker, opens the conversation; other messages do nothing', () => {
    newNotifier().listenToServiceWorker();
    for (const data of [null, 'x', { type: 'SKIP_WAITING', peer: bob.id }, { type: NOTIFICATION_CLICKED, peer: 'not-an-id' }, { type: NOTIFICATION_CLICKED }]) {
      for (const listener of listeners) listener({ data });
    }
    expect(opened).toEqual([]);
    for (const listener of listeners) listener({ data: { type: NOTIFICATION_CLICKED, peer: bob.id } });
    expect(opened).toEqual([bob.id]);
  });
});
