/**
 * The class probabilities of one PACBED target as a curve (SVG): probability over the class
 * values (thickness [Å] or mistilt [mrad]), the most probable class marked, the expected value
 * ± spread as a band.
 */
import type { PacbedTarget } from '../../api-pacbed';

const W = 420;
const H = 170;
const PAD = { l: 40, r: 12, t: 12, b: 32 };

export function ProbabilityChart({
  name,
  unit,
  t,
}: {
  name: string;
  unit: string;
  t: PacbedTarget;
}) {
  const xs = t.labels;
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const span = hi > lo ? hi - lo : 1;
  const x = (v: number) => PAD.l + ((v - lo) / span) * (W - PAD.l - PAD.r);
  const y = (p: number) => H - PAD.b - Math.max(0, Math.min(1, p)) * (H - PAD.t - PAD.b);
  const line = xs.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(v).toFixed(1)},${y(t.probabilities[i] ?? 0).toFixed(1)}`).join(''); // prettier-ignore
  const band = [x(Math.max(lo, t.expected - t.spread)), x(Math.min(hi, t.expected + t.spread))];
  return (
    <figure className="pacbed-chart">
      <svg
        width={W}
        height={H}
        data-testid={`pacbed-curve-${name}`}
        role="img"
        aria-label={`${name} probabilities`}
      >
        <rect
          x={band[0]}
          y={PAD.t}
          width={Math.max(1, band[1]! - band[0]!)}
          height={H - PAD.t - PAD.b}
          fill="#1f77b4"
          opacity={0.12}
        />
        <line x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} stroke="#888" />
        <line x1={PAD.l} y1={PAD.t} x2={PAD.l} y2={H - PAD.b} stroke="#888" />
        {[0, 0.5, 1].map((p) => (
          <text key={p} x={PAD.l - 6} y={y(p) + 4} fontSize={10} textAnchor="end">
            {p}
          </text>
        ))}
        <path d={line} fill="none" stroke="#1f77b4" strokeWidth={2} />
        {xs.map((v, i) => (
          <circle
            key={i}
            data-testid="pacbed-point"
            cx={x(v)}
            cy={y(t.probabilities[i] ?? 0)}
            r={v === t.value ? 5 : 3}
            fill={v === t.value ? '#d62728' : '#1f77b4'}
          >
            <title>{`${v} ${unit}: p ${(t.probabilities[i] ?? 0).toFixed(3)}`}</title>
          </circle>
        ))}
        <text x={PAD.l} y={H - 8} fontSize={10}>
          {lo}
        </text>
        <text x={W - PAD.r} y={H - 8} fontSize={10} textAnchor="end">
          {hi}
        </text>
        <text
          x={(W + PAD.l) / 2}
          y={H - 8}
          fontSize={11}
          textAnchor="middle"
        >{`${name} [${unit}]`}</text>
      </svg>
    </figure>
  );
}
