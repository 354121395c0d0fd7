import { registerSW } from 'virtual:pwa-register';

// The service worker (web/service-worker.ts) from the page's side: registers it, and says when a
// new version is installed and waiting, so the user can choose when to switch to it.

/** A tab can stay open for days; the browser itself only looks for a new version on navigation. */
const UPDATE_CHECK_INTERVAL_MS = 60 * 60 * 1000;

export class AppUpdate {
  /** A new version is installed and waits for the user's go-ahead. */
  waiting = $state(false);
  /** The user chose to reload: the new version is taking over, and the page reloads when it has. */
  applying = $state(false);
  private activate: (() => Promise<void>) | null = null;

  /** Production builds only: the dev server has no service worker to register. */
  register(): void {
    this.activate = registerSW({
      onNeedRefresh: () => (this.waiting = true),
      onRegisteredSW: (_url, registration) => {
        if (registration) setInterval(() => void registration.update().catch(() => {}), UPDATE_CHECK_INTERVAL_MS);
      },
      onRegisterError: (error: unknown) => console.warn('Service worker not registered: Tincan will not open offline.', error),
    });
  }

  /** Lets the waiting version take over; every tab of the app reloads into it. */
  async apply(): Promise<void> {
    this.applying = true;
    await this.activate?.();
  }

  /** Not now: the new version starts when every Tincan tab has been closed. */
  dismiss(): void {
    this.waiting = false;
  }
}

export const appUpdate = new AppUpdate();
