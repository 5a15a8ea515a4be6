/**
 * A test job that reports progress: `ticks` ordinary messages and `milestones` milestones,
 * then, with `untilStopped`, waits for its stop signal (at most `maxWaitMs`) and ends
 * INTERRUPTED as a training stopped between two batches does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { BraggError } from '../../../src/core/errors.js';
import type { JobType } from '../../../src/jobs/types.js';

const payload = z
  .object({
    ticks: z.number().int().nonnegative(),
    milestones: z.number().int().nonnegative(),
    untilStopped: z.boolean().default(false),
    maxWaitMs: z.number().int().positive().default(20_000),
  })
  .strict();

export const tickerJob: JobType<z.output<typeof payload>, { ticks: number }> = {
  name: 'test-ticker',
  description: 'reports progress (tests)',
  payload,
  async run(p, ctx) {
    for (let i = 0; i < p.ticks; i++) ctx.progress({ tick: i });
    for (let i = 0; i < p.milestones; i++) ctx.progress({ milestone: i }, { milestone: true });
    if (p.untilStopped) {
      const end = Date.now() + p.maxWaitMs;
      while (!ctx.signal?.aborted && Date.now() < end) await sleep(20);
      ctx.progress({ stopped: ctx.signal?.aborted === true }, { milestone: true });
      throw new BraggError('INTERRUPTED', 'stopped on request');
    }
    return { ticks: p.ticks };
  },
};
