/** A model's training curves (loss, accuracy per epoch) and confusion matrix, from `/api/models/:id`. */
import type { CurvePoint } from '../api-types';
import { num } from './common';
import { LinePlot } from './plots';

function series(points: readonly CurvePoint[], key: keyof CurvePoint): number[] {
  return points.map((p) => (typeof p[key] === 'number' ? (p[key] as number) : NaN));
}

export function Curves({ epochs }: { epochs: readonly CurvePoint[] }) {
  if (epochs.length === 0) return <p className="muted">No curves recorded.</p>;
  const x = epochs.map((p) => p.epoch);
  const has = (k: keyof CurvePoint) => epochs.some((p) => typeof p[k] === 'number');
  return (
    <div className="two-col" data-testid="curves">
      <LinePlot
        testid="loss-plot"
        values={series(epochs, 'loss')}
        x={x}
        xLabel="epoch"
        yLabel="loss"
        extra={has('val_loss') ? [{ label: 'val_loss', values: series(epochs, 'val_loss') }] : []}
      />
      {has('acc') ? (
        <LinePlot
          testid="acc-plot"
          values={series(epochs, 'acc')}
          x={x}
          xLabel="epoch"
          yLabel="acc"
          extra={has('val_acc') ? [{ label: 'val_acc', values: series(epochs, 'val_acc') }] : []}
        />
      ) : null}
    </div>
  );
}

/** Rows: true class, columns: predicted class; cells shaded by their share of the row. */
export function ConfusionTable({ labels, matrix }: { labels: string[]; matrix: number[][] }) {
  const total = matrix.flat().reduce((a, b) => a + b, 0);
  const correct = matrix.reduce((a, row, i) => a + (row[i] ?? 0), 0);
  return (
    <>
      <table className="table confusion" data-testid="confusion">
        <thead>
          <tr>
            <th>true \ predicted</th>
            {labels.map((l) => (
              <th key={l}>{l}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => {
            const sum = row.reduce((a, b) => a + b, 0);
            return (
              <tr key={i}>
                <th>{labels[i] ?? i}</th>
                {row.map((v, j) => {
                  const share = sum > 0 ? v / sum : 0;
                  const hue = i === j ? 140 : 0;
                  return (
                    <td
                      key={j}
                      className="num"
                      style={{ background: `hsla(${hue}, 60%, 45%, ${share.toFixed(3)})` }}
                    >
                      {v}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted">
        accuracy {num(total > 0 ? correct / total : NaN)} ({correct} of {total})
      </p>
    </>
  );
}
