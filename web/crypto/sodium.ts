import sodiumModule from 'libsodium-wrappers';

// libsodium must finish loading its WebAssembly before any call. Everything in crypto/ goes
// through `sodium()` so nothing can run before that.

let ready: Promise<typeof sodiumModule> | null = null;

export function sodium(): Promise<typeof sodiumModule> {
  ready ??= sodiumModule.ready.then(() => sodiumModule);
  return ready;
}
