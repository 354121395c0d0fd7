import type { Theme } from '../storage/settings.ts';

// The colour theme is a data-theme attribute on <html> that app.css reads ("light" or "dark";
// without it the system's scheme applies). The setting is stored with the others in IndexedDB,
// which can only be read asynchronously, after the first paint; so a copy is kept in
// localStorage, which main.ts reads synchronously before the app mounts. Without the copy (it
// was cleared, or storage is disabled) the page shows the system's scheme until the setting is
// read, nothing worse.

const COPY_KEY = 'tincan-theme';

export function applyTheme(theme: Theme): void {
  setAttribute(theme);
  try {
    localStorage.setItem(COPY_KEY, theme);
  } catch {
    // Storage refused (private mode, quota): only the first paint before the setting is read suffers.
  }
}

/** Applies the theme last applied on this device, before anything is drawn. */
export function applyRememberedTheme(): void {
  let remembered: string | null = null;
  try {
    remembered = localStorage.getItem(COPY_KEY);
  } catch {
    return;
  }
  if (remembered === 'light' || remembered === 'dark') setAttribute(remembered);
}

function setAttribute(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
