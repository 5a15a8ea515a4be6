/**
 * The DiPID Zooniverse export (MANIFEST §4b): one CSV row per volunteer classification of one
 * I16 frame, with task T1 (how many peaks: "0" … "3", "more than 3") and task T3 (polygons,
 * x along the 487-pixel axis, y along the 195-pixel axis). Parsed into frames with their
 * classifications, then turned into instance masks by a stated consensus rule.
 *
 * **Consensus rule.** With k volunteers on a frame, a pixel is a peak pixel when the pixel
 * centre lies inside a polygon (even–odd rule, `fillPolygon`) of at least ⌈k/2⌉ volunteers
 * (k = 1: that volunteer's polygons; k = 2: either); the instances are the 8-connected
 * components of those pixels (touching polygons merge), boxes their pixel bounds. The count is
 * the median T1 answer ("more than 3" counted as 4).
 */
import { FormatError } from '../../../core/errors.js';
import { labelComponents } from '../../../core/signal/labels2d.js';
import { fillPolygon, type Point2d } from '../../../core/signal/polygon.js';
import { parseCsv, requireColumns, stringColumn } from '../../../formats/table/csv.js';

/** Pilatus 100K frame of the I16 scans the export labels (rows × columns). */
export const I16_FRAME = { height: 195, width: 487 } as const;

export interface Classification {
  id: string;
  /** T1 answer: 0..3, 4 for "more than 3", undefined when absent. */
  count: number | undefined;
  polygons: Point2d[][];
}

export interface LabelledFrame {
  /** `<scan>-<frame>`, the export's "Image Number". */
  image: string;
  scan: string;
  frame: number;
  classifications: Classification[];
}

export interface ZooniverseExport {
  /** Labelled frames, sorted by scan then frame. */
  frames: LabelledFrame[];
  classifications: number;
  polygons: number;
  /** T1 answers as written ("0" … "3", "more than 3") → how many. */
  countAnswers: Record<string, number>;
}

interface Annotation {
  task?: unknown;
  value?: unknown;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function countOf(answer: string): number | undefined {
  if (/^\d+$/.test(answer.trim())) return Number(answer);
  if (/more than 3/i.test(answer)) return 4;
  return undefined;
}

/** Parse the export's text (`file` names it in errors). */
export function parseZooniverse(text: string, file = 'Zooniverse export'): ZooniverseExport {
  const table = parseCsv(text, { file });
  requireColumns(table, ['classification_id', 'subject_data', 'annotations']);
  const ids = stringColumn(table, 'classification_id');
  const subjects = stringColumn(table, 'subject_data');
  const annotations = stringColumn(table, 'annotations');
  const byImage = new Map<string, LabelledFrame>();
  const countAnswers: Record<string, number> = {};
  let polygons = 0;
  for (let r = 0; r < table.rowCount; r++) {
    const where = (what: string): FormatError =>
      new FormatError('Zooniverse export', what, { file, path: `row ${r + 2}` });
    let subject: unknown;
    let anns: unknown;
    try {
      subject = JSON.parse(subjects[r]!);
      anns = JSON.parse(annotations[r]!);
    } catch (err) {
      throw new FormatError('Zooniverse export', 'subject_data or annotations is not JSON', {
        file,
        path: `row ${r + 2}`,
        cause: err,
      });
    }
    const first = asRecord(Object.values(asRecord(subject) ?? {})[0]);
    const image = first?.['Image Number'];
    if (typeof image !== 'string') throw where('subject_data has no "Image Number"');
    const m = /^(\d+)-(\d+)$/.exec(image.trim());
    if (!m) throw where(`"Image Number" '${image}' is not <scan>-<frame>`);
    if (!Array.isArray(anns)) throw where('annotations is not a list');
    const c: Classification = { id: String(ids[r]), count: undefined, polygons: [] };
    for (const a of anns as Annotation[]) {
      if (a.task === 'T1' && typeof a.value === 'string') {
        c.count = countOf(a.value);
        countAnswers[a.value] = (countAnswers[a.value] ?? 0) + 1;
      } else if (a.task === 'T3' && Array.isArray(a.value)) {
        for (const shape of a.value as unknown[]) {
          const pts = asRecord(shape)?.points;
          if (!Array.isArray(pts)) continue;
          const poly: Point2d[] = [];
          for (const p of pts as unknown[]) {
            const q = asRecord(p);
            if (typeof q?.x === 'number' && typeof q.y === 'number') poly.push({ x: q.x, y: q.y });
          }
          c.polygons.push(poly);
          polygons++;
        }
      }
    }
    let f = byImage.get(image);
    if (!f) {
      f = { image, scan: m[1]!, frame: Number(m[2]), classifications: [] };
      byImage.set(image, f);
    }
    f.classifications.push(c);
  }
  const frames = [...byImage.values()].sort((a, b) =>
    a.scan === b.scan ? a.frame - b.frame : a.scan < b.scan ? -1 : 1,
  );
  return { frames, classifications: table.rowCount, polygons, countAnswers };
}

export interface ConsensusMask {
  /** Instance ids (0 = background), `height × width`. */
  mask: Uint16Array;
  instances: number;
  /** Median T1 count (4 = "more than 3"); undefined when no volunteer answered. */
  count: number | undefined;
  volunteers: number;
}

/** The consensus instance mask of one labelled frame (the rule in the module comment). */
export function consensusMask(
  f: LabelledFrame,
  height: number = I16_FRAME.height,
  width: number = I16_FRAME.width,
): ConsensusMask {
  const k = f.classifications.length;
  const votes = new Uint16Array(height * width);
  const one = new Uint8Array(height * width);
  for (const c of f.classifications) {
    one.fill(0);
    for (const p of c.polygons) fillPolygon(one, height, width, p, 1);
    for (let i = 0; i < one.length; i++) votes[i]! += one[i]!;
  }
  const need = Math.max(1, Math.ceil(k / 2));
  const fg = new Uint8Array(height * width);
  for (let i = 0; i < fg.length; i++) fg[i] = votes[i]! >= need ? 1 : 0;
  const { labels, count } = labelComponents(fg, height, width, 8);
  const counts = f.classifications
    .map((c) => c.count)
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
  const median =
    counts.length === 0
      ? undefined
      : counts.length % 2
        ? counts[(counts.length - 1) / 2]!
        : (counts[counts.length / 2 - 1]! + counts[counts.length / 2]!) / 2;
  return {
    mask: Uint16Array.from(labels),
    instances: count,
    count: median,
    volunteers: k,
  };
}
