/** Platform routes: `GET /api/health`, `/api/version`, `/api/backend`, `/api/roots`. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../../core/version.js';
import { backendReport } from '../../ml/backend/report.js';
import { errorResponses } from '../../workflows/route.js';
import type { ServerContext } from '../context.js';
import { UPLOADS_ROOT } from '../context.js';
import { jsonText } from '../json.js';

const NoQuery = Type.Object({}, { additionalProperties: false });

export async function platformRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  app.get(
    '/api/health',
    {
      schema: {
        summary: 'Whether the server is up',
        tags: ['platform'],
        querystring: NoQuery,
        response: {
          200: Type.Object({ status: Type.Literal('ok'), uptime_s: Type.Number() }),
          ...errorResponses,
        },
      },
    },
    async () => ({ status: 'ok' as const, uptime_s: (Date.now() - ctx.startedAt) / 1000 }),
  );

  app.get(
    '/api/version',
    {
      schema: {
        summary: "bragg's and Node's versions",
        tags: ['platform'],
        querystring: NoQuery,
        response: {
          200: Type.Object({ bragg: Type.String(), node: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async () => ({ bragg: VERSION, node: process.versions.node }),
  );

  app.get(
    '/api/backend',
    {
      schema: {
        summary: 'The TensorFlow.js backend bragg selects (what `bragg doctor --json` prints)',
        tags: ['platform'],
        querystring: NoQuery,
        response: {
          200: Type.Object(
            {
              backend: Type.String(),
              requested: Type.String(),
              threads: Type.Integer(),
              simd: Type.Boolean(),
              cores: Type.Integer(),
            },
            { additionalProperties: true },
          ),
          ...errorResponses,
        },
      },
    },
    async (_req, reply) => {
      const report = await ctx.heavy(() => backendReport(ctx.command.backendConfig()));
      return reply.type('application/json; charset=utf-8').send(jsonText(report));
    },
  );

  app.get(
    '/api/roots',
    {
      schema: {
        summary: 'The served roots: the --data folders and the upload area',
        tags: ['files'],
        querystring: NoQuery,
        response: {
          200: Type.Object({
            roots: Type.Array(Type.Object({ id: Type.String(), label: Type.String() })),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({
      roots: [
        ...ctx.roots.map((r) => ({ id: r.id, label: r.label })),
        { id: UPLOADS_ROOT, label: 'uploads' },
      ],
    }),
  );
}
