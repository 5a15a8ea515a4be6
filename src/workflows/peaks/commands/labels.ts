/** `bragg peaks labels <export.csv> -o DIR`: the DiPID Zooniverse export → one label file per scan. */
import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { readTextFile } from '../../../core/files.js';
import { join, resolve } from 'node:path';
import { printJson } from '../../command.js';
import { MaskFileWriter } from '../labels/label-file.js';
import { peakRows, type PeakRow } from '../labels/peak-table.js';
import { consensusMask, I16_FRAME, parseZooniverse } from '../labels/zooniverse.js';

export const CONSENSUS_RULE =
  'Zooniverse consensus: pixel centres inside polygons of ≥ ⌈k/2⌉ of the frame’s k volunteers; instances = 8-connected components';

export function registerLabels(group: Command): void {
  group
    .command('labels')
    .description(
      'Import a Zooniverse export (DiPID clean_full_dataset.csv: T1 counts, T3 polygons) as\n' +
        'label files DIR/<scan>_labels.h5 (masks of the labelled frames, by the consensus rule:\n' +
        'pixels inside polygons of at least half the volunteers; instances = connected components).',
    )
    .argument('<csv>', 'Zooniverse export')
    .requiredOption('-o, --output <dir>', 'output directory')
    .option('--json', 'JSON summary on stdout')
    .action(async (csv: string, o: { output: string; json?: boolean }) => {
      const z = parseZooniverse(await readTextFile(csv), csv);
      const out = resolve(o.output);
      await mkdir(out, { recursive: true });
      const { height: h, width: w } = I16_FRAME;
      const scans = [...new Set(z.frames.map((f) => f.scan))];
      const files: { scan: string; file: string; frames: number; instances: number }[] = [];
      for (const scan of scans) {
        const frames = z.frames.filter((f) => f.scan === scan);
        const file = join(out, `${scan}_labels.h5`);
        const wr = await MaskFileWriter.create(file, {
          kind: 'truth',
          source: `${scan}.nxs`,
          maskRule: CONSENSUS_RULE,
          frameIndex: frames.map((f) => f.frame),
          height: h,
          width: w,
        });
        const rows: PeakRow[] = [];
        try {
          // Blocks of 32 frames per write.
          for (let b = 0; b < frames.length; b += 32) {
            const part = frames.slice(b, b + 32);
            const block = new Uint16Array(part.length * h * w);
            part.forEach((f, k) => {
              const c = consensusMask(f, h, w);
              rows.push(...peakRows(f.frame, c.mask, h, w));
              block.set(c.mask, k * h * w);
            });
            await wr.write(block);
          }
        } catch (err) {
          await wr.abort();
          throw err;
        }
        await wr.finish(rows);
        files.push({ scan, file, frames: frames.length, instances: rows.length });
      }
      const summary = {
        classifications: z.classifications,
        frames: z.frames.length,
        polygons: z.polygons,
        countAnswers: z.countAnswers,
        files,
      };
      if (o.json) printJson(summary);
      else
        process.stdout.write(
          `${z.classifications} classifications of ${z.frames.length} frames, ${z.polygons} polygons → ${files.length} label files in ${out}\n`,
        );
    });
}
