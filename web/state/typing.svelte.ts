import { SvelteSet } from 'svelte/reactivity';
import type { PeerId } from '../protocol/ids.ts';

/**
 * Which contacts are typing to us. A typing frame puts a contact up for `shownMs`; each further
 * one extends that, and a message from them takes it down at once (it is what they were typing).
 */
export class TypingIndicators {
  private readonly typing = new SvelteSet<PeerId>();
  private readonly timers = new Map<PeerId, ReturnType<typeof setTimeout>>();

  constructor(private readonly shownMs: number) {}

  isTyping(peer: PeerId): boolean {
    return this.typing.has(peer);
  }

  heard(peer: PeerId): void {
    clearTimeout(this.timers.get(peer));
    this.timers.set(peer, setTimeout(() => this.stop(peer), this.shownMs));
    this.typing.add(peer);
  }

  stop(peer: PeerId): void {
    clearTimeout(this.timers.get(peer));
    this.timers.delete(peer);
    this.typing.delete(peer);
  }
}
