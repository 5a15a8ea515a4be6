/**
 * A bare Fastify app for testing route plugins without the server platform: JSON schemas as
 * the server compiles them (unknown fields refused), the shared error body, an error handler
 * with the HTTP contract's status mapping, and a fake `RouteContext` on a temporary directory
 * (`data0` and `uploads` roots, a models root, a run registry, inline executors, a bounded
 * `heavy`).
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, sep } from 'node:path';
import { BraggError, NotFoundError, ValidationError } from '../../../src/core/errors.js';
import type { ErrorCode } from '../../../src/core/errors.js';
import { BullmqExecutor } from '../../../src/jobs/bullmq-executor.js';
import { RunRegistry } from '../../../src/jobs/run-registry.js';
import { backendConfig } from '../../../src/ml/backend/select.js';
import type { CommandContext } from '../../../src/workflows/command.js';
import {
  errorBodySchema,
  type FileRef,
  type RouteContext,
  type UploadRecord,
} from '../../../src/workflows/route.js';
import { installQueryCoercion } from '../../../src/server/query.js';
import { inlineExecutor, localExecutor } from '../jobs/executors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  FORMAT: 400,
  UNSUPPORTED: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LIMIT: 413,
  BUSY: 503,
  TIMEOUT: 504,
};

export interface TestRouteContext extends RouteContext {
  readonly dir: string;
  readonly dataDir: string;
  readonly uploadsDir: string;
  readonly registryFile: string;
  /** Store `bytes` as an upload (as a client's upload); returns its id. */
  addUpload(name: string, bytes: Uint8Array): Promise<string>;
  /** Abort `signal` (a server shutdown). */
  shutdown(): void;
}

export interface RouteAppOptions {
  /** `inline` (default) or a local pool of this many threads. */
  workers?: number;
  /** BullMQ through this Redis (and `queue`) instead: a worker must take the jobs. */
  redis?: { url: string; queue: string };
  /** Heavy work at once (default 2); more waiting than `backlog` (default 4) → BUSY. */
  heavyConcurrency?: number;
  backlog?: number;
}

function fakeCommandContext(dir: string, o: RouteAppOptions, signal: AbortSignal): CommandContext {
  const registryFile = join(dir, 'runs.sqlite');
  const env = { BRAGG_RUNS_DB: registryFile, BRAGG_HOME: dir };
  return {
    env,
    signal,
    interruptible: () => () => undefined,
    executor: () =>
      o.redis
        ? new BullmqExecutor({ redis: o.redis.url, queue: o.redis.queue })
        : o.workers
          ? localExecutor(o.workers)
          : inlineExecutor(),
    registryPath: () => registryFile,
    openRegistry: (path) => RunRegistry.open(path ?? registryFile),
    backendConfig: (flags = {}) => backendConfig({ backend: 'wasm', threads: 2, ...flags }),
  };
}

