/** `bragg pacbed demo [-o DIR]`: simulate, train the three CNNs, predict held-out patterns. */
import { commandGroup, printJson, type CommandModule } from '../../command.js';
import { runPacbedDemo } from '../demo.js';
import { backendOptions, epochLines, startBackend, stopOn, type BackendOpts } from './cli-util.js';

interface Opts extends BackendOpts {
  output: string;
  db?: string;
  json?: boolean;
}

export const pacbedDemoCommand: CommandModule = {
  name: 'pacbed',
  register(program, ctx) {
    const group = commandGroup(program, 'pacbed', 'PACBED workflow');
    backendOptions(
      group
        .command('demo')
        .description(
          'Rutile [001] 80 kV in about two minutes: simulate a small set, train the thickness,\n' +
            'mistilt and scale CNNs briefly, predict held-out patterns, print predicted vs true.',
        )
        .option('-o, --output <dir>', 'output folder', 'pacbed-demo')
        .option('--db <path>', `run registry (default ${ctx.registryPath()})`)
        .option('--json', 'the result as JSON on stdout (the log on stderr)'),
    ).action(async (o: Opts) => {
      await startBackend(o, ctx);
      const executor = ctx.executor({ inline: true });
      const registry = ctx.openRegistry(o.db);
      const release = ctx.interruptible('stopping (Ctrl-C again to quit)…');
      try {
        const r = await runPacbedDemo({
          outDir: o.output,
          executor,
          registry,
          signal: ctx.signal,
          log: (l) => process.stderr.write(`${l}\n`),
          callbacks: [stopOn(ctx.signal), epochLines('  ')],
        });
        if (o.json === true) {
          printJson(r);
          return;
        }
        const f = (v: number, d: number) => v.toFixed(d).padStart(7);
        const lines = [
          `held-out patterns (models in ${r.modelsRoot}):`,
          '  pattern          thickness [Å] true/pred   mistilt [mrad] true/pred   scale true/pred',
          ...r.rows.map(
            (x) =>
              `  ${x.file.split('/').pop()!.padEnd(16)} ${f(x.thickness.true, 1)} ${f(x.thickness.predicted, 1)}` +
              `        ${f(x.mistilt.true, 1)} ${f(x.mistilt.predicted, 1)}        ${f(x.scale.true, 3)} ${f(x.scale.predicted, 3)}`,
          ),
          `thickness: ${r.thicknessExact}/${r.rows.length} exact, ${r.thicknessWithinOne}/${r.rows.length} within one class; ` +
            `mistilt within 1 mrad: ${r.mistiltWithin1}/${r.rows.length}`,
          `validation figure (nearest training simulation, polar-log registered): ${r.validationPng}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        release();
        await executor.close();
        registry.close();
      }
    });
  },
};
