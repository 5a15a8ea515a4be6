#!/usr/bin/env node
// Compiles bragg's SIMD kernels (wasm/assembly, AssemblyScript) into dist/wasm/ (the tfjs
// kernels below, then the multislice and detector modules, each its own entry).
//
// Four variants, chosen at run time by src/ml/backend/simd/module.ts:
//   kernels-{simd,relaxed}-{private,shared}.wasm
// relaxed: fused multiply-add (relaxed SIMD; Node 20 needs V8's --experimental-wasm-relaxed-simd,
// which the loader sets), simd: plain SIMD128 mul + add. shared: imports a shared memory (the
// multithreaded tfjs build), private: a plain one (the single-threaded build).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'wasm');
mkdirSync(outDir, { recursive: true });

const common = [
  join(root, 'wasm', 'assembly', 'index.ts'),
  '--optimizeLevel',
  '3',
  '--shrinkLevel',
  '0',
  '--runtime',
  'stub',
  '--noAssert',
  '--importMemory',
  '--initialMemory',
  '0',
  '--maximumMemory',
  '65536',
  '--enable',
  'simd',
];

for (const fma of [false, true]) {
  for (const shared of [false, true]) {
    const name = `kernels-${fma ? 'relaxed' : 'simd'}-${shared ? 'shared' : 'private'}.wasm`;
    const args = [...common, '--outFile', join(outDir, name)];
    if (fma) args.push('--enable', 'relaxed-simd');
    if (shared) args.push('--sharedMemory', '--enable', 'threads');
    const { error, stderr } = await asc.main(args);
    if (error) {
      process.stderr.write(stderr.toString());
      console.error(`build-wasm: ${name}: ${error.message}`);
      process.exit(1);
    }
  }
}

// The multislice engine's row and column passes (wasm/assembly/multislice.ts): its own entry,
// importing pffft's memory and pffft_transform (src/simulate/multislice/fft.ts binds them).
{
  const name = 'multislice.wasm';
  const args = [
    join(root, 'wasm', 'assembly', 'multislice.ts'),
    // pffft's memory has no declared maximum, so the import declares none either
    ...['--optimizeLevel', '3', '--shrinkLevel', '0', '--runtime', 'stub', '--noAssert'],
    ...['--importMemory', '--initialMemory', '0', '--enable', 'simd'],
    '--outFile',
    join(outDir, name),
  ];
  const { error, stderr } = await asc.main(args);
  if (error) {
    process.stderr.write(stderr.toString());
    console.error(`build-wasm: ${name}: ${error.message}`);
    process.exit(1);
  }
}

// The detector kernels of `profileMethod: exact` (wasm/assembly/detector.ts): its own entry,
// importing a memory the host makes per image geometry (src/simulate/kinematic/detector-wasm.ts).
{
  const name = 'detector.wasm';
  const args = [
    join(root, 'wasm', 'assembly', 'detector.ts'),
    ...['--optimizeLevel', '3', '--shrinkLevel', '0', '--runtime', 'stub', '--noAssert'],
    ...['--importMemory', '--initialMemory', '0', '--enable', 'simd', '--enable', 'bulk-memory'],
    '--outFile',
    join(outDir, name),
  ];
  const { error, stderr } = await asc.main(args);
  if (error) {
    process.stderr.write(stderr.toString());
    console.error(`build-wasm: ${name}: ${error.message}`);
    process.exit(1);
  }
}
