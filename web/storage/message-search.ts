import { db, type MessageRow } from './db.ts';
import type { PeerId } from '../protocol/ids.ts';

// Searching every conversation's messages on this device. There is no index on what messages
// say, so it reads them all, a chunk at a time: between chunks the page gets the main thread back
// (typing and scrolling stay smooth), and a search the user has replaced stops at the next chunk.
// Only the newest matches are kept, so memory stays small however many messages match.

/** Messages read per IndexedDB request. */
const CHUNK = 500;

export interface SearchOutcome {
  /** The newest matches (by the sender's clock), newest first, at most the limit. */
  hits: MessageRow[];
  /** How many messages matched in all. */
  total: number;
}

/**
 * Reads every message and keeps the newest `limit` for which `matches` holds. Resolves null when
 * `signal` aborted it.
 */
export async function searchMessages(matches: (m: MessageRow) => boolean, limit: number, signal?: AbortSignal): Promise<SearchOutcome | null> {
  let hits: MessageRow[] = [];
  let total = 0;
  let after: [PeerId, string] | null = null;
  for (;;) {
    // By primary key, from where the last chunk ended: each request is a short transaction of its own.
    const chunk: MessageRow[] = await (after ? db.messages.where(':id').above(after) : db.messages.orderBy(':id')).limit(CHUNK).toArray();
    if (signal?.aborted) return null;
    for (const m of chunk) {
      if (!matches(m)) continue;
      total += 1;
      hits.push(m);
    }
    if (hits.length > 2 * limit) hits = newestFirst(hits).slice(0, limit);
    const last = chunk.at(-1);
    if (chunk.length < CHUNK || !last) break;
    after = [last.conversationId, last.id];
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (signal?.aborted) return null;
  }
  return { hits: newestFirst(hits).slice(0, limit), total };
}

const newestFirst = (messages: MessageRow[]): MessageRow[] => messages.sort((a, b) => b.sentAt - a.sentAt);
