/**
 * What `bragg serve` is configured with (`ServerOptions`) and what its route plugins get
 * (`ServerContext`): the workflows' `RouteContext` (safe file resolution, uploads, the command
 * context, the bounded queue, the stop signal) plus what the platform's own routes need (the
 * roots, the upload store, the executor choice, the limits).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandContext, ExecutorChoice } from '../workflows/command.js';
import type { FileRef, RouteContext } from '../workflows/route.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { DataRoot } from './paths.js';
import { resolveInRoot } from './paths.js';
import { BoundedQueue } from './queue.js';
import type { QueueOptions } from './queue.js';
import type { UploadStore } from './upload-store.js';

/** Root id of the upload area. */
export const UPLOADS_ROOT = 'uploads';

export interface ServerLimits {
  /** Largest JSON request body [bytes] (default 1 MiB). */
  bodyBytes: number;
  /** Largest uploaded file [bytes] (default 1 GiB). */
  uploadBytes: number;
  /** Most elements `GET /api/files/data` returns as JSON (default 1 Mi). */
  jsonElements: number;
  /** Most elements it returns as NPY (default 16 Mi). */
  npyElements: number;
  /** Largest PNG side [px] (default 4096). */
  pngSide: number;
  /** Most entries a folder listing returns (default 10,000). */
  listEntries: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  bodyBytes: 1 << 20,
  uploadBytes: 1 << 30,
  jsonElements: 1 << 20,
  npyElements: 1 << 24,
  pngSide: 4096,
  listEntries: 10_000,
};

export interface ServerOptions {
  /** Interface to listen on (default 127.0.0.1); a non-loopback host needs `token`. */
  host?: string;
  /** Port (default 8230; 0: any free port). */
  port?: number;
  /** Folders served read-only as roots `data0`, `data1`, … */
  data?: readonly string[];
  /** The models root (default `models` in the working folder). */
  models?: string;
  /** The upload area (default `$BRAGG_HOME/uploads`, else `~/.bragg/uploads`). */
  uploads?: string;
  /** Bearer token every API request must carry. */
  token?: string;
  /** Threads of the local worker pool for jobs (default: the cores). */
  workers?: number;
  /** BullMQ through this Redis for jobs, instead of the local pool. */
  redis?: string;
  limits?: Partial<ServerLimits>;
  /** The bounded queue of CPU-heavy requests (default 2 at once, 8 waiting). */
  heavy?: QueueOptions;
  /** The services commands get (default: from `process.env`). */
  command?: CommandContext;
  /** The built web UI (default `<package>/dist/web`). */
  webRoot?: string;
  /** Fastify's request log (default off). */
  logger?: boolean;
}

/** The upload area's default folder, from the environment as the run registry finds its home. */
export function defaultUploadsDir(env: NodeJS.ProcessEnv): string {
  return join(env.BRAGG_HOME ?? join(homedir(), '.bragg'), 'uploads');
}

/** What every route plugin of the server gets. */
export interface ServerContext extends RouteContext {
  /** The `--data` roots, in order. */
  readonly roots: readonly DataRoot[];
  readonly uploads: UploadStore;
  /** Where jobs submitted through the API run (`{ workers }` or `{ redis }`). */
  readonly executorChoice: ExecutorChoice;
  readonly limits: ServerLimits;
  readonly queue: BoundedQueue;
  /** When the server started (ms since the epoch). */
  readonly startedAt: number;
  /** `message` with the server's folders replaced by root ids (for error messages). */
  redact(message: string): string;
}

export interface ContextParts {
  command: CommandContext;
  roots: readonly DataRoot[];
  uploads: UploadStore;
  modelsRoot: string;
  executorChoice: ExecutorChoice;
  limits: ServerLimits;
  heavy: QueueOptions;
  signal: AbortSignal;
}

export function createServerContext(p: ContextParts): ServerContext {
  const queue = new BoundedQueue(p.heavy);
  const known = (): string =>
    [...p.roots.map((r) => r.id), UPLOADS_ROOT].map((x) => `'${x}'`).join(', ');
  const replacements: { from: string; to: string }[] = [
    ...p.roots.flatMap((r) => [
      { from: r.real, to: r.id },
      { from: resolve(r.dir), to: r.id },
    ]),
    { from: resolve(p.uploads.dir), to: UPLOADS_ROOT },
  ].sort((a, b) => b.from.length - a.from.length);
  return {
    command: p.command,
    roots: p.roots,
    uploads: p.uploads,
    modelsRoot: p.modelsRoot,
    executorChoice: p.executorChoice,
    limits: p.limits,
    queue,
    signal: p.signal,
    startedAt: Date.now(),
    async resolveFile(ref: FileRef, field = 'path'): Promise<string> {
      if (typeof ref !== 'object' || ref === null)
        throw new ValidationError('must be {root, path}', field);
      const rootField = field === 'path' ? 'root' : `${field.replace(/\.path$/, '')}.root`;
      if (typeof ref.root !== 'string') throw new ValidationError('must be a string', rootField);
      if (ref.root === UPLOADS_ROOT) {
        if (typeof ref.path !== 'string') throw new ValidationError('must be a string', field);
        return p.uploads.path(ref.path);
      }
      const root = p.roots.find((r) => r.id === ref.root);
      if (root === undefined) {
        throw new NotFoundError(`unknown root '${ref.root.slice(0, 80)}'; known: ${known()}`, {
          what: 'root',
          resource: ref.root.slice(0, 80),
        });
      }
      return resolveInRoot(root, ref.path, field);
    },
    uploadPath: (id) => p.uploads.path(id),
    saveUpload: (name, bytes) => p.uploads.saveBytes(name, bytes),
    heavy: (work) => queue.run(work),
    redact(message: string): string {
      let out = message;
      for (const { from, to } of replacements) if (from.length > 1) out = out.split(from).join(to);
      return out;
    },
  };
}
