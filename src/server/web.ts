/**
 * The browser UI at `/`: the static files of the built UI (`dist/web/`, `npm run build`) with a
 * fallback to `index.html` for the UI's own paths (a GET for HTML outside `/api` and `/docs`).
 * When the UI is not built, `/` is a small page that says so and links the API docs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { packageRoot } from '../core/paths.js';

export function defaultWebRoot(): string {
  return join(packageRoot(), 'dist', 'web');
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bragg</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>bragg</h1>
<p>The web UI is not built in this installation (no <code>dist/web/index.html</code>;
<code>npm run build</code> builds it).</p>
<p>The Web API is running: see its documentation at <a href="/docs">/docs</a>
(OpenAPI: <a href="/openapi.json">/openapi.json</a>).</p>
</body></html>
`;

function isUiPath(req: FastifyRequest): boolean {
  const path = req.url.split('?')[0] ?? '';
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path.startsWith('/api') || path.startsWith('/docs') || path === '/openapi.json') return false;
  const accept = String(req.headers.accept ?? '');
  return accept.includes('text/html') || path === '/';
}

/**
 * Serves the UI from `root`; returns the fallback for the not-found handler (true when it
 * answered the request).
 */
export async function installWeb(
  app: FastifyInstance,
  root: string,
): Promise<(req: FastifyRequest, reply: FastifyReply) => Promise<boolean>> {
  const built = existsSync(join(root, 'index.html'));
  if (!built) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send(NOT_BUILT),
    );
    return async () => false;
  }
  await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: ['index.html'] });
  return async (req, reply) => {
    if (!isUiPath(req)) return false;
    await reply.type('text/html; charset=utf-8').sendFile('index.html');
    return true;
  };
}
