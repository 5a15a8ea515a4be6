/**
 * Jobs over the Web API: `POST /api/jobs` submits a phase dataset sweep, a training or a batch
 * prediction (checked whole first, then run in the background through the job system and
 * recorded in the run registry: see jobs-phase.ts); `GET /api/runs` and `GET /api/runs/:id`
 * report the registry as `bragg runs list/show --json` do (`runSummaries`, `runReport`);
 * `GET /api/runs/:id/events` streams a run's progress as Server-Sent Events;
 * `POST /api/runs/:id/cancel` aborts a run of this server (it ends `interrupted`).
 *
 * Every run goes to the server's executor (the local pool, BullMQ with `--redis`): trainings
 * and predictions as jobs of their own (`phase-train`, `phase-predict`), whose progress comes
 * back through the job system's progress channel. Bounded: at most `MAX_LIVE_RUNS` runs at
 * once and, on the local pool, one training or prediction at a time (they share the cores);
 * more is 503 BUSY. The server's shutdown (`ctx.signal`) aborts every
 * run, so each is recorded as interrupted, and `close` waits for them.
 */
import type {} from '@fastify/swagger';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { BraggError, ValidationError, errorToData } from '../../core/errors.js';
import { runReport, runSummaries } from '../../jobs/run-report.js';
import type { ExecutorChoice } from '../../workflows/command.js';
import { errorResponses, type RouteContext } from '../../workflows/route.js';
import { prepareClassifyPrediction } from './jobs-classify.js';
import { preparePeaksPrediction } from './jobs-peaks.js';
import {
  prepareDataset,
  preparePrediction,
  prepareTraining,
  serverWorkDir,
  type JobsEnv,
  type PreparedRun,
} from './jobs-phase.js';
import { idParams, jobBody, listQuery, runRecord, showReply } from './jobs-schemas.js';
import { LiveRun, streamRunEvents } from './sse.js';

/** Runs of this server at once. */
export const MAX_LIVE_RUNS = 4;
/** Finished runs kept in memory for their events (the registry keeps them all). */
const FINISHED_KEPT = 100;

/** The runs this server started, by id. */
class LiveRuns {
  private readonly runs = new Map<string, LiveRun>();
  private readonly running = new Set<Promise<void>>();

  get(id: string): LiveRun | undefined {
    return this.runs.get(id);
  }

  active(): LiveRun[] {
    return [...this.runs.values()].filter((r) => !r.end);
  }

  start(p: PreparedRun, ml: ((r: LiveRun) => boolean) | undefined): LiveRun {
    const active = this.active();
    if (active.some((r) => r.runId === p.runId)) {
      throw new BraggError('CONFLICT', `run ${p.runId} is running already`);
    }
    if (active.length >= MAX_LIVE_RUNS) {
      throw new BraggError('BUSY', `${active.length} runs are running (the most this server runs at once)`); // prettier-ignore
    }
    if (p.ml && ml && active.some(ml)) {
      throw new BraggError('BUSY', 'a training or prediction is running; one runs at a time');
    }
    const live = new LiveRun(p.runId, p.kind);
    this.runs.set(p.runId, live);
    this.prune();
    const done = p
      .run(live)
      .then((end) => live.emit({ type: 'end', data: end }))
      .catch((err: unknown) => {
        const d = errorToData(err);
        const status = live.signal.aborted ? 'interrupted' : 'failed';
        live.emit({ type: 'end', data: { status, error: `${d.name}: ${d.message}` } });
      })
      .finally(() => this.running.delete(done));
    this.running.add(done);
    return live;
  }

  abortAll(reason: unknown): void {
    for (const r of this.active()) r.controller.abort(reason);
  }

