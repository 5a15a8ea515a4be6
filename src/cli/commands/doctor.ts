/** `bragg doctor`: which TensorFlow.js backend bragg uses, threads, SIMD, versions. */
import type { Command } from 'commander';
import { printJson } from '../../workflows/command.js';
import type { CommandContext, CommandModule } from '../../workflows/command.js';
import type { BackendRequest } from '../../ml/backend/select.js';
import { backendReport } from '../../ml/backend/report.js';

export const doctorCommand: CommandModule = {
  name: 'doctor',
  register(program: Command, ctx: CommandContext): void {
    program
      .command('doctor')
      .description('Show the TensorFlow.js backend bragg selects, threads, SIMD and versions')
      .option('--backend <name>', 'tensorflow | wasm | cpu | auto (default: BRAGG_BACKEND or auto)')
      .option('--threads <n>', 'wasm threads (default: BRAGG_THREADS or all cores)')
      .option('--json', 'print JSON')
      .action(async (o: { backend?: string; threads?: string; json?: boolean }) => {
        // The edge: flags over the environment's BRAGG_* variables (ctx.env) over the defaults.
        const config = ctx.backendConfig({
          ...(o.backend === undefined ? {} : { backend: o.backend as BackendRequest }),
          ...(o.threads === undefined ? {} : { threads: Number(o.threads) }),
        });
        const report = await backendReport(config);
        const { simdKernels: simd, ...info } = report;
        if (o.json === true) {
          printJson(report);
          return;
        }
        const lines = [
          `backend   ${info.backend} (requested: ${info.requested})`,
          `threads   ${info.threads}${
            info.multithreaded ? ` (multithreaded wasm; XNNPACK pool ${info.xnnpackThreads})` : ''
          } of ${report.cores} cores`,
          `simd      ${info.simd ? 'yes' : 'no'}`,
          `bragg     ${
            simd === null
              ? 'SIMD kernels off (BRAGG_SIMD_KERNELS=0, not built, or not the wasm backend)'
              : `SIMD kernels, ${simd.fma ? 'fused multiply-add (relaxed SIMD)' : 'SIMD128 mul+add'}${
                  simd.workers === 0 ? '' : `, ${simd.workers} worker thread(s)`
                }`
          }`,
          ...Object.entries(info.versions).map(([k, v]) => `${k.padEnd(9)} ${v}`),
          ...(report.braggWasmKernels.length > 0
            ? [`kernels   ${report.braggWasmKernels.join(', ')} (bragg)`]
            : []),
          ...info.notes.map((n) => `note      ${n}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
  },
};
