/**
 * The whole `bragg serve` app on temporary folders, for `inject` tests: a data root with
 * copies of the bundled samples (and a sub-folder), an upload area, a models root, and a
 * command context whose run registry lives in the temporary folder.
 */
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandContext } from '../../../src/app/context.js';
import { samplesDir } from '../../../src/core/paths.js';
import { createServer } from '../../../src/server/app.js';
import type { BraggServer } from '../../../src/server/app.js';
import type { ServerOptions } from '../../../src/server/context.js';

export interface TestServer extends BraggServer {
  dir: string;
  dataDir: string;
  uploadsDir: string;
  /** Closes the server and removes the folders. */
  dispose(): Promise<void>;
}

export const SAMPLE_FILES = ['au-001.dm4', 'au-001.npy', 'au-001.png', 'au-001.tif'] as const;

export async function testServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'bragg-serve-')));
  const dataDir = join(dir, 'data');
  const uploadsDir = join(dir, 'uploads');
  mkdirSync(join(dataDir, 'sub'), { recursive: true });
  for (const f of SAMPLE_FILES) copyFileSync(join(samplesDir(), f), join(dataDir, f));
  copyFileSync(join(samplesDir(), 'au-001.npy'), join(dataDir, 'sub', 'copy.npy'));
  const env = { ...process.env, BRAGG_HOME: dir, BRAGG_RUNS_DB: join(dir, 'runs.sqlite') };
  const server = await createServer({
    data: [dataDir],
    uploads: uploadsDir,
    models: join(dir, 'models'),
    webRoot: join(dir, 'no-web'),
    command: createCommandContext(env),
    ...options,
  });
  return {
    ...server,
    dir,
    dataDir,
    uploadsDir,
    async dispose() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A multipart/form-data body with one file part. */
export function multipartBody(
  field: string,
  filename: string,
  bytes: Uint8Array,
  boundary = 'braggtestboundary',
): { payload: Buffer; headers: Record<string, string> } {
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    payload: Buffer.concat([head, Buffer.from(bytes), tail]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
