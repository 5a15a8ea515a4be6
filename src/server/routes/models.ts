/**
 * Models over the Web API: the model folders under the models root (`--models`), found by their
 * `bragg.json` (read with `readBundleMeta`): list, show (the description, labels, the confusion
 * matrix and training curves a training wrote beside the model — `confusion.json`,
 * `history.json` — and the runs that made or used it), one file of the folder
 * (`confusion.png`, `curves.png`, …), and register (copy a served model folder into the models
 * root under its id, after checking its files against the sha256s `bragg.json` records).
 */
import type {} from '@fastify/swagger';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { BraggError, LimitError, NotFoundError, ValidationError } from '../../core/errors.js';
import { readBundleMeta } from '../../ml/store/bundle.js';
import { findModel, findModels } from '../../ml/store/model-folders.js';
import { BUNDLE_META, type BundleMeta } from '../../ml/store/schema.js';
import { readVerifiedFile } from '../../ml/train/checkpoint-store.js';
import { errorResponses, type RouteContext } from '../../workflows/route.js';
import { fileRefSchema } from './simulate-schemas.js';

/** A plain file name of a model folder (no folders, no leading dot). */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
/** Largest model folder `register` copies [bytes]. */
export const MAX_REGISTER_BYTES = 2 * 1024 ** 3;
/** Runs looked at for a model's lineage (newest first). */
const LINEAGE_RUNS = 500;

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
};

export interface ModelEntry {
  id: string;
  workflow: string;
  architecture: string;
  created: string;
  labels: string[];
  /** Folder relative to the models root. */
  path: string;
  metrics?: Record<string, unknown>;
}

function entry(root: string, m: { dir: string; meta: BundleMeta }): ModelEntry {
  return {
    id: m.meta.id,
    workflow: m.meta.workflow,
    architecture: m.meta.architecture.name,
    created: m.meta.createdAt,
    labels: [...m.meta.labels],
    path: relative(root, m.dir).split('\\').join('/'),
    metrics: m.meta.metrics,
  };
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** `confusion.json` as `{labels, matrix}`, when the training wrote one. */
function confusionOf(x: unknown): { labels: string[]; matrix: number[][] } | undefined {
  const c = x as { labels?: unknown; matrix?: unknown } | undefined;
  if (!c || !Array.isArray(c.labels) || !Array.isArray(c.matrix)) return undefined;
  return { labels: c.labels.map(String), matrix: c.matrix as number[][] };
}

/** `history.json` (the trainer's epoch records) as the curves of the contract. */
function curvesOf(x: unknown) {
  if (!Array.isArray(x)) return undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    epochs: (x as Record<string, unknown>[]).map((e) => ({
      epoch: num(e.epoch) ?? 0,
      loss: num(e.loss),
      val_loss: num(e.val_loss),
      acc: num(e.accuracy),
      val_acc: num(e.val_accuracy),
    })),
  };
}

/** The runs whose lineage names `id` (the training that made it, predictions that used it). */
function lineageOf(ctx: RouteContext, meta: BundleMeta) {
  const runs: { runId: string; kind: string; role: string; status: string }[] = [];
  let reg;
  try {
    reg = ctx.command.openRegistry();
  } catch {
    return { datasets: [...meta.datasetIds], runs };
  }
  try {
    for (const run of reg.listRuns(LINEAGE_RUNS)) {
      for (const l of reg.lineage(run.id)) {
        if (l.kind === 'model' && l.refId === meta.id) {
          runs.push({ runId: run.id, kind: run.kind, role: l.role, status: run.status });
        }
      }
    }
  } finally {
    reg.close();
  }
  return { datasets: [...meta.datasetIds], runs };
}

/** Checks every file `bragg.json` lists against its sha256 and size (a FormatError naming it). */
async function verifyModelFolder(dir: string, meta: BundleMeta): Promise<void> {
  for (const [name, want] of Object.entries(meta.files ?? {})) {
    await readVerifiedFile(join(dir, name), want, 'bragg model', BUNDLE_META);
  }
}

/** The plain files of a model folder (no links, no folders), checked against the size limit. */
async function folderFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  let total = 0;
  for (const n of await readdir(dir)) {
    if (!FILE_NAME.test(n)) continue;
    const st = await lstat(join(dir, n));
    if (!st.isFile()) continue;
    total += st.size;
    names.push(n);
  }
  if (total > MAX_REGISTER_BYTES) {
    throw new LimitError('model folder', { field: 'path', value: total, limit: MAX_REGISTER_BYTES, unit: 'bytes' }); // prettier-ignore
  }
  return names;
}

