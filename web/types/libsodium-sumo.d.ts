// The raw emscripten module under libsodium-wrappers-sumo (the package ships no types), as far as
// web/crypto/libsodium-wasm.ts uses it, and the URL of its WebAssembly file in a production build
// (scripts/libsodium-wasm-plugin.ts).
declare module 'libsodium-sumo' {
  export interface EmscriptenOptions {
    [option: string]: unknown;
    /** Instantiates the module's WebAssembly with `imports`, then calls `done`; returns {} meanwhile. */
    instantiateWasm?: (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => object;
  }
  export default function libsodiumModule(options?: EmscriptenOptions): Promise<unknown>;
}

declare module 'tincan:libsodium-wasm-url' {
  const url: string;
  export default url;
}
