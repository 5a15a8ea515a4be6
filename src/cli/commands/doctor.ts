/** `bragg doctor`: which TensorFlow.js backend bragg uses, threads, SIMD, versions. */
import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { printJson } from '../command.js';
import type { CommandModule } from '../command.js';
import { initBackend } from '../../ml/backend/select.js';
import { BRAGG_WASM_KERNELS } from '../../ml/backend/kernels/register.js';

export const doctorCommand: CommandModule = {
  name: 'doctor',
  register(program: Command): void {
    program
      .command('doctor')
      .description('Show the TensorFlow.js backend bragg selects, threads, SIMD and versions')
      .option('--backend <name>', 'tensorflow | wasm | cpu | auto (default: BRAGG_BACKEND or auto)')
      .option('--threads <n>', 'wasm threads (default: BRAGG_THREADS or all cores)')
      .option('--json', 'print JSON')
      .action(async (o: { backend?: string; threads?: string; json?: boolean }) => {
        const info = await initBackend({
          ...(o.backend === undefined ? {} : { backend: o.backend as 'auto' }),
          ...(o.threads === undefined ? {} : { threads: Number(o.threads) }),
        });
        const report = {
          ...info,
          cores: availableParallelism(),
          braggWasmKernels: info.backend === 'wasm' ? [...BRAGG_WASM_KERNELS] : [],
        };
        if (o.json === true) {
          printJson(report);
          return;
        }
        const lines = [
          `backend   ${info.backend} (requested: ${info.requested})`,
          `threads   ${info.threads}${info.multithreaded ? ' (multithreaded wasm)' : ''} of ${report.cores} cores`,
          `simd      ${info.simd ? 'yes' : 'no'}`,
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
