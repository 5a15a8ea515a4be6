/**
 * File routes: `GET /api/files` (a folder of a root, or the upload area), `GET /api/files/info`
 * (what `bragg info --json` prints) and `GET /api/files/data` (part of a dataset as JSON, NPY
 * or PNG, within size limits; read through the bounded queue).
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../core/errors.js';
import { FileSource } from '../../core/source.js';
import { structureFormats } from '../../crystal/cif-format.js';
import { summarize } from '../../formats/summary.js';
import type { OpenedFile } from '../../formats/types.js';
import { errorResponses } from '../../workflows/route.js';
import type { FileRef } from '../../workflows/route.js';
import type { ServerContext } from '../context.js';
import { UPLOADS_ROOT } from '../context.js';
import {
  checkLimits,
  encodeSelection,
  parseSlice,
  pickDataset,
  planBinned,
  planSelection,
  readBinned,
  readSelection,
} from '../data-view.js';
import type { DataRequest } from '../data-view.js';
import { jsonText } from '../json.js';
import { isInside, pathSegments } from '../paths.js';

const Root = Type.String({ minLength: 1, maxLength: 100, description: 'root id (GET /api/roots)' });
const Path = Type.String({ maxLength: 4096, description: 'path inside the root, /-separated' });

const Entry = Type.Object({
  name: Type.String(),
  path: Type.String(),
  kind: Type.Union([Type.Literal('file'), Type.Literal('dir')]),
  size: Type.Number(),
  mtime: Type.String(),
  format: Type.Optional(Type.String()),
});

/** Extension → the reader bragg would use. */
function formatsByExtension(): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of structureFormats.readers)
    for (const e of r.extensions) if (!m.has(e)) m.set(e, r.id);
  return m;
}

function extOf(name: string): string {
  const lower = name.toLowerCase();
  if (lower.endsWith('.tar.gz')) return 'tar.gz';
  const dot = lower.lastIndexOf('.');
  return dot <= 0 ? '' : lower.slice(dot + 1);
}

/** Opens the file `ref` names, shown in messages as `<root>/<path>` (an upload by its name). */
async function openRef(
  ctx: ServerContext,
  ref: FileRef,
): Promise<{ f: OpenedFile; shown: string }> {
  const abs = await ctx.resolveFile(ref);
  const shown =
    ref.root === UPLOADS_ROOT ? (await ctx.uploads.get(ref.path)).name : `${ref.root}/${ref.path}`;
  if ((await stat(abs)).isDirectory()) {
    throw new ValidationError(`${shown} is a folder, not a file`, 'path');
  }
  return { f: await structureFormats.open(new FileSource(abs, shown)), shown };
}

