/**
 * Test support: the toy training run of `toy-run.ts` in its own process, for the kill tests of
 * checkpoints (`src/ml/train/kill.test.ts`). Checkpoints go to `CKPT_DIR`; `RESUME=1` resumes.
 * It counts its file-system changes inside `CKPT_DIR` (mkdir, a file opened for writing and
 * closed, writeFile, rename, symlink, rm, unlink: the functions of `node:fs/promises` are
 * wrapped before the trainer is imported) and with `KILL_AT=<n>` SIGKILLs itself right after
 * the n-th — at a chosen instant in the middle of a checkpoint. A run that ends prints one JSON
 * line: the toy run's result plus `ops` (the count) and `opsAtEpoch` (the count at each
 * epoch's end, before its checkpoint).
 *
 * Run from the sources with the ts hooks (`workerModule` gives the node options).
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { resolve, sep } from 'node:path';

const root = resolve(process.env.CKPT_DIR ?? '.');
const killAt = Number(process.env.KILL_AT ?? 'Infinity');
let ops = 0;

function inRoot(p: unknown): boolean {
  const s = typeof p === 'string' ? resolve(p) : p instanceof URL ? resolve(p.pathname) : '';
  return s === root || s.startsWith(root + sep);
}

function counted(): void {
  ops++;
  if (ops === killAt) process.kill(process.pid, 'SIGKILL');
}

type AnyFn = (...args: unknown[]) => Promise<unknown>;
const fsp = createRequire(import.meta.url)('node:fs/promises') as Record<string, AnyFn>;
for (const name of ['mkdir', 'writeFile', 'rename', 'symlink', 'rm', 'unlink', 'rmdir']) {
  const real = fsp[name]!;
  fsp[name] = async (...args: unknown[]) => {
    const r = await real(...args);
    // rename and symlink create their second path: either one inside counts
    if (args.slice(0, 2).some(inRoot)) counted();
    return r;
  };
}
const realOpen = fsp.open!;
fsp.open = async (...args: unknown[]) => {
  const fh = (await realOpen(...args)) as { close(): Promise<void> };
  if (typeof args[1] === 'string' && /[wa+]/.test(args[1]) && inRoot(args[0])) {
    counted();
    const close = fh.close.bind(fh);
    fh.close = async () => {
      await close();
      counted();
    };
  }
  return fh;
};
syncBuiltinESMExports();

const { toyRun } = await import('./toy-run.js');
const opsAtEpoch: number[] = [];
const r = await toyRun({
  dir: root,
  resume: process.env.RESUME === '1',
  onEpoch: () => opsAtEpoch.push(ops),
});
process.stdout.write(`${JSON.stringify({ ...r, ops, opsAtEpoch })}\n`);
