import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../tests/fixtures/chromium.ts';

// Draws Tincan's icon (two tin cans joined by a string) and writes it to public/: the SVG the
// page uses as its favicon, and the PNGs an installed app needs. Run once after changing the
// drawing (`npx tsx scripts/make-icons.ts`) and commit the files; the build only copies them.
//
// The PNGs are rasterized by Chromium itself, so they look exactly like the SVG in a browser.

const publicDir = fileURLToPath(new URL('../public', import.meta.url));

/** Teal from web/app.css (--accent) and lighter tints of it for the cans and the string. */
const COLORS = { background: '#0f766e', can: '#99f6e4', band: '#5eead4', light: '#ccfbf1' };

/** The cans and the string, drawn on a 64×64 canvas, centred. */
const GLYPH = `
  <path d="M24 31 Q32 39 40 31" fill="none" stroke="${COLORS.light}" stroke-width="1.6" stroke-linecap="round"/>
  <g id="can" transform="rotate(-20 16 31)">
    <rect x="7" y="23" width="17" height="16" rx="1.5" fill="${COLORS.can}"/>
    <rect x="11" y="23" width="2" height="16" fill="${COLORS.band}"/>
    <rect x="18" y="23" width="2" height="16" fill="${COLORS.band}"/>
    <ellipse cx="7" cy="31" rx="2.6" ry="8" fill="${COLORS.light}"/>
  </g>
  <use href="#can" transform="translate(64 0) scale(-1 1)"/>`;

/**
 * `rounded`: the usual app-icon tile, for browsers that show the icon as it is. Otherwise a
 * full-bleed square: a maskable icon (the platform cuts its own shape out of it, so the drawing
 * shrinks into the central safe zone, a circle of 80% of the width) or Apple's touch icon (iOS
 * rounds the corners itself).
 */
function iconSvg(shape: 'rounded' | 'square' | 'maskable'): string {
  const tile = shape === 'rounded' ? '<rect width="64" height="64" rx="14"' : '<rect width="64" height="64"';
  const glyph = shape === 'maskable' ? `<g transform="translate(32 31) scale(0.72) translate(-32 -31)">${GLYPH}</g>` : GLYPH;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">${tile} fill="${COLORS.background}"/>${glyph}</svg>\n`;
}

const PNGS: { file: string; size: number; shape: Parameters<typeof iconSvg>[0] }[] = [
  { file: 'icon-192.png', size: 192, shape: 'rounded' },
  { file: 'icon-512.png', size: 512, shape: 'rounded' },
  { file: 'icon-maskable-512.png', size: 512, shape: 'maskable' },
  { file: 'apple-touch-icon.png', size: 180, shape: 'square' },
];

writeFileSync(join(publicDir, 'icon.svg'), iconSvg('rounded'));

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 512, height: 512 }, deviceScaleFactor: 1 });
  for (const { file, size, shape } of PNGS) {
    const sized = iconSvg(shape).replace('<svg ', `<svg width="${size}" height="${size}" `);
    await page.setContent(`<body style="margin:0">${sized}</body>`);
    await page.locator('svg').screenshot({ path: join(publicDir, file), omitBackground: true });
    console.log(`public/${file} (${size}×${size}, ${shape})`);
  }
} finally {
  await browser.close();
}
