/**
 * `bragg serve` for the browser tests: the real server (`createServer` of src/server/app.ts, the
 * app `bragg serve` runs) on 127.0.0.1 on a free port, serving the built UI (`dist/web`; built
 * here with Vite when it is missing) with the given data roots and models root.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/core/paths.js';
import { createServer } from '../../../src/server/app.js';

export const WEB_ROOT = join(packageRoot(), 'dist', 'web');

/** Builds the UI into dist/web unless it is there (`npm run build` builds it as well). */
export async function ensureWebBuilt(): Promise<string> {
  if (existsSync(join(WEB_ROOT, 'index.html'))) return WEB_ROOT;
  const { build } = await import('vite');
  await build({ configFile: join(packageRoot(), 'web', 'vite.config.ts'), logLevel: 'error' });
  return WEB_ROOT;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  data: string[];
  models: string;
  uploads: string;
}

export async function startServer(o: TestServerOptions): Promise<TestServer> {
  const webRoot = await ensureWebBuilt();
  const server = await createServer({
    data: o.data,
    models: o.models,
    uploads: o.uploads,
    webRoot,
    workers: 1,
  });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => server.close() };
}
