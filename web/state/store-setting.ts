import { saveSetting, type Settings } from '../storage/settings.ts';

// A setting takes effect at once and is stored afterwards. When storing fails (the disk is full,
// the browser refuses), it stays in effect until Tincan is reloaded, and the user is told so.

/** Stores a setting already in effect; on failure `report` gets a sentence that names `what`. */
export async function storeSetting<K extends keyof Settings>(
  name: K,
  value: Settings[K],
  what: string,
  report: (text: string) => void,
): Promise<void> {
  try {
    await saveSetting(name, value);
  } catch (error) {
    console.error('settings not stored', error);
    report(`Could not store ${what} only until Tincan is reloaded.`);
  }
}
