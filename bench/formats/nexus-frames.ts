/**
 * NeXus random frame access (same code as `bragg bench formats-nexus`), runnable from a checkout:
 *   npx vite-node bench/formats/nexus-frames.ts -- --frames 2000 --json
 */
import { main } from '../../src/cli/main.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
process.exitCode = await main(['node', 'bragg', 'bench', 'formats-nexus', ...args]);
