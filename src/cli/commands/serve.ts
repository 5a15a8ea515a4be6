/**
 * `bragg serve`: the Web API (OpenAPI at /openapi.json, Swagger UI at /docs) and the browser UI,
 * on Fastify. Loopback by default; another host needs `--token`. Prints the URL once listening
 * (`--json`: one line `{"url": …}`); port 0 takes a free port. On SIGINT/SIGTERM it stops
 * accepting, aborts the running work (runs end as `interrupted`), closes and exits 0.
 */
import type { CommandContext, CommandModule } from '../../workflows/command.js';
import { numberFlag } from '../../workflows/flags.js';
import { existsSync, statSync } from 'node:fs';
import { ValidationError } from '../../core/errors.js';
import { createServer, DEFAULT_HOST, DEFAULT_PORT, LISTEN_BACKLOG } from '../../server/app.js';

interface ServeFlags {
  host?: string;
  port?: string;
  data?: string[];
  models?: string;
  uploads?: string;
  token?: string;
  workers?: string;
  redis?: string;
  json?: boolean;
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((res) => {
    if (signal.aborted) res();
    else signal.addEventListener('abort', () => res(), { once: true });
  });
}

export const serveCommand: CommandModule = {
  name: 'serve',
  register(program, ctx: CommandContext) {
    program
      .command('serve')
      .description('Serve the Web API (docs at /docs) and the browser UI')
      .option(
        '--host <host>',
        `interface to listen on (default ${DEFAULT_HOST}; others need --token)`,
      )
      .option('--port <port>', `port (default ${DEFAULT_PORT}; 0: a free one)`)
      .option('--data <dir...>', 'folders to serve read-only (roots data0, data1, …)')
      .option('--models <dir>', 'models root (default ./models)')
      .option('--uploads <dir>', 'upload area (default $BRAGG_HOME/uploads or ~/.bragg/uploads)')
      .option('--token <token>', 'every request must send "Authorization: Bearer <token>"')
      .option('--workers <n>', 'threads of the local job pool (default: the cores)')
      .option('--redis <url>', 'run jobs through BullMQ on this Redis')
      .option('--json', 'print {"url": …} as one JSON line once listening')
      .action(async (o: ServeFlags) => {
        const host = o.host ?? DEFAULT_HOST;
        const port = numberFlag(o.port, 'port', { int: true, min: 0, max: 65535 }) ?? DEFAULT_PORT;
        const workers = numberFlag(o.workers, 'workers', { int: true, min: 1, max: 1024 });
        // a models or uploads folder may not exist yet (it is created), but may not be a file
        for (const [field, dir] of [
          ['models', o.models],
          ['uploads', o.uploads],
        ] as const) {
          if (dir !== undefined && existsSync(dir) && !statSync(dir).isDirectory()) {
            throw new ValidationError(`${dir} is a file, not a folder`, field);
          }
        }
        const server = await createServer({
          host,
          ...(o.data === undefined ? {} : { data: o.data }),
          ...(o.models === undefined ? {} : { models: o.models }),
          ...(o.uploads === undefined ? {} : { uploads: o.uploads }),
          ...(o.token === undefined ? {} : { token: o.token }),
          ...(workers === undefined ? {} : { workers }),
          ...(o.redis === undefined ? {} : { redis: o.redis }),
          command: ctx,
        });
        const done = ctx.interruptible('bragg serve: stopping (finishing running requests)…');
        try {
          let address: string;
          try {
            address = await server.app.listen({ host, port, backlog: LISTEN_BACKLOG });
          } catch (err) {
            await server.close();
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'EADDRINUSE') {
              throw new ValidationError(`port ${port} on ${host} is in use`, 'port');
            }
            if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
              throw new ValidationError(`cannot listen on ${host}: no such local address`, 'host');
            }
            throw err;
          }
          const url = address;
          if (o.json === true) process.stdout.write(`${JSON.stringify({ url })}\n`);
          else {
            process.stdout.write(
              `bragg serve: listening on ${url} (API docs: ${url}/docs; Ctrl-C stops)\n`,
            );
          }
          await aborted(ctx.signal);
          await server.close();
        } finally {
          done();
        }
      });
  },
};
