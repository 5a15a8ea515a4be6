/**
 * Debian's Chromium driven by playwright-core for the browser UI tests: launching it (WebGL
 * through SwiftShader, so the @h5web/lib heatmaps draw headless), a page that records every
 * console error and uncaught exception, and the pixel variance of a screenshot (a blank canvas
 * has none).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const CHROMIUM_SKIP_REASON = `${CHROMIUM} is absent (Debian: apt-get install chromium)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // --no-sandbox: tests run as root in containers; SwiftShader gives headless WebGL.
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught page errors seen so far (with the URL they came from). */
  errors: string[];
}

/** A new page (1280 × 900) whose console errors and page errors are recorded. */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Fail a missing element in 15 s rather than Playwright's 30 s.
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  // A request the page cancels itself (a closed EventSource, a navigation) is not a failure.
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? '';
    if (why !== 'net::ERR_ABORTED') errors.push(`request failed: ${r.url()} ${why}`);
  });

  return { page, errors };
}

/** Variance of the luminance of a PNG screenshot's pixels (0 for a single-colour image). */
export function pixelVariance(png: Uint8Array): number {
  const img = PNG.sync.read(Buffer.from(png));
  const n = img.width * img.height;
  let sum = 0;
  let sum2 = 0;
  for (let i = 0; i < n; i++) {
    const y =
      0.299 * img.data[4 * i]! + 0.587 * img.data[4 * i + 1]! + 0.114 * img.data[4 * i + 2]!;
    sum += y;
    sum2 += y * y;
  }
  const mean = sum / n;
  return sum2 / n - mean * mean;
}

/** How many distinct colours (RGB) a PNG screenshot has, up to `cap`. */
export function distinctColours(png: Uint8Array, cap = 1000): number {
  const img = PNG.sync.read(Buffer.from(png));
  const seen = new Set<number>();
  for (let i = 0; i < img.width * img.height && seen.size < cap; i++) {
    seen.add((img.data[4 * i]! << 16) | (img.data[4 * i + 1]! << 8) | img.data[4 * i + 2]!);
  }
  return seen.size;
}
