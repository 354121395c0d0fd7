import { expect } from '@playwright/test';
import type { Browser, Page } from 'playwright-core';
import { recordPeerConnections } from '../tests/fixtures/peer-connection-spy.ts';
import type { Person } from '../tests/fixtures/tincan.ts';
import { contactItem, messageItems, openChat } from '../tests/fixtures/ui.ts';
import { installTimeline, readTimeline, type TimelineEvent } from './timeline.ts';

// Tincan driven as a person would, measured from outside: timestamps come from MutationObservers
// in the pages (same machine clock as Node), never from the app.

/**
 * tsx compiles with keepNames, so functions handed to page.evaluate may call esbuild's __name;
 * every page the benchmark scripts gets this no-op in its place.
 */
export const NAME_SHIM = 'globalThis.__name ??= (fn) => fn;';

/** A page in a context of its own, with the name shim, its errors and warnings going to `log`; not loaded yet. */
export async function benchPage(browser: Browser, name: string, log: string[]): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.addInitScript({ content: NAME_SHIM });
  page.on('pageerror', (error) => log.push(`[${name}] page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') log.push(`[${name}] console.${message.type()}: ${message.text()}`);
  });
  return page;
}

/** A Tincan page in its own context, with the connection spy and the timeline recorder. */
export async function openTincan(browser: Browser, url: string, name: string, log: string[]): Promise<Person> {
  const page = await benchPage(browser, name, log);
  await page.addInitScript(recordPeerConnections);
  await page.addInitScript(installTimeline);
  await page.goto(url);
  return { name, page };
}

// ---- In-page watches: Date.now() at the mutation that reaches a target. ----

interface Watch {
  target: number;
  count: number;
  at: Promise<number>;
}
type WatchWindow = Window & { __watch?: Record<string, Watch> };

/**
 * What a watch counts inside the list labelled `list`: the elements matching `selector`, or,
 * with `unreadOf`, the N of "N unread" in that contact's item. It fires once the count has grown
 * by `more` over its value when the watch was set.
 */
type WatchSpec = { key: string; list: string; more: number } & ({ selector: string } | { unreadOf: string });

/** Runs in the page: sets watch `key` (a MutationObserver on the list). */
function setWatch(spec: WatchSpec): void {
  const root = document.querySelector(`ul[aria-label="${spec.list}"]`);
  if (!root) throw new Error(`no ${spec.list} list`);
  const count =
    'unreadOf' in spec
      ? (): number => {
          const items = [...root.querySelectorAll(':scope > li')];
          const item = items.find((li) => li.querySelector('button')?.textContent?.trim() === spec.unreadOf);
          return Number(/(\d+) unread/.exec(item?.textContent ?? '')?.[1] ?? 0);
        }
      : (): number => root.querySelectorAll(spec.selector).length;
  const watch: Watch = { target: count() + spec.more, count: count(), at: Promise.resolve(0) };
  watch.at = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      watch.count = count();
      if (watch.count < watch.target) return;
      observer.disconnect();
      resolve(Date.now());
    });
    observer.observe(root, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['aria-label'] });
  });
  ((window as WatchWindow).__watch ??= {})[spec.key] = watch;
}

/** When the watch fired (null if it did not within the time), and how far it got. */
async function waitWatch(page: Page, key: string, timeoutMs: number): Promise<{ at: number | null; count: number; target: number }> {
  return page.evaluate(
    async ([key, timeoutMs]) => {
      const watch = (window as WatchWindow).__watch![key]!;
      const at = await Promise.race([watch.at, new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs))]);
      return { at, count: watch.count, target: watch.target };
    },
    [key, timeoutMs] as const,
  );
}

const connectionCount = (page: Page): Promise<number> =>
  page.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.length);

/** No outgoing message waits for delivery: the outbox is empty, so a reload opens no channel. */
const outgoingSettled = (page: Page) =>
  expect(messageItems(page).getByRole('img', { name: /^(Queued|Sent)$/ })).toHaveCount(0, { timeout: 20_000 });

// ---- Time to first message ----

/**
 * Both pages reloaded (the channel dies with the page), each sees the other online, nobody views
 * a conversation and no RTCPeerConnection exists yet: the next message needs a new connection.
 */
async function freshStart(sender: Person, receiver: Person): Promise<void> {
  await Promise.all([sender.page.reload(), receiver.page.reload()]);
  await Promise.all([
    expect(contactItem(sender.page, receiver.name)).toContainText('online', { timeout: 20_000 }),
    expect(contactItem(receiver.page, sender.name)).toContainText('online', { timeout: 20_000 }),
  ]);
  await expect(contactItem(receiver.page, sender.name)).not.toContainText('unread');
  const existing = await Promise.all([connectionCount(sender.page), connectionCount(receiver.page)]);
  if (existing.some((n) => n !== 0)) throw new Error(`a connection existed before t0 (${existing.join(', ')})`);
}

export interface FirstMessageRun {
  t0: number;
  received: number;
  sender: TimelineEvent[];
  receiver: TimelineEvent[];
  /** RTCPeerConnections each page created during the run: 1 and 1 for one fresh connection. */
  connections: [number, number];
}

/**
 * How the sender opens the conversation and sends: `playwright` clicks, fills and presses Enter
 * through Playwright (each action waits for its target, as a test does); `dom` does the same
 * from inside the page in one evaluate, which leaves out the driver's own time.
 */
export type Driver = 'playwright' | 'dom';

/** Runs in the page: clicks the contact, then submits the text through the composer as soon as it exists. */
async function clickAndSendInPage({ contact, text }: { contact: string; text: string }): Promise<void> {
  const buttons = [...document.querySelectorAll<HTMLButtonElement>('ul[aria-label="Contacts"] > li button')];
  const button = buttons.find((b) => b.textContent?.trim() === contact);
  if (!button) throw new Error(`no contact ${contact}`);
  button.click();
  let box: HTMLTextAreaElement | null;
  for (let spins = 0; !(box = document.querySelector('textarea[aria-label="Message"]')); spins++) {
    await (spins < 100 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, 0)));
  }
  box.value = text;
  box.dispatchEvent(new Event('input', { bubbles: true }));
  box.form?.requestSubmit();
}

async function clickAndSend(sender: Person, receiver: Person, text: string, driver: Driver): Promise<void> {
  if (driver === 'dom') return sender.page.evaluate(clickAndSendInPage, { contact: receiver.name, text });
  await sender.page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: receiver.name, exact: true }).click();
  await sender.page.getByRole('textbox', { name: 'Message' }).fill(text);
  await sender.page.keyboard.press('Enter'); // the textbox has the focus: no second lookup
}

/**
 * t0 in Node right before the sender clicks the receiver in Contacts; then the message is typed
 * and sent at once. Ends when the receiver's Contacts item shows "1 unread" (received, decrypted,
 * committed). Afterwards the receiver reads it, so the next run again waits for "1 unread".
 */
export async function tincanFirstMessage(sender: Person, receiver: Person, text: string, driver: Driver): Promise<FirstMessageRun> {
  await freshStart(sender, receiver);
  await receiver.page.evaluate(setWatch, { key: 'first', list: 'Contacts', unreadOf: sender.name, more: 1 });
  const t0 = Date.now();
  await clickAndSend(sender, receiver, text, driver);
  const { at } = await waitWatch(receiver.page, 'first', 20_000);
  if (at === null) throw new Error('the first message did not arrive within 20 s');
  // The first message may come by the server relay; wait for the direct channel too, so that the
  // timeline shows what setting it up took.
  await expect(sender.page.getByRole('status', { name: 'Connection path' })).toContainText('Direct', { timeout: 20_000 });
  const [senderEvents, receiverEvents] = await Promise.all([readTimeline(sender.page), readTimeline(receiver.page)]);
  await outgoingSettled(sender.page);
  await openChat(receiver, sender.name);
  await expect(contactItem(receiver.page, sender.name)).not.toContainText('unread');
  const connections = [await connectionCount(sender.page), await connectionCount(receiver.page)] as [number, number];
  return { t0, received: at, sender: senderEvents, receiver: receiverEvents, connections };
}

// ---- Messages per second through the UI ----

/**
 * Runs in the page: types and submits `n` messages through the composer's DOM, each as soon as
 * the composer has taken the previous one (the textbox is empty again).
 */
async function sendThroughComposer({ n, size, prefix }: { n: number; size: number; prefix: string }): Promise<{ startedAt: number; submittedAt: number }> {
  const box = document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message"]');
  const form = box?.form;
  if (!box || !form) throw new Error('no composer');
  const startedAt = Date.now();
  for (let i = 0; i < n; i++) {
    box.value = `${prefix} ${i + 1}/${n} `.padEnd(size, 'x');
    box.dispatchEvent(new Event('input', { bubbles: true }));
    form.requestSubmit();
    const deadline = Date.now() + 10_000;
    for (let spins = 0; box.value !== ''; spins++) {
      if (Date.now() > deadline) throw new Error(`the composer did not take message ${i + 1}`);
      await (spins < 100 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, 0)));
    }
  }
  return { startedAt, submittedAt: Date.now() };
}

export interface FloodResult {
  n: number;
  /** From the first submit until the composer had taken all n. */
  submitMs: number;
  /** Until the receiver's Messages list held all n (null: not within the time; see the counts). */
  receivedMs: number | null;
  received: number;
  /** Until the sender saw all n Delivered (or already Read). */
  deliveredMs: number | null;
  delivered: number;
}

/** With the channel open and both viewing the conversation, `n` messages from sender to receiver. */
export async function tincanFlood(sender: Person, receiver: Person, n: number, size: number, timeoutMs: number): Promise<FloodResult> {
  for (const person of [sender, receiver]) {
    await expect(person.page.getByRole('status', { name: 'Connection path' })).toContainText('Direct', { timeout: 20_000 });
  }
  await outgoingSettled(sender.page);
  await receiver.page.evaluate(setWatch, { key: 'flood', list: 'Messages', selector: ':scope > li', more: n });
  await sender.page.evaluate(setWatch, {
    key: 'flood',
    list: 'Messages',
    selector: ':scope > li [role="img"][aria-label="Delivered"], :scope > li [role="img"][aria-label="Read"]',
    more: n,
  });
  const { startedAt, submittedAt } = await sender.page.evaluate(sendThroughComposer, { n, size, prefix: 'flood' });
  const [received, delivered] = await Promise.all([waitWatch(receiver.page, 'flood', timeoutMs), waitWatch(sender.page, 'flood', timeoutMs)]);
  const since = (at: number | null) => (at === null ? null : at - startedAt);
  const progress = (w: { count: number; target: number }) => n - (w.target - w.count);
  return {
    n,
    submitMs: submittedAt - startedAt,
    receivedMs: since(received.at),
    received: progress(received),
    deliveredMs: since(delivered.at),
    delivered: progress(delivered),
  };
}
