/**
 * DM4 read throughput (same code as `bragg bench formats-dm`), runnable from a checkout:
 *   npx vite-node bench/formats/dm-throughput.ts -- --size-mb 512 --json
 */
import { main } from '../../src/cli/main.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
process.exitCode = await main(['node', 'bragg', 'bench', 'formats-dm', ...args]);
