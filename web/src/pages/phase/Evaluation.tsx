/** The evaluation of a phase map against the CIFs (`bragg phase evaluate --json` of one file). */
import type { PhaseEvaluation } from '../../api-types';
import { num } from '../../components/common';
import { LinePlot } from '../../components/plots';

export function EvaluationView({ e }: { e: PhaseEvaluation }) {
  const present = e.phases.flatMap((p) =>
    p.status === 'present' && p.meanProfile && p.meanProfile.length > 1
      ? [{ phase: p.phase, profile: p.meanProfile }]
      : [],
  );
  const first = present[0];
  const n = first ? first.profile.length : 0;
  const q = Array.from(
    { length: n },
    (_, i) => e.qRange[0] + ((e.qRange[1] - e.qRange[0]) * i) / Math.max(1, n - 1),
  );
  return (
    <section data-testid="evaluation">
      <table className="table">
        <thead>
          <tr>
            <th>phase</th>
            <th>status</th>
            <th>pixels</th>
            <th>fraction</th>
            <th>peaks found</th>
            <th>reference peaks</th>
            <th>strong found</th>
            <th>mean distance (Å⁻¹)</th>
          </tr>
        </thead>
        <tbody>
          {e.phases.map((p) => (
            <tr key={p.phase}>
              <td>{p.phase}</td>
              <td>{p.status}</td>
              <td className="num">{p.pixels}</td>
              <td className="num">{num(p.fraction, 3)}</td>
              <td className="num">{p.status === 'present' ? p.foundPeaks.length : '—'}</td>
              <td className="num">{p.status === 'present' ? p.referencePeaks.length : '—'}</td>
              <td className="num">
                {p.status === 'present' ? num(p.fractionStrongFound, 3) : '—'}
              </td>
              <td className="num">{p.status === 'present' ? num(p.meanDistance) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        {e.pixels} pixels, q {num(e.qRange[0])}–{num(e.qRange[1])} Å⁻¹, mean distance over the
        present phases {num(e.meanDistance)} Å⁻¹; model {e.cnnId}.
      </p>
      {first ? (
        <>
          <h4>Mean profile per phase</h4>
          <LinePlot
            testid="mean-profiles"
            values={first.profile}
            x={q}
            xLabel="q (Å⁻¹)"
            yLabel={first.phase}
            extra={present.slice(1).map((p) => ({ label: p.phase, values: p.profile }))}
          />
        </>
      ) : null}
    </section>
  );
}
