/**
 * The load test of `bragg serve` (issue 12): the server in-process on 127.0.0.1 with a free port
 * (the bundled samples as data root `data0`), and autocannon in the same process opening
 * `connections` (default 1,000) connections that cycle through a mix of good and bad requests
 * for `seconds` (default 10): health, version, roots, a listing, `info` of a DM4 and an NPY;
 * traversal, an unknown query field, a bad number, an unknown route, malformed JSON and a wrong
 * content type. The CPU-heavy routes (array data, simulation) are left out: under this many
 * connections their bounded queue answers 503 BUSY by design, which `heavy` counts apart when
 * asked (`--heavy`). Reports the responses by status class (5xx must be 0), socket errors and
 * timeouts, requests/s and latency percentiles.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createCommandContext } from '../../src/app/context.js';
import { samplesDir } from '../../src/core/paths.js';
import { createServer, LISTEN_BACKLOG } from '../../src/server/app.js';

export interface ServeLoadOptions {
  connections?: number;
  seconds?: number;
  /** Add a heavy request (a 64×64 slice of array data) to the mix. */
  heavy?: boolean;
}

export interface ServeLoadResult {
  connections: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  status: { '2xx': number; '4xx': number; '5xx': number; other: number };
  errors: number;
  /** Socket errors by code (ECONNRESET, …). */
  errorCodes: Record<string, number>;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  mix: string[];
  machine: string;
  loadBefore: number[];
}

const JSON_HEADERS = { 'content-type': 'application/json' };

const MIX: autocannon.Request[] = [
  { method: 'GET', path: '/api/health' },
  { method: 'GET', path: '/api/files?root=data0' },
  { method: 'GET', path: '/api/files/info?root=data0&path=au-001.dm4' },
  { method: 'GET', path: '/api/files?root=data0&path=..%2F..%2Fetc' },
  { method: 'GET', path: '/api/version' },
  { method: 'GET', path: '/api/files/info?root=data0&path=au-001.npy' },
  { method: 'GET', path: '/api/files?root=data0&bogus=1' },
  { method: 'GET', path: '/api/files/data?root=data0&path=au-001.npy&frame=abc' },
  { method: 'GET', path: '/api/roots' },
  { method: 'GET', path: '/api/no-such-route' },
  { method: 'POST', path: '/api/uploads', headers: JSON_HEADERS, body: '{"file": "x"}' },
  { method: 'POST', path: '/api/simulate/reflections', headers: JSON_HEADERS, body: '{"kv": ' },
  { method: 'GET', path: '/api/files/info?root=data0&path=%EF%BC%8E%EF%BC%8E%EF%BC%8Fx' },
];

const HEAVY: autocannon.Request = {
  method: 'GET',
  path: '/api/files/data?root=data0&path=au-001.npy&slice=0:64,0:64',
};

export async function runServeLoad(o: ServeLoadOptions = {}): Promise<ServeLoadResult> {
  const connections = o.connections ?? 1000;
  const seconds = o.seconds ?? 10;
  const home = mkdtempSync(join(tmpdir(), 'bragg-bench-serve-'));
  const loadBefore = loadavg();
  const server = await createServer({
    data: [samplesDir()],
    uploads: join(home, 'uploads'),
    models: join(home, 'models'),
    webRoot: join(home, 'no-web'),
    command: createCommandContext({ ...process.env, BRAGG_HOME: home }),
  });
  try {
    const url = await server.app.listen({ host: '127.0.0.1', port: 0, backlog: LISTEN_BACKLOG });
    const requests = o.heavy === true ? [...MIX, HEAVY] : MIX;
    const errorCodes: Record<string, number> = {};
    const r = await new Promise<autocannon.Result>((res, rej) => {
      const run = autocannon(
        { url, connections, duration: seconds, requests, timeout: 30 },
        (err, result) => (err ? rej(err as Error) : res(result)),
      );
      run.on('reqError', (e: Error & { code?: string }) => {
        const k = e.code ?? e.message.slice(0, 60);
        errorCodes[k] = (errorCodes[k] ?? 0) + 1;
      });
    });
    const other = r['1xx'] + r['3xx'];
    return {
      connections,
      seconds,
      requests: r.requests.total,
      requestsPerSecond: r.requests.average,
      status: { '2xx': r['2xx'], '4xx': r['4xx'], '5xx': r['5xx'], other },
      errors: r.errors,
      errorCodes,
      timeouts: r.timeouts,
      latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
      mix: requests.map((x) => `${x.method ?? 'GET'} ${x.path ?? ''}`),
      machine: `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.versions.node}`,
      loadBefore,
    };
  } finally {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
}
