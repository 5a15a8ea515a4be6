import { runReport, runSummaries } from '../../jobs/run-report.js';
import type { CommandModule } from '../../workflows/command.js';
import { commandGroup, printJson } from '../../workflows/command.js';

export const runsCommand: CommandModule = {
  name: 'runs',
  register(program, ctx) {
    const group = commandGroup(program, 'runs', 'Runs recorded in the run registry (SQLite)');
    group
      .command('list')
      .description('List recent runs: id, kind, status, shards, patterns, executor')
      .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
      .option('-n, --limit <n>', 'how many', '50')
      .option('--json', 'JSON output')
      .action((opts: { db?: string; limit: string; json?: boolean }) => {
        const reg = ctx.openRegistry(opts.db);
        try {
          const runs = runSummaries(reg, Math.max(1, Number(opts.limit) || 50));
          if (opts.json) {
            printJson(runs);
            return;
          }
          if (runs.length === 0) {
            process.stdout.write('no runs recorded\n');
            return;
          }
          process.stdout.write(
            'id                   kind              status       shards      patterns  updated\n',
          );
          for (const r of runs) {
            process.stdout.write(
              `${r.id.padEnd(20)} ${r.kind.padEnd(17)} ${r.status.padEnd(12)} ${`${r.doneShards}/${r.totalShards}${r.failedShards ? `!${r.failedShards}` : ''}`.padEnd(11)} ${String(r.patterns).padStart(9)}  ${r.updatedAt}\n`,
            );
          }
        } finally {
          reg.close();
        }
      });
    group
      .command('show')
      .description(
        'Show one run: config, shards (status, attempts, timings, errors), artifacts, lineage',
      )
      .argument('<id>', 'run id (or a unique prefix)')
      .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
      .option('--json', 'JSON output')
      .action((id: string, opts: { db?: string; json?: boolean }) => {
        const reg = ctx.openRegistry(opts.db);
        try {
          const { run, shards, artifacts, lineage } = runReport(reg, id);
          if (opts.json) {
            printJson({ ...run, shards, artifacts, lineage });
            return;
          }
          const w = (s: string): boolean => process.stdout.write(`${s}\n`);
          w(`run       ${run.id}  (${run.kind})`);
          w(`status    ${run.status}${run.error ? ` — ${run.error}` : ''}`);
          w(`executor  ${run.executor}`);
          w(
            `created   ${run.createdAt}   updated ${run.updatedAt}${run.finishedAt ? `   finished ${run.finishedAt}` : ''}`,
          );
          w(`output    ${run.outDir}`);
          w(`config    sha256 ${run.configHash}`);
          w(
            `shards    ${run.doneShards}/${run.totalShards} done, ${run.failedShards} failed, ${run.patterns} patterns`,
          );
          for (const l of lineage) w(`lineage   ${l.role} ${l.kind} ${l.refId}`);
          for (const a of artifacts) w(`artifact  ${a.kind} ${a.path}`);
          for (const s of shards) {
            const ms = s.ms === null ? '' : ` ${(s.ms / 1000).toFixed(2)} s`;
            w(
              `  ${s.shardId.padEnd(14)} ${s.status.padEnd(8)} ×${s.attempts}${ms}${s.worker ? ` ${s.worker}` : ''}${s.error ? `  ${s.error}` : ''}`,
            );
          }
        } finally {
          reg.close();
        }
      });
  },
};
