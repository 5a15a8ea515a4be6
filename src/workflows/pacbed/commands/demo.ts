/** `bragg pacbed demo [-o DIR]`: simulate, train the three CNNs, predict held-out patterns. */
import { commandGroup, printJson, type CommandModule } from '../../command.js';
import { runPacbedDemo, type PacbedDemoResult } from '../demo.js';
import { backendOptions, epochLines, startBackend, stopOn, type BackendOpts } from './cli-util.js';

interface Opts extends BackendOpts {
  output: string;
  db?: string;
  json?: boolean;
}

/** The demo's report: held-out scores per case, a few rows, the constant floor, the files. */
export function formatPacbedDemo(r: PacbedDemoResult): string[] {
  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  const f = (v: number, d: number) => v.toFixed(d).padStart(7);
  const lines = [
    `PACBED: ${r.trainRows} training patterns; ${r.heldOutRows} held-out patterns (other azimuths and convergence angle), models in ${r.modelsRoot}`,
  ];
  for (const c of r.cases) {
    const s = c.scores;
    lines.push(
      `  dose ${c.dose} e⁻/px, camera length ×${c.zoom}: thickness ${pct(s.thicknessWithinOne)} within one class ` +
        `(${pct(s.thicknessExact)} exact, MAE ${s.thicknessMae.toFixed(1)} Å), ` +
        `mistilt ${pct(s.mistiltWithin1)} within 1 mrad (MAE ${s.mistiltMae.toFixed(2)} mrad)`,
    );
  }
  lines.push(
    `  the best constant answer would score: thickness ${pct(r.constant.thicknessWithinOne)} within one class, ` +
      `mistilt ${pct(r.constant.mistiltWithin1)} within 1 mrad`,
    '  some held-out patterns at the longer camera length (true / predicted):',
    '    thickness [Å]        mistilt [mrad]     scale',
  );
  const last = r.cases[r.cases.length - 1];
  if (last !== undefined) {
    const step = Math.max(1, Math.floor(last.rows.length / 8));
    for (let i = 0; i < last.rows.length; i += step) {
      const x = last.rows[i]!;
      lines.push(
        `    ${f(x.thickness.true, 1)} ${f(x.thickness.predicted, 1)}      ${f(x.mistilt.true, 1)} ${f(x.mistilt.predicted, 1)}    ${f(x.scale.true, 3)} ${f(x.scale.predicted, 3)}`,
      );
    }
  }
  lines.push(
    `  measured-like patterns (NPY): ${r.measured[0] ?? ''} …`,
    `  validation figure (nearest training simulation, polar-log registered): ${r.validationPng}`,
  );
  return lines;
}

export const pacbedDemoCommand: CommandModule = {
  name: 'pacbed',
  register(program, ctx) {
    const group = commandGroup(program, 'pacbed', 'PACBED workflow');
    backendOptions(
      group
        .command('demo')
        .description(
          'Rutile [001] 80 kV in about two minutes: simulate a small 64 px set, train the thickness,\n' +
            'mistilt and scale CNNs, predict held-out patterns (other azimuths and convergence angle,\n' +
            'Poisson noise, two camera lengths), print the held-out scores beside the best constant.',
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
        process.stdout.write(`${formatPacbedDemo(r).join('\n')}\n`);
      } finally {
        release();
        await executor.close();
        registry.close();
      }
    });
  },
};
