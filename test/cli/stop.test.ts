/**
 * The CLI's stop signal (`CliStop`, `CommandContext.signal`) on a stand-in for `process`: a
 * closed stdout aborts it, Ctrl-C does while a command is interruptible (the second quits at
 * once), and an interruption after a closed stdout is reported quietly.
 */
import { EventEmitter } from 'node:events';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliStop, runProgram, type StopHost } from '../../src/cli/main.js';
import { BraggError } from '../../src/core/errors.js';
import { interruptedError } from '../../src/workflows/command.js';

class FakeProcess extends EventEmitter implements StopHost {
  readonly stdout = new EventEmitter();
  written = '';
  exits: number[] = [];
  readonly stderr = { write: (s: string) => (this.written += s) };
  exit(code: number): void {
    this.exits.push(code);
  }
}

function epipe(): Error {
  return Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
}

describe('CliStop', () => {
  it('aborts with broken-pipe when stdout’s reader goes away, and only on EPIPE', () => {
    const host = new FakeProcess();
    const stop = new CliStop(host);
    const detach = stop.attach();
    host.stdout.emit('error', Object.assign(new Error('EIO'), { code: 'EIO' }));
    expect(stop.signal.aborted).toBe(false);
    host.stdout.emit('error', epipe());
    expect([stop.signal.aborted, stop.signal.reason]).toEqual([true, 'broken-pipe']);
    detach();
    expect(host.stdout.listenerCount('error')).toBe(0);
  });

  it('leaves Ctrl-C alone unless the command is interruptible', () => {
    const host = new FakeProcess();
    const stop = new CliStop(host);
    stop.attach();
    expect(host.listenerCount('SIGINT')).toBe(0);
    const release = stop.interruptible('stopping (Ctrl-C again to quit at once)…');
    expect([host.listenerCount('SIGINT'), host.listenerCount('SIGTERM')]).toEqual([1, 1]);
    release();
    release();
    expect([host.listenerCount('SIGINT'), host.listenerCount('SIGTERM')]).toEqual([0, 0]);
  });

  it('first Ctrl-C: the notice and an abort; the second: exit 130 at once', () => {
    const host = new FakeProcess();
    const stop = new CliStop(host);
    stop.attach();
    stop.interruptible('outer');
    stop.interruptible('stopping after the running batch');
    host.emit('SIGINT');
    expect(host.written).toBe('\nstopping after the running batch\n');
    expect([stop.signal.aborted, stop.signal.reason, host.exits]).toEqual([true, 'interrupt', []]);
    host.emit('SIGINT');
    expect(host.exits).toEqual([130]);
  });

  it('SIGTERM stops gracefully too, and a second one exits 143', () => {
    const host = new FakeProcess();
    const stop = new CliStop(host);
    const detach = stop.attach();
    stop.interruptible('stopping');
    host.emit('SIGTERM');
    expect(stop.signal.reason).toBe('terminate');
    host.emit('SIGTERM');
    expect(host.exits).toEqual([143]);
    detach();
    expect(host.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('runProgram after a stop', () => {
  function program(err: unknown): Command {
    const root = new Command('bragg').exitOverride();
    root.command('run').action(() => {
      throw err;
    });
    return root;
  }

  async function run(err: unknown, reason: string): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const ac = new AbortController();
    ac.abort(reason);
    const out = {
      stderr: { write: (s: string) => (stderr += s) },
      debug: false,
      signal: ac.signal,
    };
    const code = await runProgram(program(err), ['node', 'bragg', 'run'], out);
    return { code, stderr };
  }

  it('is quiet about an interruption once stdout’s reader went away', async () => {
    expect(await run(interruptedError(), 'broken-pipe')).toEqual({ code: 1, stderr: '' });
  });

  it('reports an interruption by Ctrl-C, and any other error after a broken pipe', async () => {
    expect(await run(interruptedError(), 'interrupt')).toEqual({
      code: 1,
      stderr: 'bragg: interrupted; run the same command again to resume\n',
    });
    const other = await run(new BraggError('IO', 'disk full'), 'broken-pipe');
    expect(other).toEqual({ code: 1, stderr: 'bragg: disk full\n' });
  });
});
