// The raw emscripten module under libsodium-wrappers-sumo (the package ships no types), as far as
// web/crypto/libsodium-wasm.ts (its options) and web/crypto/aead.ts (the instance, which the
// wrapper exposes as `libsodium`) use it, and the URL of its WebAssembly file in a production
// build (scripts/libsodium-wasm-plugin.ts).
declare module 'libsodium-sumo' {
  /** An address in the module's memory (HEAPU8). */
  export type Pointer = number;

  /** The instance's memory and the C functions called past the wrapper; 64-bit lengths as two 32-bit halves. */
  export interface LibsodiumModule {
    HEAPU8: Uint8Array;
    _malloc(size: number): Pointer;
    _free(pointer: Pointer): void;
    _crypto_aead_xchacha20poly1305_ietf_encrypt(
      c: Pointer,
      clenP: Pointer,
      m: Pointer,
      mlenLow: number,
      mlenHigh: number,
      ad: Pointer,
      adlenLow: number,
      adlenHigh: number,
      nsec: Pointer,
      npub: Pointer,
      k: Pointer,
    ): number;
    _crypto_aead_xchacha20poly1305_ietf_decrypt(
      m: Pointer,
      mlenP: Pointer,
      nsec: Pointer,
      c: Pointer,
      clenLow: number,
      clenHigh: number,
      ad: Pointer,
      adlenLow: number,
      adlenHigh: number,
      npub: Pointer,
      k: Pointer,
    ): number;
  }

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
