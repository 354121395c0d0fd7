import type { PeerId } from '../protocol/ids.ts';

/**
 * Whether a typing frame to a contact is due: every keystroke asks, and at most one in
 * `intervalMs` is sent, so a contact's indicator stays up while we type without a frame per key.
 * Sending a message does not reset it: each frame costs a sealed envelope and a durable session
 * write, and messages sent in quick succession would each pay for one.
 */
export class TypingThrottle {
  private readonly lastSent = new Map<PeerId, number>();

  constructor(private readonly intervalMs: number) {}

  /** Whether a frame to `peer` may go now (the last is at least the interval old). */
  due(peer: PeerId, now: number): boolean {
    const last = this.lastSent.get(peer);
    return last === undefined || now - last >= this.intervalMs;
  }

  /** True, and counted as sent, when a frame may go now. */
  take(peer: PeerId, now: number): boolean {
    if (!this.due(peer, now)) return false;
    this.lastSent.set(peer, now);
    return true;
  }

  /** A frame taken could not go after all (no session yet, sending held): the next keystroke may try. */
  giveBack(peer: PeerId): void {
    this.lastSent.delete(peer);
  }
}
