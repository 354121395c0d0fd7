import type { PeerId } from '../web/protocol/ids.ts';

// Who is online, and who wants to know. A pure data structure over an opaque connection type, so
// the rules (one live connection per ID, no offline flicker on replacement, watchers found
// without scanning everyone) are tested without sockets.

export interface PeerPresence {
  id: PeerId;
  online: boolean;
}

export class PresenceRegistry<Conn> {
  /** The one live connection of each online ID; routing needs exactly one target. */
  private readonly liveConnection = new Map<PeerId, Conn>();
  /** Reverse index, so that a presence change costs O(its watchers), not O(all connections). */
  private readonly watchersOf = new Map<PeerId, Set<Conn>>();
  private readonly watchedBy = new Map<Conn, Set<PeerId>>();

  connectionOf(id: PeerId): Conn | undefined {
    return this.liveConnection.get(id);
  }

  /**
   * Makes `conn` the live connection of `id`. When the ID already had one, that one is returned
   * as `replaced` (the caller closes it) and nobody is notified: to watchers the ID never left.
   */
  connect(id: PeerId, conn: Conn): { replaced: Conn | undefined; notify: Conn[] } {
    const previous = this.liveConnection.get(id);
    this.liveConnection.set(id, conn);
    if (previous !== undefined && previous !== conn) return { replaced: previous, notify: [] };
    return { replaced: undefined, notify: previous === conn ? [] : this.watchersList(id) };
  }

  /**
   * Forgets `conn` as the connection of `id`. A replaced connection closing later is a no-op,
   * which is what keeps the replacement free of an offline blip.
   */
  disconnect(id: PeerId, conn: Conn): { notify: Conn[] } {
    if (this.liveConnection.get(id) !== conn) return { notify: [] };
    this.liveConnection.delete(id);
    return { notify: this.watchersList(id) };
  }

  /** Replaces the set of IDs `conn` watches and returns their current state, one entry per ID. */
  watch(conn: Conn, ids: readonly PeerId[]): PeerPresence[] {
    this.unwatchAll(conn);
    const unique = new Set(ids);
    if (unique.size > 0) this.watchedBy.set(conn, unique);
    for (const id of unique) {
      let watchers = this.watchersOf.get(id);
      if (!watchers) this.watchersOf.set(id, (watchers = new Set()));
      watchers.add(conn);
    }
    return [...unique].map((id) => ({ id, online: this.liveConnection.has(id) }));
  }

  /** Drops every watch of `conn`; empty index entries are removed so memory follows live use. */
  unwatchAll(conn: Conn): void {
    const ids = this.watchedBy.get(conn);
    if (!ids) return;
    this.watchedBy.delete(conn);
    for (const id of ids) {
      const watchers = this.watchersOf.get(id);
      watchers?.delete(conn);
      if (watchers?.size === 0) this.watchersOf.delete(id);
    }
  }

  /** A copy, because notifying a watcher may close it and so change the set mid-iteration. */
  private watchersList(id: PeerId): Conn[] {
    return [...(this.watchersOf.get(id) ?? [])];
  }
}
