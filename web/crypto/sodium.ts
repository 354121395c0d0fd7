import type sodiumModule from 'libsodium-wrappers-sumo';
import { yieldToMain } from '../main-thread.ts';

// libsodium must finish loading its WebAssembly before any call. Everything in crypto/ goes
// through `sodium()` so nothing can run before that.
//
// The sumo build, not the standard one: sessions need HMAC-SHA256 (the Double Ratchet's chain
// KDF and HKDF, built on it in hkdf.ts), safety numbers need SHA-512 and backups need Argon2id
// (crypto_pwhash); the standard libsodium-wrappers build exports none of them.
//
// Loaded on first use, as a chunk of its own: it is over half of the app's code, and the first
// screen (and the main screen until its services start) can be shown without it.

export type Sodium = typeof sodiumModule;

let ready: Promise<Sodium> | null = null;
let loaded: Sodium | null = null;

export function sodium(): Promise<Sodium> {
  ready ??= import('libsodium-wrappers-sumo').then(async ({ default: library }) => {
    await library.ready;
    // Loading it is a long task of its own; whatever the caller does with it next waits for the
    // next one, with the page's own work (input, a frame) in between.
    await yieldToMain();
    return (loaded = library);
  });
  return ready;
}

/**
 * The library, synchronously, for code that must not yield: session crypto runs inside IndexedDB
 * transactions, and Dexie keeps a transaction's zone only across a few native awaits. Throws if
 * nothing has awaited sodium() yet (the callers do, before they open the transaction).
 */
export function sodiumNow(): Sodium {
  if (!loaded) throw new Error('libsodium is not loaded yet: await sodium() first');
  return loaded;
}