  /** Resolves when every run has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private prune(): void {
    const ended = [...this.runs.values()].filter((r) => r.end);
    for (const r of ended.slice(0, Math.max(0, ended.length - FINISHED_KEPT)))
      this.runs.delete(r.runId);
  }
}

function executorChoiceOf(ctx: RouteContext): ExecutorChoice {
  const c = (ctx as RouteContext & { executorChoice?: ExecutorChoice }).executorChoice;
  return c ?? {};
}

export async function jobsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const live = new LiveRuns();
  const mlKinds = new Set(['train', 'predict']);
  const env: JobsEnv = {
    ctx,
    executorChoice: executorChoiceOf(ctx),
    workDir: serverWorkDir(ctx.command),
  };
  const onShutdown = (): void => live.abortAll(ctx.signal.reason ?? 'terminate');
  ctx.signal.addEventListener('abort', onShutdown, { once: true });
  app.addHook('onClose', async () => {
    live.abortAll('terminate');
    ctx.signal.removeEventListener('abort', onShutdown);
    await live.settled();
  });
  const withRegistry = <T>(f: (reg: ReturnType<typeof ctx.command.openRegistry>) => T): T => {
    const reg = ctx.command.openRegistry();
    try {
      return f(reg);
    } finally {
      reg.close();
    }
  };

  app.post<{ Body: Static<typeof jobBody> }>(
    '/api/jobs',
    {
      schema: {
        summary:
          'Submit a phase dataset sweep, a training or a batch prediction, a classify batch prediction, or a peaks scan prediction',
        tags: ['jobs'],
        body: jobBody,
        response: {
          202: Type.Object(
            { runId: Type.String(), kind: Type.String() },
            { additionalProperties: false },
          ),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (b.output !== undefined) {
        throw new ValidationError(
          "the data roots are served read-only: a run writes into the server's work area " +
            '(datasets: train from one with data: {run}; models: the models root; predictions: uploads)',
          'output',
        );
      }
      let p: PreparedRun;
      const opts = b.options ?? {};
      if (b.workflow === 'classify') {
        if (b.kind !== 'predict') {
          throw new ValidationError(
            'classify runs here are batch predictions (kind predict); train with `bragg classify train`',
            'kind',
          );
        }
        check(b, ['model', 'input'], ['config', 'data']);
        onlyOptions(opts, ['method', 'overlays', 'batchSize'], 'a classify predict job');
        p = await prepareClassifyPrediction(b.model!, b.input, opts, env);
      } else if (b.workflow === 'peaks') {
        if (b.kind !== 'predict') {
          throw new ValidationError(
            'peaks runs here are scan predictions (kind predict); simulate and train with `bragg peaks`',
            'kind',
          );
        }
        check(b, ['input'], ['config', 'data']);
        onlyOptions(opts, ['frames', 'dataset', 'overlays', 'threshold', 'nmsIou', 'gate'], 'a peaks predict job'); // prettier-ignore
        const frames = opts.frames as [number, number] | undefined;
        p = await preparePeaksPrediction(b.model, b.input, { ...opts, frames }, env);
      } else if (b.kind === 'dataset') {
        check(b, ['config'], ['data', 'options', 'model', 'input']);
        p = await prepareDataset(b.config, env);
      } else if (b.kind === 'train') {
        check(b, ['data'], ['config', 'model', 'input']);
        // the options of the other workflows' predictions are not a training's
        const { method: _m, overlays: _o, frames: _f, dataset: _d, threshold: _t, nmsIou: _n, gate: _g, ...train } = opts; // prettier-ignore
        onlyOptions(opts, Object.keys(train) as (keyof typeof opts)[], 'a phase train job');
        p = await prepareTraining(b.data, train, env);
      } else {
        check(b, ['model', 'input'], ['config', 'data', 'options']);
        p = await preparePrediction(b.model!, b.input, env);
      }
      // Trainings and predictions share this machine's cores (one pool thread each, its backend
      // on every core): one at a time. Through BullMQ the workers' concurrency decides.
      const oneMl = env.executorChoice.redis ? undefined : (x: LiveRun) => mlKinds.has(x.kind);
      const r = live.start(p, oneMl);
      // answer once the run registry holds the run, so that `GET /api/runs/<id>` right after
      // the 202 finds it (a run records itself as it starts; bounded wait, then answer anyway)
      await until(
        () => r.end !== undefined || withRegistry((reg) => reg.findRun(r.runId) !== undefined),
        10_000,
      );
      return reply.status(202).send({ runId: r.runId, kind: r.kind });
    },
  );

  app.get<{ Querystring: Static<typeof listQuery> }>(
    '/api/runs',
    {
      schema: {
        summary: 'Recent runs of the run registry (as `bragg runs list --json`)',
        tags: ['jobs'],
        querystring: listQuery,
        response: {
          200: Type.Object(
            { runs: Type.Array(Type.Object(runRecord, { additionalProperties: false })) },
            { additionalProperties: false },
          ),
          ...errorResponses,
        },
      },
    },
    async (req) => ({ runs: withRegistry((reg) => runSummaries(reg, req.query.limit ?? 50)) }),
  );

  app.get<{ Params: Static<typeof idParams> }>(
    '/api/runs/:id',
    {
      schema: {
        summary: 'One run: record, shards, artifacts, lineage (as `bragg runs show --json`)',
        tags: ['jobs'],
        params: idParams,
        response: { 200: showReply, ...errorResponses },
      },
    },
    async (req) => {
      const r = withRegistry((reg) => runReport(reg, req.params.id));
      const l = live.get(r.run.id);
      return { ...r, live: l !== undefined && !l.end };
    },
  );

  app.get<{ Params: Static<typeof idParams> }>(
    '/api/runs/:id/events',
    {
      schema: {
        summary: 'Live progress of a run as Server-Sent Events (progress, log, end)',
        tags: ['jobs'],
        params: idParams,
        response: {
          200: {
            description:
              'text/event-stream: `progress` {done, total, failed}, `log` {message}, `end` {status}',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const known = live.get(req.params.id);
      const { run } = known
        ? { run: undefined }
        : { run: withRegistry((reg) => reg.getRun(req.params.id)) };
      streamRunEvents(req, reply, known, {
        progress: { done: run?.doneShards ?? 0, total: run?.totalShards ?? 0, failed: run?.failedShards ?? 0 }, // prettier-ignore
        status: run?.status ?? 'running',
        error: run?.error ?? null,
      });
      return reply;
    },
  );

  app.post<{ Params: Static<typeof idParams> }>(
    '/api/runs/:id/cancel',
    {
      schema: {
        summary: 'Cancel a run of this server (it ends as interrupted)',
        tags: ['jobs'],
        params: idParams,
        response: {
          202: Type.Object(
            { runId: Type.String(), status: Type.String() },
            { additionalProperties: false },
          ),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const l = live.get(req.params.id);
      if (!l) {
        const run = withRegistry((reg) => reg.getRun(req.params.id));
        throw new BraggError(
          'CONFLICT',
          run.status === 'running'
            ? `run ${run.id} is not running in this server; stop it where it runs`
            : `run ${run.id} has ended (${run.status})`,
        );
      }
      if (l.end) throw new BraggError('CONFLICT', `run ${l.runId} has ended (${l.end.status})`);
      l.controller.abort('cancel');
      l.log('cancel requested');
      return reply.status(202).send({ runId: l.runId, status: 'cancelling' });
    },
  );
}

type JobBody = Static<typeof jobBody>;

/** A job of `b.kind` needs `need` and takes none of `refuse` (ValidationError naming the field). */
function check(
  b: JobBody,
  need: readonly (keyof JobBody)[],
  refuse: readonly (keyof JobBody)[],
): void {
  const missing = need.find((k) => b[k] === undefined);
  if (missing) throw new ValidationError(`a ${b.kind} job needs it`, missing);
  const extra = refuse.find((k) => b[k] !== undefined);
  if (extra) throw new ValidationError(`not used by a ${b.kind} job`, extra);
}

/** A ValidationError naming the first option of `o` that `what` does not take. */
function onlyOptions<T extends object>(o: T, allowed: readonly (keyof T)[], what: string): void {
  const extra = Object.keys(o).find(
    (k) => (o as Record<string, unknown>)[k] !== undefined && !allowed.includes(k as keyof T),
  );
  if (extra !== undefined) throw new ValidationError(`not used by ${what}`, `options.${extra}`);
}

/** Resolves when `done()` holds (checked every 20 ms) or after `ms`, whichever comes first. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!done() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
}
