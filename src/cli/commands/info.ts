/**
 * `bragg info <file> [--json]`: the format, every dataset with shape, dtype, calibrated axes
 * and key metadata, for any format registered in src/formats/registry.ts.
 */
import type { Axis } from '../../core/axes.js';
import type { Metadata, MetadataValue } from '../../core/data-array.js';
import { structureFormats } from '../../crystal/cif-format.js';
import { summarize } from '../../formats/summary.js';
import { LAYOUT_HELP, openInLayout, parseTfrecordLayout } from '../../formats/tfrecord/index.js';
import type { FileSummary } from '../../formats/summary.js';
import type { CommandModule } from '../../workflows/command.js';
import { printJson } from '../../workflows/command.js';

export { summarize };
export type { FileSummary };

export function axisText(a: Axis): string {
  const cal = a.scale !== 1 || a.offset !== 0 || a.units !== '';
  if (!cal) return `${a.name}[${a.size}]`;
  const u = a.units === '' ? '' : ` ${a.units}`;
  return `${a.name}[${a.size}] ${fmt(a.offset)} + ${fmt(a.scale)}·i${u}`;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+(e|$)/, '$1');
}

/** One-line rendering of a metadata value, cut to `max` characters. */
function valueText(v: MetadataValue, max = 80): string {
  const s =
    typeof v === 'string'
      ? v
      : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Scalar metadata entries (nested trees such as a DM tag tree are left to --json). */
function scalarEntries(m: Metadata, limit: number): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(m)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) continue;
    out.push([k, valueText(v)]);
    if (out.length >= limit) break;
  }
  return out;
}

export function renderText(s: FileSummary): string {
  const lines: string[] = [];
  lines.push(`${s.file}`);
  lines.push(`  format: ${s.format}`);
  const fileMeta = scalarEntries(s.metadata, 20);
  const nested = Object.values(s.metadata).filter(
    (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  ).length;
  if (fileMeta.length > 0 || nested > 0) {
    lines.push('  metadata:');
    for (const [k, v] of fileMeta) lines.push(`    ${k}: ${v}`);
    if (nested > 0)
      lines.push(`    (${nested} nested group${nested === 1 ? '' : 's'}; see --json)`);
  }
  lines.push(`  datasets (${s.datasets.length}):`);
  for (const d of s.datasets) {
    const mark = d.name === s.defaultDataset ? ' (default)' : '';
    const role = d.role === undefined ? '' : ` ${d.role}`;
    lines.push(`    ${d.name}${mark}: ${d.dtype} [${d.shape.join(', ')}]${role}`);
    if (d.axes.length > 0) lines.push(`      axes: ${d.axes.map(axisText).join(', ')}`);
    const i0 = d.intensity;
    if (i0 !== undefined && (i0.scale !== 1 || i0.offset !== 0 || i0.units !== '')) {
      lines.push(`      intensity: ${fmt(i0.offset)} + ${fmt(i0.scale)}·v ${i0.units}`.trimEnd());
    }
    for (const [k, v] of scalarEntries(d.metadata, 24)) lines.push(`      ${k}: ${v}`);
  }
  return `${lines.join('\n')}\n`;
}

export const infoCommand: CommandModule = {
  name: 'info',
  register(program) {
    program
      .command('info')
      .description(
        'Show the format, datasets (shape, dtype, calibrated axes) and key metadata of a file.',
      )
      .argument('<file>', 'any supported file (dm3, dm4, h5, nxs, npy, npz, tif, png, csv, ...)')
      .option('--layout <spec>', LAYOUT_HELP)
      .option('--json', 'print everything as JSON (full metadata trees included)')
      .action(async (file: string, opts: { json?: boolean; layout?: string }) => {
        const layout =
          opts.layout !== undefined ? parseTfrecordLayout(opts.layout, '--layout') : undefined;
        const f = await openInLayout(file, layout, (p) => structureFormats.open(p), '--layout');
        try {
          const s = summarize(f);
          if (opts.json) printJson(s);
          else process.stdout.write(renderText(s));
        } finally {
          await f.close();
        }
      });
  },
};
