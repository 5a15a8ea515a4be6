/** `bragg bench serve [--connections N] [--seconds S] [--heavy] [--json]`: the load test of issue 12. */
import { ValidationError } from '../../src/core/errors.js';
import { commandGroup, printJson } from '../../src/workflows/command.js';
import type { CommandModule } from '../../src/workflows/command.js';
import { runServeLoad } from './load.js';

function int(text: string | undefined, flag: string, def: number, max: number): number {
  if (text === undefined) return def;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ValidationError(`expected an integer 1…${max}, got '${text}'`, flag);
  }
  return n;
}

export const benchServeCommand: CommandModule = {
  name: 'bench',
  register(program) {
    commandGroup(program, 'bench', 'Benchmarks (results for BENCHMARKS.md)')
      .command('serve')
      .description(
        'Load test of bragg serve on 127.0.0.1: N connections of mixed good and bad requests\n' +
          '(autocannon, in-process) → responses by status class (no 5xx), p50/p99 latency.',
      )
      .option('--connections <n>', 'concurrent connections (default 1000)')
      .option('--seconds <s>', 'duration (default 10)')
      .option('--heavy', 'add an array-data request (bounded queue: 503 BUSY when full)')
      .option('--json', 'print JSON')
      .action(
        async (o: { connections?: string; seconds?: string; heavy?: boolean; json?: boolean }) => {
          const r = await runServeLoad({
            connections: int(o.connections, '--connections', 1000, 10_000),
            seconds: int(o.seconds, '--seconds', 10, 600),
            heavy: o.heavy === true,
          });
          if (o.json === true) return printJson(r);
          const s = r.status;
          process.stdout.write(
            `bragg serve under load (${r.machine}; load average before ${r.loadBefore.map((x) => x.toFixed(2)).join(' ')})\n` +
              `${r.connections} connections, ${r.seconds} s, ${r.mix.length} request kinds in rotation\n` +
              `requests ${r.requests} (${r.requestsPerSecond.toFixed(0)}/s): 2xx ${s['2xx']}, 4xx ${s['4xx']}, 5xx ${s['5xx']}, other ${s.other}; ` +
              `socket errors ${r.errors} ${JSON.stringify(r.errorCodes)}, timeouts ${r.timeouts}\n` +
              `latency p50 ${r.latencyMs.p50} ms, p90 ${r.latencyMs.p90} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms\n`,
          );
        },
      );
  },
};
