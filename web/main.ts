import { mount } from 'svelte';
import App from './components/App.svelte';
import { app } from './state/app.svelte.ts';
import './app.css';

mount(App, { target: document.getElementById('app')! });
void app.boot();
