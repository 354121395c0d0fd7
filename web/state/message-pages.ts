import { liveQuery, type Subscription } from 'dexie';
import type { PeerId } from '../protocol/ids.ts';
import type { MessageRow } from '../storage/db.ts';
import { countBefore, listMessages, pageStart } from '../storage/messages.ts';

// The part of a conversation the view holds: the newest page when it opens, then older pages as
// the user scrolls up, never the whole of a long conversation. Pages are contiguous ranges of
// sortKey, each a live query of its own, so a new or changed message re-reads only its page (a
// new one lands in the newest page, whose range is open upwards) and never the whole history.

/** Messages read when a conversation opens, and per older page. */
export const PAGE_SIZE = 100;

/**
 * A conversation of at most this many messages is read whole when it opens, so that its list
 * holds every message (as before there were pages; the end-to-end tests and the benchmark count
 * the list's items for conversations of up to ~550). Beyond it, pages of PAGE_SIZE.
 */
export const WHOLE_CONVERSATION_LIMIT = 1000;

export interface MessagePagesView {
  /** The messages read so far, oldest first: the newest ones, contiguous. */
  rows: MessageRow[];
  /** The first page has arrived. */
  loaded: boolean;
  /** rows[0] is the first message of the conversation. */
  reachedStart: boolean;
  /** An older page is being read. */
  loadingOlder: boolean;
  /** How many messages come before rows[0] (null while not yet counted). */
  olderCount: number | null;
}

export const EMPTY_VIEW: MessagePagesView = { rows: [], loaded: false, reachedStart: false, loadingOlder: false, olderCount: null };

interface Page {
  /** Its range is [start, below); below null: open upwards (the newest page). */
  readonly below: string | null;
  /** Found by its first read and then fixed; null: the start of the conversation. */
  start: string | null | undefined;
  /** null until its first read. */
  rows: MessageRow[] | null;
  subscription?: Subscription;
}

export class MessagePages {
  /** Newest first; only the oldest may still be waiting for its first read. */
  private readonly pages: Page[] = [];
  private olderCount: number | null = null;
  private counting: { before: string; subscription?: Subscription } | null = null;
  private closed = false;

  constructor(
    private readonly peer: PeerId,
    private readonly onchange: (view: MessagePagesView) => void,
  ) {
    this.open(null, WHOLE_CONVERSATION_LIMIT);
  }

  /** Reads the page before the oldest read so far, unless one is being read or none is left. */
  loadOlder(): void {
    const oldest = this.pages.at(-1);
    if (this.closed || !oldest || oldest.rows === null || typeof oldest.start !== 'string') return;
    this.open(oldest.start, PAGE_SIZE);
  }

  close(): void {
    this.closed = true;
    for (const page of this.pages) page.subscription?.unsubscribe();
    this.counting?.subscription?.unsubscribe();
  }

  private open(below: string | null, whole: number): void {
    const page: Page = { below, start: undefined, rows: null };
    this.pages.push(page);
    page.subscription = liveQuery(async () => {
      // Where the page starts is decided once. Later reads keep the range, so a message that
      // arrives late (placed among older ones) shows up in the page whose range holds it.
      if (page.start === undefined) page.start = await pageStart(this.peer, below, PAGE_SIZE, whole);
      return listMessages(this.peer, page.start, below);
    }).subscribe({
      next: (rows) => {
        // The messages before it were counted before it was read: they are fewer by its rows.
        if (page.rows === null && this.olderCount !== null) this.olderCount = Math.max(0, this.olderCount - rows.length);
        page.rows = rows;
        this.changed();
      },
      error: (error: unknown) => console.error('messages not read', error),
    });
    this.changed();
  }

  private changed(): void {
    if (this.closed) return;
    const oldest = this.pages.at(-1);
    const reachedStart = oldest !== undefined && oldest.rows !== null && oldest.start === null;
    if (reachedStart) this.stopCounting(0);
    else if (oldest?.rows && typeof oldest.start === 'string') this.countBefore(oldest.start);
    let rows: MessageRow[] = [];
    for (let i = this.pages.length - 1; i >= 0; i--) rows = rows.concat(this.pages[i]!.rows ?? []);
    this.onchange({
      rows,
      loaded: this.pages[0]?.rows !== null,
      reachedStart,
      loadingOlder: this.pages.length > 1 && oldest?.rows === null,
      olderCount: this.olderCount,
    });
  }

  /** Keeps the count of the messages before the oldest read (for positions in the list) live. */
  private countBefore(before: string): void {
    if (this.counting?.before === before) return;
    this.counting?.subscription?.unsubscribe();
    const counting: { before: string; subscription?: Subscription } = { before };
    this.counting = counting;
    counting.subscription = liveQuery(() => countBefore(this.peer, before)).subscribe({
      next: (count) => {
        this.olderCount = count;
        this.changed();
      },
      error: (error: unknown) => console.error('messages not counted', error),
    });
  }

  private stopCounting(count: number): void {
    this.counting?.subscription?.unsubscribe();
    this.counting = null;
    this.olderCount = count;
  }
}
