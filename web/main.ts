import { mount } from 'svelte';
import App from './components/App.svelte';
import { app } from './state/app.svelte.ts';
import { applyRememberedTheme } from './state/theme.ts';
import { appUpdate } from './state/app-update.svelte.ts';
import './app.css';

// The theme chosen in Settings, before the app draws anything (it is read from IndexedDB only later).
applyRememberedTheme();
mount(App, { target: document.getElementById('app')! });
void app.boot();
// The service worker makes a build installable and usable offline; `vite` (dev) has none.
if (import.meta.env.PROD) appUpdate.register();
