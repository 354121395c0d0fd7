import libsodiumModule, { type EmscriptenOptions } from 'libsodium-sumo';
import wasmUrl from 'tincan:libsodium-wasm-url';

// What libsodium-wrappers-sumo imports as `libsodium-sumo` in a production build (the Vite plugin
// in scripts/libsodium-wasm-plugin.ts puts it there; `vite` dev and the unit tests load the package
// as it is). The package inlines its WebAssembly as a base64 string, which the page would decode
// and compile on its one thread, a long task on a phone; the build moves it to a file of its own,
// and this hands the module a loader for it (emscripten's `instantiateWasm` option), which
// compiles it off the main thread while it downloads.

export default function loadLibsodium(options: EmscriptenOptions = {}): Promise<unknown> {
  // emscripten never hears of a failure through instantiateWasm: without this, a missing file
  // would leave sodium() waiting forever instead of failing.
  let failed: (error: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => (failed = reject));
  const loaded = libsodiumModule({
    ...options,
    instantiateWasm(imports, done) {
      instantiate(imports).then(({ instance, module }) => done(instance, module), failed);
      return {}; // the exports come later, through `done`
    },
  });
  return Promise.race([loaded, failure]);
}

async function instantiate(imports: WebAssembly.Imports): Promise<WebAssembly.WebAssemblyInstantiatedSource> {
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`libsodium's WebAssembly could not be loaded: HTTP ${response.status}`);
  // Streaming compilation needs the right type; a server or proxy that sends another still works.
  if (response.headers.get('Content-Type')?.startsWith('application/wasm')) return WebAssembly.instantiateStreaming(response, imports);
  return WebAssembly.instantiate(await response.arrayBuffer(), imports);
}
