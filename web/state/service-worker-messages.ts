// Messages between the page and the service worker, besides workbox's own (SKIP_WAITING).

/** The service worker tells a window that the user clicked the notification of `peer`. */
export const NOTIFICATION_CLICKED = 'NOTIFICATION_CLICKED';

export interface NotificationClicked {
  type: typeof NOTIFICATION_CLICKED;
  peer: string;
}
