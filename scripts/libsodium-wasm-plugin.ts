import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

// libsodium's WebAssembly as a file of its own in production builds. The libsodium-sumo package
// inlines it in its JavaScript as a base64 string (380 kB), which the page decodes on its main
// thread and then compiles: on a phone, one of the longest tasks after the main screen appears.
// As a file it is fetched with `WebAssembly.instantiateStreaming`, compiled off the main thread
// while it downloads.
//
// libsodium-wrappers-sumo calls the package's module factory itself, with no way to pass it the
// WebAssembly; so its import of `libsodium-sumo` gets web/crypto/libsodium-wasm.ts instead, which
// calls the factory with an `instantiateWasm` option (emscripten's own) that loads the file. The
// string is cut out of the package's code, so that it is not downloaded twice; nothing reads it
// once `instantiateWasm` is given. The backup worker (built on its own) keeps the package as it is.

const PACKAGE = 'libsodium-sumo';
const WASM_URL_MODULE = 'tincan:libsodium-wasm-url';
const LOADER = fileURLToPath(new URL('../web/crypto/libsodium-wasm.ts', import.meta.url));
/** The package's ESM build, the one libsodium-wrappers-sumo's ESM build imports. */
const PACKAGE_MODULE = /[\\/]libsodium-sumo[\\/]dist[\\/]modules-sumo-esm[\\/]libsodium-sumo\.mjs$/;
/** A string literal holding base64 that starts with the WebAssembly magic number, "\0asm". */
const INLINED_WASM = /"(AGFzbQ[A-Za-z0-9+/]*={0,2})"/g;

export function libsodiumWasmFile(): Plugin {
  return {
    name: 'tincan:libsodium-wasm',
    apply: 'build',
    enforce: 'pre',
    resolveId: {
      filter: { id: /^(libsodium-sumo|tincan:libsodium-wasm-url)$/ },
      handler(source, importer) {
        if (source === WASM_URL_MODULE) return `\0${WASM_URL_MODULE}`;
        return importer === LOADER ? this.resolve(source, importer, { skipSelf: true }) : LOADER;
      },
    },
    load: {
      filter: { id: /^\0tincan:libsodium-wasm-url$/ },
      async handler() {
        const packageModule = (await this.resolve(PACKAGE, LOADER, { skipSelf: true }))?.id;
        if (!packageModule) throw new Error(`${PACKAGE} cannot be found from ${LOADER}`);
        const { base64 } = inlinedWasm(readFileSync(packageModule, 'utf8'), packageModule);
        const ref = this.emitFile({ type: 'asset', name: 'libsodium-sumo.wasm', source: Buffer.from(base64, 'base64') });
        return `export default import.meta.ROLLUP_FILE_URL_${ref};`;
      },
    },
    transform: {
      filter: { id: PACKAGE_MODULE },
      handler(code, id) {
        const { start, end } = inlinedWasm(code, id);
        return { code: `${code.slice(0, start)}""${code.slice(end)}`, map: null };
      },
    },
  };
}

/** Where the inlined WebAssembly is in the package's code; fails the build unless it is there once. */
function inlinedWasm(code: string, id: string): { start: number; end: number; base64: string } {
  const found = [...code.matchAll(INLINED_WASM)];
  if (found.length !== 1) {
    throw new Error(`${id}: expected one inlined WebAssembly module, found ${found.length}; has ${PACKAGE} changed how it embeds it?`);
  }
  const [match] = found as [RegExpExecArray];
  return { start: match.index, end: match.index + match[0].length, base64: match[1]! };
}
