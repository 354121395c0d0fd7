import { db } from './db.ts';

// The device's settings, read as a whole with defaults filled in, written one at a time.

export interface Settings {
  /** Privacy mode: only TURN-relayed ICE candidates, so peers never learn this device's IP. */
  relayOnly: boolean;
  /** Tell contacts when their messages have been read (delivery receipts are always sent). */
  readReceipts: boolean;
  /** Show a system notification for messages that arrive while Tincan is not in view (once permitted). */
  notifications: boolean;
  /** Put the message text in notifications; off, they only say that a message came. */
  notificationText: boolean;
  /** The user answered (or waved away) the main screen's offer to turn notifications on. */
  notificationPromptDone: boolean;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = {
  relayOnly: false,
  readReceipts: true,
  notifications: true,
  notificationText: true,
  notificationPromptDone: false,
};

export async function loadSettings(): Promise<Settings> {
  const row = await db.settings.get('device');
  return {
    relayOnly: row?.relayOnly ?? DEFAULT_SETTINGS.relayOnly,
    readReceipts: row?.readReceipts ?? DEFAULT_SETTINGS.readReceipts,
    notifications: row?.notifications ?? DEFAULT_SETTINGS.notifications,
    notificationText: row?.notificationText ?? DEFAULT_SETTINGS.notificationText,
    notificationPromptDone: row?.notificationPromptDone ?? DEFAULT_SETTINGS.notificationPromptDone,
  };
}

export async function saveSetting<K extends keyof Settings>(name: K, value: Settings[K]): Promise<void> {
  await db.transaction('rw', db.settings, async () => {
    const row = (await db.settings.get('device')) ?? { key: 'device' as const };
    await db.settings.put({ ...row, [name]: value });
  });
}
