import type { PeerId } from '../protocol/ids.ts';
import { EMPTY_VIEW, MessagePages, type MessagePagesView } from './message-pages.ts';

/**
 * A conversation's messages as rune state, read a page at a time (state/message-pages.ts).
 * Must be created while a component initialises (it owns effects); a new peer starts over.
 * `target` is the sortKey of a message that must be read (to be shown), or null.
 */
export class MessageWindow {
  view = $state.raw<MessagePagesView>(EMPTY_VIEW);
  private pages: MessagePages | null = null;

  constructor(peer: () => PeerId, target: () => string | null) {
    $effect(() => {
      const pages = new MessagePages(peer(), (view) => (this.view = view));
      this.pages = pages;
      return () => {
        pages.close();
        this.view = EMPTY_VIEW;
      };
    });
    // After the effect above, which makes the pages of a new peer first.
    $effect(() => {
      const sortKey = target();
      if (sortKey !== null) this.pages?.reach(sortKey);
    });
  }

  /** The user scrolled up to the oldest message read so far. */
  loadOlder(): void {
    this.pages?.loadOlder();
  }
}
