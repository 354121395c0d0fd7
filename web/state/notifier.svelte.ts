import type { PeerId } from '../protocol/ids.ts';
import type { ContactRow } from '../storage/db.ts';
import { DEFAULT_SETTINGS, type Settings } from '../storage/settings.ts';
import { notificationContent, shouldNotify, type Attention } from './notify-policy.ts';
import { NOTIFICATION_CLICKED, peerOf } from './service-worker-messages.ts';
import { storeSetting } from './store-setting.ts';

// System notifications for new messages: the browser's permission, the user's settings, and the
// notifications on screen (one per conversation). Permission is only ever asked for from a click
// (enable): a prompt on load is what teaches people to refuse.

export type NotificationPermissionState = NotificationPermission | 'unsupported';

const supported = (): boolean => typeof Notification !== 'undefined';
const currentPermission = (): NotificationPermissionState => (supported() ? Notification.permission : 'unsupported');

type NotificationSetting = 'notifications' | 'notificationText' | 'notificationPromptDone';

export class Notifier {
  permission = $state<NotificationPermissionState>(currentPermission());
  /** The user's switch, apart from the browser's permission. */
  enabled = $state(DEFAULT_SETTINGS.notifications);
  showText = $state(DEFAULT_SETTINGS.notificationText);
  /** The main screen's offer to turn notifications on was answered; it is not made again. */
  promptDone = $state(DEFAULT_SETTINGS.notificationPromptDone);
  private readonly shown = new Map<PeerId, Notification>();

  constructor(
    /** Shows a conversation (a notification was clicked). */
    private readonly open: (peer: PeerId) => void,
    /** Something the user must hear about (a setting could not be stored). */
    private readonly report: (text: string) => void,
  ) {
    void this.followPermission();
  }

  load(settings: Settings): void {
    this.enabled = settings.notifications;
    this.showText = settings.notificationText;
    this.promptDone = settings.notificationPromptDone;
  }

  /** Notifications would be shown now (the user wants them and the browser allows them). */
  get active(): boolean {
    return this.enabled && this.permission === 'granted';
  }

  /** Asks the browser for permission. Only from a user's action (a click on "Enable notifications"). */
  async enable(): Promise<void> {
    if (!supported()) return;
    this.permission = await Notification.requestPermission();
    this.promptDone = true;
    await this.store('notificationPromptDone', true);
    if (this.permission === 'granted' && !this.enabled) await this.setEnabled(true);
  }

  async setEnabled(on: boolean): Promise<void> {
    this.enabled = on;
    if (!on) for (const peer of [...this.shown.keys()]) this.dismiss(peer);
    await this.store('notifications', on);
  }

  async setShowText(on: boolean): Promise<void> {
    this.showText = on;
    await this.store('notificationText', on);
  }

  async dismissPrompt(): Promise<void> {
    this.promptDone = true;
    await this.store('notificationPromptDone', true);
  }

  /** New messages from `contact` were stored; tells the user if they cannot be looking. */
  messagesArrived(contact: ContactRow | undefined, latestText: string, unread: number, attention: Attention): void {
    if (!shouldNotify(contact, attention, this.active)) return;
    const { title, body, tag } = notificationContent(contact, latestText, unread, this.showText);
    // The one shown for this conversation goes first: the new one (same tag) alerts afresh
    // instead of silently taking its place.
    this.dismiss(contact.id);
    let notification: Notification;
    try {
      notification = new Notification(title, { body, tag, icon: '/icon.svg' });
    } catch {
      // Chrome on Android only shows notifications through the service worker; a click on one
      // comes back as a message from it (see listenToServiceWorker).
      void this.showFromServiceWorker(title, { body, tag, icon: '/icon.svg', data: { peer: contact.id } });
      return;
    }
    this.shown.set(contact.id, notification);
    notification.onclick = () => {
      window.focus();
      this.open(contact.id);
      this.dismiss(contact.id);
    };
    notification.onclose = () => {
      if (this.shown.get(contact.id) === notification) this.shown.delete(contact.id);
    };
  }

  /** The conversation is on screen: its notification has nothing left to say. */
  dismiss(peer: PeerId): void {
    this.shown.get(peer)?.close();
    this.shown.delete(peer);
    void this.serviceWorker()?.then((registration) =>
      registration?.getNotifications().then((all) => {
        for (const notification of all) if (peerOf(notification.data) === peer) notification.close();
      }),
    );
  }

  /** Opens the conversation of a notification the service worker showed, when it is clicked. */
  listenToServiceWorker(): void {
    navigator.serviceWorker?.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data;
      if (typeof data !== 'object' || data === null || !('type' in data) || data.type !== NOTIFICATION_CLICKED) return;
      const peer = peerOf(data);
      if (peer !== null) this.open(peer);
    });
  }

  private async showFromServiceWorker(title: string, options: NotificationOptions): Promise<void> {
    try {
      const registration = await this.serviceWorker();
      if (!registration) throw new Error('no service worker');
      await registration.showNotification(title, options);
    } catch (error) {
      console.warn('notification not shown', error);
    }
  }

  private serviceWorker(): Promise<ServiceWorkerRegistration | undefined> | undefined {
    return navigator.serviceWorker?.getRegistration();
  }

  /** The user may allow or block notifications in the browser's site settings at any time. */
  private async followPermission(): Promise<void> {
    if (!supported() || !navigator.permissions) return;
    try {
      const status = await navigator.permissions.query({ name: 'notifications' });
      status.onchange = () => (this.permission = currentPermission());
    } catch {
      // This browser cannot be asked: the permission is read again on the next enable().
    }
  }

  private store(name: NotificationSetting, value: boolean): Promise<void> {
    return storeSetting(name, value, 'the notification setting: it lasts', this.report);
  }
}
