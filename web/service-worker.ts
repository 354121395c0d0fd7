import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NOTIFICATION_CLICKED, peerOf, type NotificationClicked } from './state/service-worker-messages.ts';

// The service worker: keeps this version of the app (every file of the build) so that Tincan
// opens with no network or no server, and history, which lives in IndexedDB, is there to read.
//
// It answers only two kinds of request, both from its precache: the build's own files, and
// navigations to the app's page. Everything else goes to the network untouched: the signaling
// WebSocket (/ws) never reaches a service worker at all, and /healthz is not the app's page.
//
// A new version is installed next to this one and waits: the page asks the user, and only then
// sends SKIP_WAITING (web/state/app-update.svelte.ts). Until it does, every open tab keeps
// running the version it started with, files and all.

interface WindowClient {
  focus(): Promise<WindowClient>;
  postMessage(message: NotificationClicked): void;
}

interface NotificationEvent extends Event {
  notification: Notification;
  waitUntil(promise: Promise<unknown>): void;
}

interface ServiceWorkerScope {
  /** The build's files and their revisions, written in at build time by vite-plugin-pwa. */
  __WB_MANIFEST: (string | PrecacheEntry)[];
  clients: {
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClient[]>;
    openWindow(url: string): Promise<WindowClient | null>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'message', listener: (event: MessageEvent<unknown>) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationEvent) => void): void;
}
declare const self: ServiceWorkerScope;

cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);

/** The app's one page, with or without a query string (`/`, `/index.html`, `/?…`). */
const APP_PAGE = /^\/(index\.html)?(\?.*)?$/;
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { allowlist: [APP_PAGE] }));

self.addEventListener('message', (event) => {
  // workbox-window's messageSkipWaiting(), sent when the user chooses to reload.
  const data = event.data;
  if (typeof data === 'object' && data !== null && 'type' in data && data.type === 'SKIP_WAITING') void self.skipWaiting();
});

// Where the page cannot show notifications itself (Chrome on Android), it has this worker show
// them; a click brings a Tincan window forward and tells it which conversation to open.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const peer = peerOf(event.notification.data);
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (windows) => {
      const target = windows[0] ?? (await self.clients.openWindow('/'));
      if (!target) return;
      await target.focus();
      if (peer !== null) target.postMessage({ type: NOTIFICATION_CLICKED, peer });
    }),
  );
});
