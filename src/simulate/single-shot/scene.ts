/**
 * Random single-shot scenes: objects made of uniform ellipsoids (see `density.ts`) of one of
 * the kinds of `classes.ts`, with their labels, and the detector settings of the shot. Sizes
 * are in real-space pixels of an n × n grid and scale with n, so the rings look alike at every
 * image size: a sphere of radius R has its first minimum at 4.493·n/(2πR) pixels from the
 * centre (between ~9 and ~23 px at n = 256).
 */
import type { Rng } from '../../core/rng.js';
import { ValidationError } from '../../core/errors.js';
import type { HeliumClass, SceneKind } from './classes.js';
import { labelsOf, SCENE_KINDS } from './classes.js';
import type { Ellipsoid } from './density.js';
import { sphere } from './density.js';
import type { DetectorOptions } from './detector.js';

export interface Scene {
  kind: SceneKind;
  parts: Ellipsoid[];
  labels: HeliumClass[];
  detector: DetectorOptions;
  /** The numbers that made it (radius, axis ratio, separation, …), for the manifest. */
  params: Record<string, number>;
}

function logUniform(rng: Rng, lo: number, hi: number): number {
  return Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
}

/** Integrated |FT|² of a projected ellipsoid is 2π·a·b·c²·ρ² (Parseval). */
function power(e: Ellipsoid): number {
  return 2 * Math.PI * e.a * e.b * e.c * e.c * e.density * e.density;
}

/** A thin rod whose scattering is `fraction` of `reference`'s (a streak across the pattern). */
function rod(rng: Rng, n: number, reference: number): Ellipsoid {
  const a = rng.uniform(n / 5, n / 3);
  const b = rng.uniform(0.6, 1.2);
  const r: Ellipsoid = { x: 0, y: 0, a, b, c: b, angle: rng.uniform(0, Math.PI), density: 1 };
  const want = reference * rng.uniform(0.15, 0.4);
  r.density = Math.sqrt(want / power(r));
  return r;
}

/** The objects of a scene of `kind` on an n-pixel grid. */
function objects(kind: SceneKind, n: number, rng: Rng, p: Record<string, number>): Ellipsoid[] {
  const R = rng.uniform(n / 32, n / 12);
  const angle = rng.uniform(0, Math.PI);
  switch (kind) {
    case 'sphere':
      p.radius = R;
      return [sphere(0, 0, R)];
    case 'spheroid':
    case 'prolate': {
      const ratio = kind === 'spheroid' ? rng.uniform(1.08, 1.3) : rng.uniform(1.3, 2.2);
      p.radius = R;
      p.axisRatio = ratio;
      const a = R * Math.sqrt(ratio);
      const b = R / Math.sqrt(ratio);
      return [{ x: 0, y: 0, a, b, c: b, angle, density: 1 }];
    }
    case 'bent': {
      const k = 5 + rng.int(3);
      const r = R * 0.55;
      const span = rng.uniform(Math.PI / 3, (2 * Math.PI) / 3);
      const arc = ((k - 1) * r * 1.2) / span; // neighbours overlap a little
      p.radius = r;
      p.arcRadius = arc;
      p.span = span;
      const out: Ellipsoid[] = [];
      for (let i = 0; i < k; i++) {
        const t = angle + (i / (k - 1) - 0.5) * span;
        out.push(sphere(arc * Math.cos(t), arc * Math.sin(t) - arc * Math.cos(span / 2) * 0.5, r));
      }
      return out;
    }
    case 'dimer': {
      const ratio = rng.next() < 0.5 ? rng.uniform(1, 1.1) : rng.uniform(1.25, 1.6);
      const r1 = R * 0.7;
      const r2 = r1 / ratio;
      const s = (r1 + r2) * rng.uniform(1.0, 1.6);
      p.radius = r1;
      p.radiusRatio = ratio;
      p.separation = s;
      const c = Math.cos(angle);
      const si = Math.sin(angle);
      return [sphere((-s / 2) * c, (-s / 2) * si, r1), sphere((s / 2) * c, (s / 2) * si, r2)];
    }
    case 'asymmetric': {
      // Friedel's law: a small-angle pattern |F[ρ]|² is always centrosymmetric, so what shows
      // as "asymmetric" is a pattern without the mirror lines of the ring and elliptical-ring
      // classes (which every ellipsoid's pattern has). That needs a projection without mirror
      // symmetry: 3–5 distinct lobes of different sizes, each touching a random earlier one at
      // a random angle (a random cluster whose lobes overlap, as before, looks like one blob
      // with elliptical rings). The lobes are smaller than R so the whole object spans ~2R
      // and its speckle is as coarse as the other classes' rings.
      const k = 3 + rng.int(3);
      p.radius = R;
      p.parts = k;
      const out: Ellipsoid[] = [];
      for (let i = 0; i < k; i++) {
        const r = R * rng.uniform(0.3, 0.55);
        const a = r * rng.uniform(1, 1.5);
        let x = 0;
        let y = 0;
        if (i > 0) {
          const prev = out[rng.int(i)]!;
          const t = rng.uniform(0, 2 * Math.PI);
          const d = (Math.max(prev.a, prev.b) + r) * rng.uniform(0.7, 0.95);
          x = prev.x + d * Math.cos(t);
          y = prev.y + d * Math.sin(t);
        }
        out.push({ x, y, a, b: r, c: r, angle: rng.uniform(0, Math.PI), density: 1 });
      }
      // centred on the mean lobe position (a shift changes only the phase of F)
      const mx = out.reduce((s, e) => s + e.x, 0) / k;
      const my = out.reduce((s, e) => s + e.y, 0) / k;
      for (const e of out) {
        e.x -= mx;
        e.y -= my;
      }
      return out;
    }
    case 'layered': {
      const core = R * rng.uniform(0.45, 0.75);
      p.radius = R;
      p.coreRadius = core;
      return [sphere(0, 0, R), sphere(0, 0, core, rng.uniform(1.2, 2.5))];
    }
    case 'streak':
      return [rod(rng, n, 2 * Math.PI * R ** 4)];
    case 'empty':
      return [];
  }
}

/** A random scene of `kind` (or of any kind, drawn uniformly) for an n × n image. */
export function randomScene(rng: Rng, n: number, kind?: SceneKind): Scene {
  if (!Number.isSafeInteger(n) || n < 16)
    throw new ValidationError(`must be an integer ≥ 16, got ${n}`, 'size');
  const k = kind ?? rng.pick(SCENE_KINDS);
  const params: Record<string, number> = {};
  const parts = objects(k, n, rng, params);
  // one in five scenes with an object also shows a streak
  const streak = k !== 'streak' && k !== 'empty' && rng.next() < 0.2;
  if (streak)
    parts.push(
      rod(
        rng,
        n,
        parts.reduce((s, e) => s + power(e), 0),
      ),
    );
  const detector: DetectorOptions = {
    photons: logUniform(rng, 5e4, 2e6) * (n / 256) ** 2,
    background: rng.uniform(0.02, 0.3),
    holeRadius: rng.uniform(n / 64, n / 40),
    gap: rng.next() < 0.7 ? rng.uniform(1, Math.max(1, n / 40)) : 0,
    gapOffset: rng.uniform(-2, 2),
  };
  return {
    kind: k,
    parts,
    labels: labelsOf(k, { radiusRatio: params.radiusRatio, streak }),
    detector,
    params,
  };
}
