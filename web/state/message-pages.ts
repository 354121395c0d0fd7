import { liveQuery, type Subscription } from 'dexie';
import type { PeerId } from '../protocol/ids.ts';
import type { MessageRow } from '../storage/db.ts';
import { countBefore, listMessages, readPage, readThrough } from '../storage/messages.ts';
import { whenIdle } from '../main-thread.ts';

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

/** Messages read before one the view was asked to show (reach), so that it does not open at the top. */
const CONTEXT_BEFORE_TARGET = 20;

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

/** Sort keys from `start` up to the next newer page's start (the newest page: open upwards). */
interface Page {
  /** Found by its first read and then fixed; null: the start of the conversation. */
  start: string | null | undefined;
  /** null until its first read. */
  rows: MessageRow[] | null;
  subscription?: Subscription;
}

export class MessagePages {
  /** Newest first; only the oldest may still be waiting for its first read. */
  private readonly pages: Page[] = [];
  /**
   * How many messages came before the newest page when it was read: counted once, not live (a
   * live count re-runs on every message written to the table). A message placed among the older
   * ones after that (one that arrived late) shifts the positions by one; that is rare.
   */
  private countBeforeNewest: number | null = null;
  private counting = false;
  private closed = false;
  /** The sortKey of a message to read back to once the oldest page has been read (reach). */
  private target: string | null = null;

  constructor(
    private readonly peer: PeerId,
    private readonly onchange: (view: MessagePagesView) => void,
  ) {
    this.open(null, () => readPage(peer, null, PAGE_SIZE, WHOLE_CONVERSATION_LIMIT));
  }

  /** Reads the page before the oldest read so far, unless one is being read or none is left. */
  loadOlder(): void {
    const oldest = this.pages.at(-1);
    if (this.closed || !oldest || oldest.rows === null || typeof oldest.start !== 'string') return;
    const below = oldest.start;
    this.open(below, () => readPage(this.peer, below, PAGE_SIZE));
  }

  /**
   * Makes sure the message with this sortKey is read (a search result the user opened): when it
   * is older than the pages read so far, one more page reads everything from it (and a few before
   * it) up to them.
   */
  reach(sortKey: string): void {
    this.target = sortKey;
    this.readToTarget();
  }

  close(): void {
    this.closed = true;
    for (const page of this.pages) page.subscription?.unsubscribe();
  }

  /** Adds the page below `below` (null: the newest); `firstRead` decides where it starts. */
  private open(below: string | null, firstRead: () => Promise<{ start: string | null; rows: MessageRow[] }>): void {
    const page: Page = { start: undefined, rows: null };
    this.pages.push(page);
    page.subscription = liveQuery(async () => {
      // Where the page starts is decided by its first read. Later reads keep the range, so a
      // message that arrives late (placed among older ones) shows up in the page that holds it.
      if (page.start !== undefined) return listMessages(this.peer, page.start, below);
      const first = await firstRead();
      page.start = first.start;
      return first.rows;
    }).subscribe({
      next: (rows) => {
        page.rows = rows;
        this.readToTarget();
        this.changed();
      },
      error: (error: unknown) => console.error('messages not read', error),
    });
    this.changed();
  }

  private changed(): void {
    if (this.closed) return;
    const newest = this.pages[0]!;
    const oldest = this.pages.at(-1)!;
    if (typeof newest.start === 'string' && newest.rows !== null) this.countOnce(newest.start);
    const reachedStart = oldest.rows !== null && oldest.start === null;
    const rows = ([] as MessageRow[]).concat(...this.pages.map((page) => page.rows ?? []).reverse());
    const belowNewest = rows.length - (newest.rows?.length ?? 0);
    this.onchange({
      rows,
      loaded: newest.rows !== null,
      reachedStart,
      loadingOlder: oldest !== newest && oldest.rows === null,
      olderCount: reachedStart ? 0 : this.countBeforeNewest === null ? null : Math.max(0, this.countBeforeNewest - belowNewest),
    });
  }

  /** Once the oldest page has been read: a page back to the target, unless it is read already. */
  private readToTarget(): void {
    const target = this.target;
    const oldest = this.pages.at(-1);
    if (target === null || this.closed || !oldest || oldest.rows === null) return;
    this.target = null;
    const below = oldest.start;
    if (typeof below === 'string' && target < below) this.open(below, () => readThrough(this.peer, target, below, CONTEXT_BEFORE_TARGET));
  }

  private countOnce(start: string): void {
    if (this.counting) return;
    this.counting = true;
    // Once the page is on screen: counting a long history keeps the database (and a core) busy
    // for a few milliseconds, which showing the newest messages should not wait for.
    whenIdle(() => {
      if (this.closed) return;
      countBefore(this.peer, start).then(
        (count) => {
          this.countBeforeNewest = count;
          this.changed();
        },
        (error: unknown) => console.error('messages not counted', error),
      );
    });
  }
}
