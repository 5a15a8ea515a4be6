import { describe, expect, it } from 'vitest';
import { BraggError, ValidationError } from '../core/errors.js';
import { BoundedQueue } from './queue.js';

function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe('BoundedQueue', () => {
  it('runs at most `concurrency` at once, queues `backlog`, refuses the next with BUSY', async () => {
    const q = new BoundedQueue({ concurrency: 2, backlog: 1 });
    const g = gate();
    let active = 0;
    let peak = 0;
    const work = async () => {
      active++;
      peak = Math.max(peak, active);
      await g.wait;
      active--;
      return 'done';
    };
    const running = [q.run(work), q.run(work), q.run(work)];
    expect(q.stats()).toMatchObject({ running: 2, waiting: 1 });
    const refused = await q.run(work).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BraggError);
    expect((refused as BraggError).code).toBe('BUSY');
    g.open();
    expect(await Promise.all(running)).toEqual(['done', 'done', 'done']);
    expect(peak).toBe(2);
    expect(q.stats()).toMatchObject({ running: 0, waiting: 0 });
  });

  it('a failing piece of work frees its slot', async () => {
    const q = new BoundedQueue({ concurrency: 1, backlog: 0 });
    await expect(q.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await q.run(async () => 1)).toBe(1);
  });

  it('close refuses waiting and new work; running work finishes', async () => {
    const q = new BoundedQueue({ concurrency: 1, backlog: 2 });
    const g = gate();
    const first = q.run(async () => {
      await g.wait;
      return 1;
    });
    const waiting = q.run(async () => 2).catch((e: unknown) => (e as BraggError).code);
    q.close();
    expect(await waiting).toBe('BUSY');
    await expect(q.run(async () => 3)).rejects.toThrow(/shutting down/);
    g.open();
    expect(await first).toBe(1);
  });

  it('refuses bad sizes', () => {
    expect(() => new BoundedQueue({ concurrency: 0 })).toThrow(ValidationError);
    expect(() => new BoundedQueue({ backlog: -1 })).toThrow(ValidationError);
  });
});
