/**
 * `bragg convert <in> <out>`: between array formats by extension, through the readers and
 * writers registered in src/formats/registry.ts. `--dataset` picks one dataset and `--frame`
 * one frame of its first axis; PNG output scales a 2D array (`--scale`) through a colormap
 * (`--colormap`).
 */
import { FormatError, ValidationError } from '../../core/errors.js';
import type { DataArray } from '../../core/data-array.js';
import { COLORMAPS, isColormapName } from '../../formats/image/colormap.js';
import { isScaling, SCALINGS } from '../../formats/image/scale.js';
import { createPngWriter } from '../../formats/image/formats.js';
import { structureFormats } from '../../crystal/cif-format.js';
import { writerFor } from '../../formats/registry.js';
import {
  LAYOUT_HELP,
  openInLayout,
  parseTfrecordLayout,
  type TfrecordLayout,
} from '../../formats/tfrecord/index.js';
import type { FormatWriter, OpenedFile, Selection } from '../../formats/types.js';
import type { CommandModule } from '../../workflows/command.js';
import { printJson } from '../../workflows/command.js';
import { numberArg } from '../../workflows/flags.js';

export interface ConvertOptions {
  dataset?: string;
  frame?: number;
  scale?: string;
  colormap?: string;
  /** TFRecord feature keys of another layout (`--layout`, parsed). */
  layout?: TfrecordLayout;
  json?: boolean;
}

/** Formats that hold one array: they need one dataset chosen. */
const SINGLE = new Set(['npy', 'png', 'tiff']);

/** The parts of a file its reader refused (listed in its metadata as `refused`). */
function refusedParts(f: OpenedFile): string[] {
  const r = f.metadata.refused;
  if (!Array.isArray(r)) return [];
  return r.map((x) => {
    const e = x as { member?: unknown; reason?: unknown } | null;
    return `${String(e?.member ?? '?')}: ${String(e?.reason ?? 'unreadable')}`;
  });
}

function pickDatasets(f: OpenedFile, single: boolean, dataset: string | undefined): string[] {
  const names = f.datasets.map((d) => d.name);
  if (dataset !== undefined) {
    if (!names.includes(dataset)) {
      throw new ValidationError(
        `${f.path} has no dataset '${dataset}'; datasets: ${names.join(', ')}`,
        '--dataset',
      );
    }
    return [dataset];
  }
  if (names.length === 0) throw new ValidationError(`${f.path} holds no datasets`, '<in>');
  if (!single) {
    // everything except previews and views of another dataset (DM thumbnails, TIFF pages of a stack)
    const main = f.datasets
      .filter((d) => d.role !== 'thumbnail' && d.role !== 'page')
      .map((d) => d.name);
    return main.length > 0 ? main : names;
  }
  if (names.length === 1) return names;
  if (f.defaultDataset !== undefined) return [f.defaultDataset];
  throw new ValidationError(
    `${f.path} holds ${names.length} datasets and the output holds one: choose with --dataset (${names.join(', ')})`,
    '--dataset',
  );
}

/** Convert `input` to `output`; returns the datasets written. */
export async function convert(
  input: string,
  output: string,
  o: ConvertOptions,
): Promise<DataArray[]> {
  let writer: FormatWriter = writerFor(output);
  const imageOpts = o.scale !== undefined || o.colormap !== undefined;
  if (o.scale !== undefined && !isScaling(o.scale)) {
    throw new ValidationError(
      `expected one of ${SCALINGS.join(', ')}, got '${o.scale}'`,
      '--scale',
    );
  }
  if (o.colormap !== undefined && !isColormapName(o.colormap)) {
    throw new ValidationError(
      `expected one of ${Object.keys(COLORMAPS).join(', ')}, got '${o.colormap}'`,
      '--colormap',
    );
  }
  if (writer.id === 'png') {
    writer = createPngWriter({
      scale: isScaling(o.scale) ? o.scale : 'linear',
      colormap: isColormapName(o.colormap) ? o.colormap : 'gray',
    });
  } else if (imageOpts) {
    throw new ValidationError(
      `--scale and --colormap apply to PNG output only, not '.${writer.extensions[0]}'`,
      '--scale',
    );
  }
  const f = await openInLayout(input, o.layout, (p) => structureFormats.open(p), '--layout');
  try {
    // A whole-file conversion must not drop what the reader refused (a corrupt NPZ member):
    // say so and stop; `--dataset` converts one readable array on purpose.
    const refused = refusedParts(f);
    if (o.dataset === undefined && refused.length > 0) {
      throw new FormatError(
        f.format.toUpperCase(),
        `cannot convert the whole file: ${refused.length} part(s) are damaged (${refused.join('; ')}); convert a readable one with --dataset`,
        { file: f.path },
      );
    }
    // --frame without --dataset means the main dataset's frame, whatever the output holds
    const names = pickDatasets(f, SINGLE.has(writer.id) || o.frame !== undefined, o.dataset);
    const sel: Selection | undefined = o.frame === undefined ? undefined : { frame: o.frame };
    if (o.frame !== undefined) {
      for (const n of names) {
        const info = f.datasets.find((d) => d.name === n)!;
        if (info.shape.length < 2) {
          throw new ValidationError(
            `dataset '${n}' has shape [${info.shape.join(', ')}]: no frames to choose from`,
            '--frame',
          );
        }
      }
    }
    const datasets: DataArray[] = [];
    for (const n of names) datasets.push(await f.read(n, sel));
    await writer.write(output, datasets);
    return datasets;
  } finally {
    await f.close();
  }
}

export const convertCommand: CommandModule = {
  name: 'convert',
  register(program) {
    program
      .command('convert')
      .description(
        'Convert between array formats by extension (dm3/dm4/h5/nxs/npy/npz/tif/png → npy/npz/h5/png/tif).',
      )
      .argument('<in>', 'input file')
      .argument('<out>', 'output file; its extension picks the format')
      .option(
        '--dataset <path>',
        'the dataset to convert (default: all but thumbnails and TIFF page views for npz/h5, else the main one)',
      )
      .option(
        '--frame <n>',
        'only frame n of the first axis (0-based)',
        numberArg('frame', { int: true, min: 0 }),
      )
      .option(
        '--scale <scaling>',
        `PNG output: intensity scaling (${SCALINGS.join(', ')}); default linear`,
      )
      .option(
        '--colormap <name>',
        `PNG output: colormap (${Object.keys(COLORMAPS).join(', ')}); default gray`,
      )
      .option('--layout <spec>', LAYOUT_HELP)
      .option('--json', 'print what was written as JSON')
      .action(
        async (
          input: string,
          output: string,
          raw: Omit<ConvertOptions, 'layout'> & { layout?: string },
        ) => {
          const { layout, ...rest } = raw;
          const opts: ConvertOptions = {
            ...rest,
            ...(layout !== undefined ? { layout: parseTfrecordLayout(layout, '--layout') } : {}),
          };
          const written = await convert(input, output, opts);
          const summary = written.map((d) => ({
            name: d.name,
            dtype: d.array.dtype,
            shape: d.array.shape,
          }));
          if (opts.json) printJson({ input, output, datasets: summary });
          else {
            process.stdout.write(`wrote ${output}\n`);
            for (const d of summary)
              process.stdout.write(`  ${d.name}: ${d.dtype} [${d.shape.join(', ')}]\n`);
          }
        },
      );
  },
};
