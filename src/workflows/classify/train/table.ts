/** The multi-label metrics as a text table (per class, then the totals). */
import type { MultiLabelReport } from '../../../ml/metrics/multilabel.js';

const pct = (v: number): string => `${(100 * v).toFixed(1)} %`.padStart(8);

export function metricsTable(m: MultiLabelReport): string {
  const w = Math.max(5, ...m.labels.map((l) => l.length));
  const head = `${'class'.padEnd(w)}  support      TP      FP      FN      TN  accuracy precision  recall     MCC`;
  const rows = m.perClass.map(
    (c) =>
      `${c.label.padEnd(w)}  ${String(c.support).padStart(7)} ${[c.tp, c.fp, c.fn, c.tn].map((v) => String(v).padStart(7)).join(' ')}  ${pct(c.accuracy)}  ${pct(c.precision)} ${pct(c.recall)} ${c.mcc.toFixed(3).padStart(7)}`,
  );
  return [
    head,
    ...rows,
    '',
    `images ${m.images}, threshold ${m.threshold}`,
    `accuracy ${pct(m.accuracy).trim()} · mean per-class accuracy ${pct(m.meanPerClassAccuracy).trim()} · exact match ${pct(m.exactMatch).trim()}`,
    `precision ${pct(m.precision).trim()} · recall ${pct(m.recall).trim()} · MCC ${m.mcc.toFixed(3)} · TP ${m.tp} FP ${m.fp} FN ${m.fn} TN ${m.tn}`,
  ].join('\n');
}
