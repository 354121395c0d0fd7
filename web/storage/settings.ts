import type { OwnIceServer } from '../net/ice-server-input.ts';
import { db } from './db.ts';

// The device's settings, read as a whole with defaults filled in, written one at a time.

export type Theme = 'system' | 'light' | 'dark';
export const THEMES: readonly Theme[] = ['system', 'light', 'dark'];

export interface Settings {
  /** Privacy mode: only TURN-relayed ICE candidates, so peers never learn this device's IP. */
  relayOnly: boolean;
  /** The signaling server's WebSocket URL the user chose; null: the server the app came from. */
  signalingUrl: string | null;
  /** STUN/TURN servers the user added, used as well as the signaling server's (net/ice-policy.ts). */
  iceServers: OwnIceServer[];
  theme: Theme;
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
  signalingUrl: null,
  iceServers: [],
  theme: 'system',
  readReceipts: true,
  notifications: true,
  notificationText: true,
  notificationPromptDone: false,
};

export async function loadSettings(): Promise<Settings> {
  const row = await db.settings.get('device');
  return {
    relayOnly: row?.relayOnly ?? DEFAULT_SETTINGS.relayOnly,
    signalingUrl: row?.signalingUrl ?? DEFAULT_SETTINGS.signalingUrl,
    iceServers: row?.iceServers ?? DEFAULT_SETTINGS.iceServers,
    theme: row?.theme && THEMES.includes(row.theme) ? row.theme : DEFAULT_SETTINGS.theme,
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
