/**
 * Trainings submitted through `POST /api/jobs` run as `phase-train` jobs on the job system, not
 * in the server: on a local pool thread (the run registry records `local:1`, the epochs arrive
 * as SSE through the job's progress channel), cancelled midway (ends interrupted, its
 * checkpoint kept, no model written), and through BullMQ with an in-process worker when
 * redis-server is present.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRegistry } from '../../jobs/run-registry.js';
import { startQueueWorker } from '../../jobs/bullmq-worker.js';
import { hasRedisServer, startRedis, type RedisHandle } from '../../../test/support/jobs/redis.js';
import { testWorker } from '../../../test/support/jobs/executors.js';
import { routeApp, type RouteApp } from '../../../test/support/server/route-app.js';
import { frames } from '../../../test/support/server/sse.js';
import { TINY_ARCHITECTURE, tinyPhaseDataset } from '../../../test/support/server/tiny-phase.js';
import { jobsRoutes } from './jobs.js';

const train = (epochs: number) => ({
  kind: 'train',
  workflow: 'phase',
  data: { root: 'data0', path: 'tiny' },
  options: { epochs, batchSize: 8, seed: 3, architecture: TINY_ARCHITECTURE },
});

function executorOf(r: RouteApp, id: string): { executor: string; status: string } {
  const reg = RunRegistry.open(r.ctx.registryFile);
  try {
    return reg.getRun(id);
  } finally {
    reg.close();
  }
}

async function trainsThrough(r: RouteApp): Promise<string> {
  const res = await r.app.inject({ method: 'POST', url: '/api/jobs', payload: train(2) });
  expect(res.statusCode).toBe(202);
  const id = res.json<{ runId: string }>().runId;
  const ev = frames((await r.app.inject({ method: 'GET', url: `/api/runs/${id}/events` })).payload);
  if (ev.at(-1)!.data.status !== 'completed') console.log(JSON.stringify(ev));
  const logs = ev.filter((e) => e.event === 'log').map((e) => e.data.message);
  expect(logs).toEqual(expect.arrayContaining([expect.stringMatching(/^epoch 1: loss/), expect.stringMatching(/^epoch 2: loss/)])); // prettier-ignore
  expect(ev.filter((e) => e.event === 'progress').at(-1)!.data).toMatchObject({
    done: 2,
    total: 2,
  });
  expect(ev.at(-1)).toMatchObject({ event: 'end', data: { status: 'completed' } });
  expect(readdirSync(r.ctx.modelsRoot)).toHaveLength(1);
  return executorOf(r, id).executor;
}

describe('trainings on the local pool', () => {
  let r: RouteApp;
  beforeAll(async () => {
    r = await routeApp([jobsRoutes], { workers: 1 });
    await tinyPhaseDataset(join(r.ctx.dataDir, 'tiny'));
  }, 60_000);
  afterAll(() => r.close());

  it('trains on a pool thread: epochs as SSE, the executor recorded', async () => {
    expect(await trainsThrough(r)).toBe('local:1');
  }, 60_000);

  it('a cancel midway ends interrupted: checkpoint kept, no model written', async () => {
    const before = readdirSync(r.ctx.modelsRoot).length;
    const res = await r.app.inject({ method: 'POST', url: '/api/jobs', payload: train(500) });
    const id = res.json<{ runId: string }>().runId;
    const address = await r.app.listen({ port: 0, host: '127.0.0.1' });
    const stream = await fetch(`${address}/api/runs/${id}/events`);
    const reader = stream.body!.getReader();
    let text = '';
    let cancelled = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      if (!cancelled && /epoch 1: loss/.test(text)) {
        cancelled = true;
        const c = await r.app.inject({ method: 'POST', url: `/api/runs/${id}/cancel` });
        expect(c.statusCode).toBe(202);
      }
    }
    const ev = frames(text);
    expect(ev.at(-1)).toMatchObject({ event: 'end', data: { status: 'interrupted' } });
    expect(executorOf(r, id)).toMatchObject({ status: 'interrupted', executor: 'local:1' });
    expect(existsSync(join(r.ctx.dir, 'server', 'checkpoints', id, 'last'))).toBe(true);
    expect(readdirSync(r.ctx.modelsRoot)).toHaveLength(before);
  }, 90_000);
});

describe.skipIf(!hasRedisServer())('a training through BullMQ (needs redis-server)', () => {
  let redis: RedisHandle;
  let r: RouteApp;
  let worker: ReturnType<typeof startQueueWorker>;
  beforeAll(async () => {
    redis = await startRedis();
    const queue = `train-${Date.now()}`;
    worker = startQueueWorker({ redis: redis.url, worker: testWorker(), queue, concurrency: 1 });
    await worker.ready();
    r = await routeApp([jobsRoutes], { redis: { url: redis.url, queue } });
    await tinyPhaseDataset(join(r.ctx.dataDir, 'tiny'));
  }, 60_000);
  afterAll(async () => {
    await r?.close();
    await worker?.close(true);
    await redis?.stop();
  });

  it('trains on a bragg worker: epochs as SSE through QueueEvents, the executor recorded', async () => {
    expect(await trainsThrough(r)).toMatch(/^bullmq:redis:\/\/127\.0\.0\.1:\d+\/train-/);
  }, 60_000);
});
