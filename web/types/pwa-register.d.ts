// Types of vite-plugin-pwa's `virtual:pwa-register` module (web/state/app-update.svelte.ts).
/// <reference types="vite-plugin-pwa/vanillajs" />
