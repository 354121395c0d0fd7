import { isPeerId, type PeerId } from '../protocol/ids.ts';

// Messages between the page and the service worker, besides workbox's own (SKIP_WAITING).

/** The service worker tells a window that the user clicked the notification of `peer`. */
export const NOTIFICATION_CLICKED = 'NOTIFICATION_CLICKED';

export interface NotificationClicked {
  type: typeof NOTIFICATION_CLICKED;
  peer: string;
}

/**
 * The contact a notification's data, or a NOTIFICATION_CLICKED message, names (`{ peer }`); null
 * when there is none or it is not a peer ID. Both ends read them with this.
 */
export function peerOf(data: unknown): PeerId | null {
  if (typeof data !== 'object' || data === null || !('peer' in data)) return null;
  return isPeerId(data.peer) ? data.peer : null;
}