const modelEntrySchema = Type.Object(
  {
    id: Type.String(),
    workflow: Type.String(),
    architecture: Type.String(),
    created: Type.String(),
    labels: Type.Array(Type.String()),
    path: Type.String({ description: 'folder relative to the models root' }),
    metrics: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

const idParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

const showReply = Type.Object(
  {
    meta: Type.Record(Type.String(), Type.Unknown(), { description: 'bragg.json' }),
    labels: Type.Array(Type.String()),
    path: Type.String(),
    files: Type.Array(Type.String(), { description: 'files of the folder (GET …/files/<name>)' }),
    confusion: Type.Optional(
      Type.Object(
        { labels: Type.Array(Type.String()), matrix: Type.Array(Type.Array(Type.Number())) },
        { additionalProperties: false },
      ),
    ),
    curves: Type.Optional(
      Type.Object(
        {
          epochs: Type.Array(
            Type.Object(
              {
                epoch: Type.Number(),
                loss: Type.Union([Type.Number(), Type.Null()]),
                val_loss: Type.Union([Type.Number(), Type.Null()]),
                acc: Type.Union([Type.Number(), Type.Null()]),
                val_acc: Type.Union([Type.Number(), Type.Null()]),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    lineage: Type.Object(
      {
        datasets: Type.Array(Type.String()),
        runs: Type.Array(
          Type.Object(
            {
              runId: Type.String(),
              kind: Type.String(),
              role: Type.String(),
              status: Type.String(),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const registerBody = Type.Object({ path: fileRefSchema }, { additionalProperties: false });

export async function modelsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const root = ctx.modelsRoot;

  app.get(
    '/api/models',
    {
      schema: {
        summary: 'Model folders under the models root',
        tags: ['models'],
        response: {
          200: Type.Object(
            { models: Type.Array(modelEntrySchema) },
            { additionalProperties: false },
          ),
          ...errorResponses,
        },
      },
    },
    async () => ({
      models: (await findModels(root))
        .map((m) => entry(root, m))
        .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0)),
    }),
  );

  app.get<{ Params: Static<typeof idParams> }>(
    '/api/models/:id',
    {
      schema: {
        summary: 'One model: bragg.json, labels, confusion matrix, curves, lineage',
        tags: ['models'],
        params: idParams,
        response: { 200: showReply, ...errorResponses },
      },
    },
    async (req) => {
      const m = await findModel(root, req.params.id);
      const confusion = confusionOf(await readJson(join(m.dir, 'confusion.json')));
      const curves = curvesOf(await readJson(join(m.dir, 'history.json')));
      const files = [];
      for (const n of (await readdir(m.dir)).sort()) {
        if (FILE_NAME.test(n) && (await lstat(join(m.dir, n))).isFile()) files.push(n);
      }
      return {
        meta: m.meta as Record<string, unknown>,
        labels: [...m.meta.labels],
        path: relative(root, m.dir).split('\\').join('/'),
        files,
        ...(confusion ? { confusion } : {}),
        ...(curves ? { curves } : {}),
        lineage: lineageOf(ctx, m.meta),
      };
    },
  );

  const fileParams = Type.Object(
    {
      id: Type.String({ minLength: 1, maxLength: 100 }),
      name: Type.String({ minLength: 1, maxLength: 256 }),
    },
    { additionalProperties: false },
  );
  app.get<{ Params: Static<typeof fileParams> }>(
    '/api/models/:id/files/:name',
    {
      schema: {
        summary: 'A file of a model folder (confusion.png, curves.png, bragg.json, …)',
        tags: ['models'],
        params: fileParams,
        response: {
          200: { description: 'the file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, // prettier-ignore
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const { id, name } = req.params;
      if (!FILE_NAME.test(name)) {
        throw new ValidationError(`'${name.slice(0, 80)}' is not a plain file name`, 'name');
      }
      const m = await findModel(root, id);
      const file = join(m.dir, name);
      const st = await lstat(file).catch(() => undefined);
      if (!st?.isFile()) {
        throw new NotFoundError(`model ${id} has no file '${name}'`, {
          what: 'file',
          resource: name,
        });
      }
      const type = CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
      return reply.type(type).send(await readFile(file));
    },
  );

  app.post<{ Body: Static<typeof registerBody> }>(
    '/api/models/register',
    {
      schema: {
        summary: 'Copy a served model folder into the models root (checked against its sha256s)',
        tags: ['models'],
        body: registerBody,
        response: {
          201: Type.Object(
            { id: Type.String(), path: Type.String() },
            { additionalProperties: false },
          ),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const src = await ctx.resolveFile(req.body.path, 'path.path');
      if (!(await lstat(src)).isDirectory()) {
        throw new ValidationError('a model is a folder with bragg.json, not a file', 'path');
      }
      const meta = await readBundleMeta(src);
      await verifyModelFolder(src, meta);
      const names = await folderFiles(src);
      const existing = await findModels(root);
      if (existing.some((m) => m.meta.id === meta.id) || existsSync(join(root, meta.id))) {
        throw new BraggError('CONFLICT', `model ${meta.id} is registered already`);
      }
      await mkdir(root, { recursive: true });
      const temp = join(root, `.register-${meta.id}-${process.pid}`);
      await rm(temp, { recursive: true, force: true });
      await mkdir(temp);
      try {
        for (const n of names) await copyFile(join(src, n), join(temp, n));
        await verifyModelFolder(temp, meta);
        await rename(temp, join(root, meta.id));
      } catch (err) {
        await rm(temp, { recursive: true, force: true });
        throw err;
      }
      return reply.status(201).send({ id: meta.id, path: meta.id });
    },
  );
}
