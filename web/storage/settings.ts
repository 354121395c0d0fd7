import { db } from './db.ts';

// The device's settings, read as a whole with defaults filled in, written one at a time.

export interface Settings {
  /** Privacy mode: only TURN-relayed ICE candidates, so peers never learn this device's IP. */
  relayOnly: boolean;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = { relayOnly: false };

export async function loadSettings(): Promise<Settings> {
  const row = await db.settings.get('device');
  return { relayOnly: row?.relayOnly ?? DEFAULT_SETTINGS.relayOnly };
}

export async function saveSetting<K extends keyof Settings>(name: K, value: Settings[K]): Promise<void> {
  await db.transaction('rw', db.settings, async () => {
    const row = (await db.settings.get('device')) ?? { key: 'device' as const };
    await db.settings.put({ ...row, [name]: value });
  });
}
