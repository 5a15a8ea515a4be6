/**
 * `POST /api/uploads` (multipart/form-data, one part `file`; streamed to the upload area, 413
 * over the size limit) and `GET /api/uploads` (the records, newest first). An upload is then the
 * file `{ root: "uploads", path: <id> }` of every file route.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { BraggError, ValidationError } from '../../core/errors.js';
import { errorResponses } from '../../workflows/route.js';
import type { ServerContext } from '../context.js';
import { unsupportedMediaType } from '../errors.js';

export const UploadRecordSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    size: Type.Integer(),
    format: Type.Optional(Type.String()),
    created: Type.String({ description: 'ISO time' }),
  },
  { additionalProperties: false },
);

/**
 * A malformed multipart body (the parser's plain errors: no boundary, an unexpected end) is bad
 * input; bragg's errors, the plugin's limit errors and file-system errors pass as they are.
 */
function multipartError(err: unknown): unknown {
  if (err instanceof BraggError || !(err instanceof Error)) return err;
  const e = err as Error & { code?: unknown; statusCode?: unknown; syscall?: unknown };
  if (typeof e.statusCode === 'number' || typeof e.syscall === 'string') return err;
  return new ValidationError(
    `malformed multipart/form-data body: ${e.message.slice(0, 200)}`,
    'file',
  );
}

export async function uploadsRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.post(
    '/api/uploads',
    {
      // The body is a multipart stream read by the handler; the schema documents it only.
      validatorCompiler: () => () => true,
      schema: {
        summary: 'Upload a file (multipart/form-data, one part named "file")',
        tags: ['files'],
        consumes: ['multipart/form-data'],
        body: Type.Object(
          { file: Type.String({ format: 'binary' }) },
          { required: ['file'], additionalProperties: false },
        ),
        response: { 201: UploadRecordSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) {
        throw unsupportedMediaType(
          `expected multipart/form-data with one part named "file", got ${String(req.headers['content-type'] ?? 'no content type').slice(0, 100)}`,
        );
      }
      try {
        const part = await req.file({ limits: { fileSize: ctx.limits.uploadBytes, files: 1 } });
        if (part === undefined) throw new ValidationError('no file part in the request', 'file');
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw new ValidationError(
            `the part is named '${part.fieldname.slice(0, 80)}', expected 'file'`,
            'file',
          );
        }
        const rec = await ctx.uploads.save(
          part.file,
          part.filename,
          () => part.file.truncated,
          ctx.limits.uploadBytes,
        );
        return await reply.code(201).send(rec);
      } catch (err) {
        throw multipartError(err);
      }
    },
  );

  app.get(
    '/api/uploads',
    {
      schema: {
        summary: 'The uploaded files, newest first',
        tags: ['files'],
        querystring: Type.Object({}, { additionalProperties: false }),
        response: {
          200: Type.Object({ uploads: Type.Array(UploadRecordSchema) }),
          ...errorResponses,
        },
      },
    },
    async () => ({ uploads: await ctx.uploads.list() }),
  );
}
