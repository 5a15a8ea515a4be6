/**
 * `bragg serve`'s Fastify app: OpenAPI 3 from the route schemas (`/openapi.json`, Swagger UI at
 * `/docs`), the error body and error handling of the HTTP contract, the bearer-token check, the
 * platform routes (health, version, backend, roots, files, uploads), the simulate / jobs / models
 * routes, every workflow's routes under `/api/<workflow>`, and the web UI at `/`.
 *
 * Request validation: ajv with `removeAdditional: false` and `coerceTypes: false`, so a JSON body
 * is checked as sent and unknown fields are refused (every body schema says
 * `additionalProperties: false`); querystrings and path parameters are converted to the
 * numbers and booleans their schemas ask for (`query.ts`) before the same validation.
 */
import { resolve } from 'node:path';
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { createCommandContext } from '../app/context.js';
import { WORKFLOWS } from '../app/workflows.js';
import { BraggError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { errorBodySchema } from '../workflows/route.js';
import { checkHostPolicy } from './auth.js';
import { bearerMatches, installAuth } from './auth.js';
import type { ServerContext, ServerOptions } from './context.js';
import { createServerContext, DEFAULT_LIMITS, defaultUploadsDir } from './context.js';
import { installErrorHandling, sendError } from './errors.js';
import { openRoots } from './paths.js';
import { installQueryCoercion, installUrlCheck } from './query.js';
import { filesRoutes } from './routes/files.js';
import { jobsRoutes } from './routes/jobs.js';
import { modelsRoutes } from './routes/models.js';
import { platformRoutes } from './routes/platform.js';
import { simulateRoutes } from './routes/simulate.js';
import { uploadsRoutes } from './routes/uploads.js';
import { UploadStore } from './upload-store.js';
import { defaultWebRoot, installWeb } from './web.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8230;
/**
 * Connections the kernel queues before the server accepts them: a burst of a thousand clients
 * (Node's default is 511) should wait, not be reset.
 */
export const LISTEN_BACKLOG = 4096;
/** How long open connections may take to end after shutdown begins [ms]. */
const CLOSE_GRACE_MS = 10_000;

export interface BraggServer {
  app: FastifyInstance;
  context: ServerContext;
  /** Stops accepting, aborts `context.signal`, refuses queued heavy work, closes the app. */
  close(): Promise<void>;
}

/** Route plugins of the platform, in registration order (each `(app, ctx)`). */
const PLATFORM_PLUGINS: readonly ((app: FastifyInstance, ctx: ServerContext) => Promise<void>)[] = [
  platformRoutes,
  filesRoutes,
  uploadsRoutes,
  simulateRoutes,
  jobsRoutes,
  modelsRoutes,
];

/** Builds the app (not listening yet: `app.listen({ host, port })`). */
export async function createServer(options: ServerOptions = {}): Promise<BraggServer> {
  const host = options.host ?? DEFAULT_HOST;
  checkHostPolicy(host, options.token);
  const command = options.command ?? createCommandContext(process.env);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const roots = await openRoots(options.data ?? []);
  const uploads = await UploadStore.open(
    resolve(options.uploads ?? defaultUploadsDir(command.env)),
  );
  const stop = new AbortController();
  const context = createServerContext({
    command,
    roots,
    uploads,
    modelsRoot: resolve(options.models ?? 'models'),
    executorChoice: {
      ...(options.redis === undefined ? {} : { redis: options.redis }),
      ...(options.workers === undefined ? {} : { workers: options.workers }),
    },
    limits,
    heavy: options.heavy ?? {},
    signal: stop.signal,
  });

  const redact = (s: string) => context.redact(s);
  const app = Fastify({
    logger: options.logger === true,
    // the router's own errors (a bad URL encoding, a path parameter over its length)
    frameworkErrors: (error, _req, reply) => void sendError(reply, error, redact),
    bodyLimit: limits.bodyBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } },
  });
  app.addSchema(errorBodySchema);
  // error handling first: plugin scopes take the handlers set before they are registered
  const fallback = await installWeb(app, options.webRoot ?? defaultWebRoot());
  installErrorHandling(app, redact, fallback);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'bragg',
        version: VERSION,
        description:
          'The Web API of bragg: files, uploads, simulation, jobs, models and the workflows. ' +
          'Errors: {"error": {"code", "message", "field"?}}.',
      },
      ...(options.token === undefined
        ? {}
        : {
            components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
            security: [{ bearer: [] }],
          }),
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyMultipart, {
    limits: { fileSize: limits.uploadBytes, files: 1, fields: 4, parts: 5, fieldSize: 1024 },
  });
  installUrlCheck(app);
  installAuth(app, options.token);
  installQueryCoercion(app);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const plugin of PLATFORM_PLUGINS) {
    await app.register(async (scope) => plugin(scope, context));
  }
  for (const w of WORKFLOWS) {
    for (const m of w.routes ?? []) {
      await app.register(
        async (scope) => {
          // routes mounted outside /api (a seed's own interface) need the token as /api does
          if (m.prefix !== undefined && options.token !== undefined) {
            const token = options.token;
            scope.addHook('onRequest', async (req) => {
              if (!bearerMatches(req.headers.authorization, token)) {
                throw new BraggError('UNAUTHORIZED', 'this server needs "Authorization: Bearer <token>" (the token given to bragg serve --token)'); // prettier-ignore
              }
            });
          }
          await m.register(scope, context);
        },
        { prefix: m.prefix ?? `/api/${m.name}` },
      );
    }
  }
  await app.ready();

  let closing: Promise<void> | undefined;
  return {
    app,
    context,
    close() {
      closing ??= (async () => {
        stop.abort('terminate');
        context.queue.close();
        // streams (run events) end on the signal; a client that holds one open past the bound
        // has its connection closed
        const force = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
        try {
          await app.close();
        } finally {
          clearTimeout(force);
        }
      })();
      return closing;
    },
  };
}