export async function filesRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const byExt = formatsByExtension();

  app.get(
    '/api/files',
    {
      schema: {
        summary: 'List a folder of a root (or the uploads)',
        tags: ['files'],
        querystring: Type.Object(
          { root: Root, path: Type.Optional(Path) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            root: Type.String(),
            path: Type.String(),
            entries: Type.Array(Entry),
            truncated: Type.Optional(Type.Boolean()),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { root, path = '' } = req.query as { root: string; path?: string };
      if (root === UPLOADS_ROOT) {
        if (pathSegments(path).length > 0) {
          throw new ValidationError('the upload area has no folders; list it with path ""', 'path');
        }
        const list = await ctx.uploads.list();
        return {
          root,
          path: '',
          entries: list.map((u) => ({
            name: u.name,
            path: u.id,
            kind: 'file' as const,
            size: u.size,
            mtime: u.created,
            ...(u.format === undefined ? {} : { format: u.format }),
          })),
        };
      }
      const dir = await ctx.resolveFile({ root, path });
      const rootReal = ctx.roots.find((r) => r.id === root)?.real ?? dir;
      if (!(await stat(dir)).isDirectory()) {
        throw new ValidationError(`${root}/${path} is a file, not a folder`, 'path');
      }
      const names = (await readdir(dir)).sort();
      const base = pathSegments(path).join('/');
      const entries = [];
      let truncated = false;
      for (const name of names) {
        if (entries.length >= ctx.limits.listEntries) {
          truncated = true;
          break;
        }
        const abs = join(dir, name);
        let st;
        try {
          // a symlink is listed only when it stays inside the root (as resolveFile would allow)
          if (!isInside(rootReal, await realpath(abs))) continue;
          st = await stat(abs);
        } catch {
          continue; // vanished, a dangling link, or unreadable
        }
        const kind = st.isDirectory() ? ('dir' as const) : st.isFile() ? ('file' as const) : null;
        if (kind === null) continue;
        const format = kind === 'file' ? byExt.get(extOf(name)) : undefined;
        entries.push({
          name,
          path: base === '' ? name : `${base}/${name}`,
          kind,
          size: kind === 'file' ? st.size : 0,
          mtime: st.mtime.toISOString(),
          ...(format === undefined ? {} : { format }),
        });
      }
      entries.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'dir' ? -1 : 1));
      return { root, path: base, entries, ...(truncated ? { truncated } : {}) };
    },
  );

  app.get(
    '/api/files/info',
    {
      schema: {
        summary: 'Format, datasets and metadata of a file (what `bragg info --json` prints)',
        tags: ['files'],
        querystring: Type.Object({ root: Root, path: Path }, { additionalProperties: false }),
        response: {
          200: Type.Object(
            {
              file: Type.String(),
              format: Type.String(),
              defaultDataset: Type.Union([Type.String(), Type.Null()]),
              datasets: Type.Array(Type.Object({}, { additionalProperties: true })),
              metadata: Type.Object({}, { additionalProperties: true }),
            },
            { additionalProperties: true },
          ),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const ref = req.query as FileRef;
      const { f, shown } = await openRef(ctx, ref);
      try {
        // the file as the client named it (readers that open by path would give the server's path)
        const summary = { ...summarize(f), file: shown };
        return reply.type('application/json; charset=utf-8').send(jsonText(summary));
      } finally {
        await f.close();
      }
    },
  );

  app.get(
    '/api/files/data',
    {
      schema: {
        summary: 'Part of a dataset as JSON, NPY or PNG',
        description:
          'A frame (index of the first axis) and a numpy-like slice over the remaining axes ' +
          '("0:10,5,:"; no steps); `bin` answers the block means of a 2D selection (an overview, ' +
          'reading at most 256 Mi elements). Limits: json ≤ 1 Mi elements, npy ≤ 16 Mi, png ≤ 4096 px ' +
          'a side (413 LIMIT beyond), on the answer.',
        tags: ['files'],
        querystring: Type.Object(
          {
            root: Root,
            path: Path,
            dataset: Type.Optional(Type.String({ maxLength: 4096 })),
            frame: Type.Optional(Type.Integer({ minimum: 0 })),
            slice: Type.Optional(Type.String({ maxLength: 1000 })),
            format: Type.Optional(
              Type.Union([Type.Literal('json'), Type.Literal('npy'), Type.Literal('png')]),
            ),
            scale: Type.Optional(
              Type.Union([Type.Literal('linear'), Type.Literal('log'), Type.Literal('sqrt')]),
            ),
            colormap: Type.Optional(Type.Union([Type.Literal('viridis'), Type.Literal('gray')])),
            bin: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: 4096,
                description: 'block-mean bin × bin pixels of a 2D selection (an overview)',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              shape: Type.Array(Type.Integer()),
              dtype: Type.String(),
              data: Type.Array(Type.Union([Type.Number(), Type.String(), Type.Null()])),
              axes: Type.Array(
                Type.Object({
                  name: Type.Optional(Type.String()),
                  units: Type.Optional(Type.String()),
                  offset: Type.Number(),
                  scale: Type.Number(),
                }),
              ),
            },
            { description: 'format=json; npy: application/octet-stream; png: image/png' },
          ),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const q = req.query as FileRef &
        Omit<DataRequest, 'format'> & { format?: DataRequest['format'] };
      const request: DataRequest = { ...q, format: q.format ?? 'json' };
      const slice = parseSlice(q.slice ?? '');
      const { f } = await openRef(ctx, q);
      try {
        const info = pickDataset(f, q.dataset);
        const plan = planSelection(info, q.frame, slice);
        const bin = q.bin ?? 1;
        const binned = bin > 1 ? planBinned(plan, info, bin) : undefined;
        checkLimits(binned ?? plan, info, request.format, ctx.limits);
        const out = await ctx.heavy(async () =>
          binned
            ? encodeSelection(await readBinned(f, info, plan, binned, bin, ctx.limits.npyElements), binned, request) // prettier-ignore
            : encodeSelection(await readSelection(f, info, plan), plan, request),
        );
        if ('json' in out)
          return reply.type('application/json; charset=utf-8').send(jsonText(out.json));
        return reply
          .type(out.type)
          .send(Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength));
      } finally {
        await f.close();
      }
    },
  );
}
