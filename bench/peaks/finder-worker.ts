/**
 * Worker thread of the peaks bench: holds a share of the frames and runs the classic finder
 * over them on request, reporting the peaks found (the main thread times the round trip).
 */
import { parentPort } from 'node:worker_threads';
import { findPeaksClassic, type ClassicOptions } from '../../src/workflows/peaks/classic/finder.js';

interface Load {
  kind: 'load';
  frames: Float32Array[];
  height: number;
  width: number;
  mask: Uint8Array;
  options: ClassicOptions;
}

let held: Load | undefined;

function runAll(l: Load): number {
  let peaks = 0;
  for (const x of l.frames)
    peaks += findPeaksClassic(x, l.height, l.width, l.options, l.mask).peaks.length;
  return peaks;
}

parentPort?.on('message', (m: Load | { kind: 'run' }) => {
  if (m.kind === 'load') {
    held = m;
    // Warm-up: compile the finder before it is timed.
    for (const x of m.frames.slice(0, 4)) findPeaksClassic(x, m.height, m.width, m.options, m.mask);
    parentPort?.postMessage({ ready: true });
  } else if (held) {
    parentPort?.postMessage({ peaks: runAll(held) });
  }
});
