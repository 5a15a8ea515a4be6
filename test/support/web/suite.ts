/**
 * What every browser test of the UI sets up the same way: a temporary folder with the test's
 * fixtures, Debian's Chromium, and the real server (`startServer`) on that folder — started in
 * `beforeAll`, closed and removed in `afterAll` — then pages opened on a route of the UI whose
 * console errors are checked when the test's steps are done (the page is closed whatever
 * happens), files dropped on a drop zone, and canvas screenshots once WebGL has drawn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { CHROMIUM_SKIP_REASON, HAS_CHROMIUM, launchChromium, watchedPage, type WatchedPage } from './browser.js'; // prettier-ignore
import { startServer, type TestServer, type TestServerOptions } from './server.js';

/** A browser suite's title, with the reason when it is skipped (no Chromium). */
export function browserSuiteTitle(name: string): string {
  return HAS_CHROMIUM ? name : `${name} (skipped: ${CHROMIUM_SKIP_REASON})`;
}

export interface BrowserSuiteOptions<T> {
  /** In the temporary folder's name (`bragg-web-<name>-…`). */
  name: string;
  /** Writes the fixtures into the suite's folder (while Chromium starts); gives `fixture`. */
  prepare?: (dir: string) => Promise<T> | T;
  /** The server's roots over the defaults: data `[dir]`, models `dir/models`, uploads `dir/uploads`. */
  server?: (dir: string, fixture: T) => Partial<TestServerOptions>;
  /** Time limit of the setup [ms] (default 60 s; a fixture that trains a model needs more). */
  timeoutMs?: number;
}

export interface BrowserSuite<T> {
  /** The suite's temporary folder. */
  readonly dir: string;
  /** The server, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly browser: Browser;
  /** What `prepare` gave. */
  readonly fixture: T;
  /** POSTs `body` as JSON to the server's `path`, expects `status` (default 200); the answer's JSON. */
  postJson<R>(path: string, body: unknown, status?: number): Promise<R>;
}

/** Registers the suite's `beforeAll` / `afterAll` (call it in a `describe`); see the module doc. */
export function useBrowserSuite<T = undefined>(o: BrowserSuiteOptions<T>): BrowserSuite<T> {
  let dir = '';
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let fixture: T | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `bragg-web-${o.name}-`));
    const [prepared, launched] = await Promise.allSettled([
      (async () => o.prepare?.(dir))(),
      launchChromium(),
    ]);
    if (launched.status === 'fulfilled') browser = launched.value;
    if (prepared.status === 'rejected') throw prepared.reason;
    if (launched.status === 'rejected') throw launched.reason;
    fixture = prepared.value as T;
    server = await startServer({
      data: [dir],
      models: join(dir, 'models'),
      uploads: join(dir, 'uploads'),
      ...o.server?.(dir, fixture),
    });
  }, o.timeoutMs ?? 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  const started = <V>(v: V | undefined, what: string): V => {
    if (v === undefined) throw new Error(`the browser suite's ${what} is not there: its setup did not run or failed`); // prettier-ignore
    return v;
  };
  return {
    get dir() {
      return dir;
    },
    get url() {
      return started(server, 'server').url;
    },
    get browser() {
      return started(browser, 'browser');
    },
    get fixture() {
      return fixture as T;
    },
    async postJson<R>(path: string, body: unknown, status = 200): Promise<R> {
      const res = await fetch(`${started(server, 'server').url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      expect(res.status, text.slice(0, 500)).toBe(status);
      return JSON.parse(text) as R;
    },
  };
}

export interface PageOptions {
  /** Console errors that are expected (e.g. the browser's line about a 400 answer). */
  allow?: RegExp;
  /** Whether the page's console errors are checked at the end (default true). */
  checkErrors?: boolean;
}

/**
 * Opens a watched page — on the UI route `route` (`<url>/#/<route>`) when given, else `steps`
 * navigates itself — runs `steps`, then checks that no console error was logged (beyond
 * `allow`); the page is closed in every case.
 */
export async function onPage(
  suite: BrowserSuite<unknown>,
  route: string | undefined,
  steps: (w: WatchedPage) => Promise<void>,
  o: PageOptions = {},
): Promise<void> {
  const w = await watchedPage(suite.browser);
  try {
    if (route !== undefined) await w.page.goto(`${suite.url}/#/${route}`);
    await steps(w);
    if (o.checkErrors !== false) {
      expect(w.errors.filter((e) => !(o.allow?.test(e) ?? false))).toEqual([]);
    }
  } finally {
    await w.page.close();
  }
}

/** Drops a file (`name`, `bytes`) on the element of test id `testId`, as a user's drag does. */
export async function dropFile(
  page: Page,
  testId: string,
  name: string,
  bytes: Uint8Array,
): Promise<void> {
  const dt = await page.evaluateHandle(
    ([b, n]) => {
      // runs in the page: the DOM's DataTransfer and File (not in Node's types)
      const g = globalThis as unknown as {
        DataTransfer: new () => { items: { add(f: unknown): void } };
        File: new (parts: unknown[], name: string) => unknown;
      };
      const t = new g.DataTransfer();
      t.items.add(new g.File([new Uint8Array(b)], n));
      return t;
    },
    [[...bytes], name] as const,
  );
  await page.getByTestId(testId).dispatchEvent('drop', { dataTransfer: dt });
}

/** A screenshot of the first canvas in `[data-testid=<testId>]`, once WebGL has drawn it. */
export async function canvasShot(page: Page, testId: string): Promise<Buffer> {
  const canvas = page.locator(`[data-testid="${testId}"] canvas`).first();
  await canvas.waitFor({ state: 'visible' });
  // Let three.js render the texture (two animation frames).
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  return canvas.screenshot();
}
