/**
 * The Files page on an image bigger than one JSON answer (2100 × 1100 float32: 2.3 Mi pixels,
 * the limit is 1 Mi) in Debian's Chromium against the real server: it shows the whole image as
 * the server's block means (the request carries `bin`; the route's own test checks the answer), draws it, zooms
 * into a full-resolution region around a chosen pixel (a slice, no bin), pans, and goes back.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndarray } from '../../src/core/ndarray.js';
import { writeNpy } from '../../src/formats/npy/npy.js';
import { HAS_CHROMIUM, pixelVariance } from '../support/web/browser.js';
import { browserSuiteTitle, canvasShot, onPage, useBrowserSuite } from '../support/web/suite.js';

const H = 2100;
const W = 1100;

describe.skipIf(!HAS_CHROMIUM)(browserSuiteTitle('browser big image'), () => {
  const suite = useBrowserSuite({
    name: 'big',
    prepare(dir) {
      mkdirSync(join(dir, 'data'));
      // rings around the centre: structure at every scale
      const data = new Float32Array(H * W);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) data[y * W + x] = Math.sin(Math.hypot(y - H / 2, x - W / 2) / 40) + y / H; // prettier-ignore
      }
      writeFileSync(join(dir, 'data', 'big.npy'), writeNpy(ndarray('float32', [H, W], data)));
    },
    server: (dir) => ({ data: [join(dir, 'data')] }),
  });

  it('shows the whole image binned, zooms into a full-resolution region, pans and goes back', () =>
    onPage(suite, undefined, async ({ page }) => {
      const overview = page.waitForResponse((r) => r.url().includes('/api/files/data') && r.url().includes('bin=2')); // prettier-ignore
      await page.goto(`${suite.url}/#/files?root=data0&file=big.npy`);
      const res = await overview;
      expect(res.status()).toBe(200);
      const note = page.getByTestId('view-note');
      await expect(note.textContent()).resolves.toMatch(
        /whole 2100 × 1100 image as 2 × 2 block means/,
      );
      expect(pixelVariance(await canvasShot(page, 'heatmap'))).toBeGreaterThan(20);

      await page.getByLabel('zoom row').fill('100');
      await page.getByLabel('zoom column').fill('1000');
      const zoomed = page.waitForResponse((r) => r.url().includes('/api/files/data') && !r.url().includes('bin=')); // prettier-ignore
      await page.getByRole('button', { name: '+ zoom to full resolution' }).click();
      const z = await zoomed;
      expect(decodeURIComponent(z.url())).toContain('slice=0:1024,76:1100');
      expect(z.status()).toBe(200);
      await expect(note.textContent()).resolves.toMatch(/full-resolution rows 0…1023, columns 76…1099 of 2100 × 1100/); // prettier-ignore
      expect(pixelVariance(await canvasShot(page, 'heatmap'))).toBeGreaterThan(20);

      const panned = page.waitForResponse((r) => decodeURIComponent(r.url()).includes('slice=100:1124,76:1100')); // prettier-ignore
      await page.getByLabel('pan down').click();
      expect((await panned).status()).toBe(200);

      await page.getByRole('button', { name: '− overview' }).click();
      await expect(note.textContent()).resolves.toMatch(/block means/);
    }));
});