/** A fake RouteContext on a fresh temporary directory. */
export function testRouteContext(o: RouteAppOptions = {}): TestRouteContext {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'bragg-routes-')));
  const dataDir = join(dir, 'data');
  const uploadsDir = join(dir, 'uploads');
  const modelsRoot = join(dir, 'models');
  for (const d of [dataDir, uploadsDir, modelsRoot]) mkdirSync(d, { recursive: true });
  const stop = new AbortController();
  const roots: Record<string, string> = { data0: dataDir, uploads: uploadsDir };
  let running = 0;
  const waiting: (() => void)[] = [];
  const concurrency = o.heavyConcurrency ?? 2;
  const backlog = o.backlog ?? 4;
  const ctx: TestRouteContext = {
    dir,
    dataDir,
    uploadsDir,
    registryFile: join(dir, 'runs.sqlite'),
    modelsRoot,
    signal: stop.signal,
    command: fakeCommandContext(dir, o, stop.signal),
    async resolveFile(ref: FileRef, field = 'path') {
      const root = roots[ref.root];
      if (root === undefined) throw new NotFoundError(`no root '${ref.root}'`);
      if (isAbsolute(ref.path) || ref.path.split('/').includes('..') || ref.path.includes('\\')) {
        throw new ValidationError(`path '${ref.path}' leaves its root`, field);
      }
      // an upload is `<uploads>/<id>/<name>`, named by its id
      const abs =
        ref.root === 'uploads' && existsSync(join(root, ref.path)) && !ref.path.includes('/')
          ? join(root, ref.path, readdirSync(join(root, ref.path))[0] ?? '')
          : join(root, ref.path);
      if (!existsSync(abs)) throw new NotFoundError(`no file '${ref.path}' in ${ref.root}`);
      const real = realpathSync(abs);
      if (real !== root && !real.startsWith(root + sep)) {
        throw new ValidationError(`path '${ref.path}' leaves its root`, field);
      }
      return real;
    },
    async uploadPath(id: string) {
      return ctx.resolveFile({ root: 'uploads', path: id }, 'id');
    },
    async heavy<T>(work: () => Promise<T>): Promise<T> {
      if (running >= concurrency) {
        if (waiting.length >= backlog) throw new BraggError('BUSY', 'the server is busy');
        await new Promise<void>((r) => waiting.push(r));
      }
      running++;
      try {
        return await work();
      } finally {
        running--;
        waiting.shift()?.();
      }
    },
    async saveUpload(name: string, bytes: Uint8Array): Promise<UploadRecord> {
      const id = randomUUID();
      await mkdir(join(uploadsDir, id));
      await writeFile(join(uploadsDir, id, name), bytes);
      return { id, name, size: bytes.length, created: new Date().toISOString() };
    },
    async addUpload(name: string, bytes: Uint8Array) {
      return (await ctx.saveUpload(name, bytes)).id;
    },
    shutdown: () => stop.abort('terminate'),
  };
  return ctx;
}

/** The contract's error body for anything thrown in a route. */
export function errorReply(err: unknown): { status: number; body: unknown } {
  const fe = err as FastifyError & { validation?: unknown[] };
  if (fe.validation) {
    const v = fe.validation[0] as
      { instancePath?: string; params?: Record<string, unknown> } | undefined;
    const extra = v?.params?.additionalProperty ?? v?.params?.missingProperty;
    const path = (v?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const field = [path, typeof extra === 'string' ? extra : ''].filter(Boolean).join('.');
    return {
      status: 400,
      body: { error: { code: 'VALIDATION', message: fe.message, ...(field ? { field } : {}) } },
    };
  }
  if (err instanceof BraggError) {
    const f = (err as { field?: unknown }).field;
    const field = typeof f === 'string' ? f : undefined;
    return {
      status: STATUS[err.code] ?? 500,
      body: { error: { code: err.code, message: err.message, ...(field ? { field } : {}) } },
    };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: { code: 'VALIDATION', message: fe.message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: String(fe.message) } } };
}

export interface RouteApp {
  app: FastifyInstance;
  ctx: TestRouteContext;
  close(): Promise<void>;
}

/**
 * A Fastify app with `plugins` registered (each `(app, ctx)`, optionally under a prefix), the
 * error body schema and the error handler; `close` removes the temporary directory.
 */
export async function routeApp(
  plugins: (
    | ((app: FastifyInstance, ctx: RouteContext) => void | Promise<void>)
    | {
        prefix: string;
        register: (app: FastifyInstance, ctx: RouteContext) => void | Promise<void>;
      }
  )[],
  o: RouteAppOptions = {},
): Promise<RouteApp> {
  const ctx = testRouteContext(o);
  const app = Fastify({
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
  });
  app.addSchema(errorBodySchema);
  installQueryCoercion(app);
  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = errorReply(err);
    if (status === 503) void reply.header('Retry-After', '1');
    void reply.status(status).send(body);
  });
  for (const p of plugins) {
    if (typeof p === 'function') {
      await app.register(async (scope) => p(scope, ctx));
    } else {
      await app.register(async (scope) => p.register(scope, ctx), { prefix: p.prefix });
    }
  }
  await app.ready();
  return {
    app,
    ctx,
    async close() {
      ctx.shutdown();
      await app.close();
      rmSync(ctx.dir, { recursive: true, force: true });
    },
  };
}
