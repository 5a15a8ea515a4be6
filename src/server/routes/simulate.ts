/**
 * Kinematic simulation over the Web API: `GET /api/structures` (the bundled CIFs),
 * `POST /api/simulate/reflections | profile | pattern`, the same numbers as
 * `bragg simulate reflections | profile | pattern` for the same input (the same functions:
 * `reflectionRows`, `kinematicProfile`, `simulateZonePattern`). A CIF is a served file or an
 * upload (`cif: {root, path}`), inline text (`cifText`) or a bundled structure (`structure`).
 *
 * Synchronous and bounded: every request runs through `ctx.heavy` (the bounded queue), and the
 * work a request may ask for is capped before it starts (LIMIT, 413, naming the field): a
 * pattern ≤ 1024² px, a profile ≤ 100,000 points, gmax ≤ 6 Å⁻¹ (d ≥ 0.17 Å; there Lobato's
 * f_e is 1/57 (Au) to 1/99 (O) of f_e(0), |F|² 10³–10⁴ times weaker) and ≤ 10⁶ hkl candidates
 * (the box the reflection table loops over). Measured here: 2.3·10⁶ candidates took 10 s and
 * 500 MB (2 cores at load average 13), so 10⁶ is a few seconds and ~250 MB at most; a pattern
 * of 1024² px at 0.01 Å⁻¹/px needs 2·10⁵ for Au, 6·10⁵ for CsPbBr3.
 */
import type {} from '@fastify/swagger';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { LimitError, ValidationError } from '../../core/errors.js';
import { ndarray } from '../../core/ndarray.js';
import type { Crystal } from '../../crystal/structure.js';
import { cellFormula } from '../../crystal/structure.js';
import { encodePng } from '../../formats/image/png.js';
import { reflectionRows } from '../../simulate/kinematic/listing.js';
import {
  kinematicProfile,
  linspace,
  prepareReflections,
  seed147Axis,
} from '../../simulate/kinematic/index.js';
import { patternGMax, simulateZonePattern } from '../../simulate/kinematic/zone-pattern.js';
import { bundledStructures } from '../../workflows/structures.js';
import { errorResponses, type RouteContext } from '../../workflows/route.js';
import { checkTableSize, requestCrystal } from './request-cif.js';
import {
  MAX_PATTERN_SIZE,
  MAX_PROFILE_POINTS,
  patternBody,
  patternReply,
  profileBody,
  profileReply,
  reflectionsBody,
  reflectionsReply,
  structuresReply,
} from './simulate-schemas.js';

export {
  MAX_GMAX,
  MAX_HKL_CANDIDATES,
  MAX_PATTERN_SIZE,
  MAX_PROFILE_POINTS,
  fileRefSchema,
} from './simulate-schemas.js';
export { checkTableSize, requestCif, requestCrystal } from './request-cif.js';

function structureOf(c: Crystal, name: string) {
  return { name, formula: cellFormula(c), spaceGroup: c.spaceGroup.symbol, cell: { ...c.cell } };
}

export async function simulateRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.get(
    '/api/structures',
    {
      schema: {
        summary: 'The bundled structures (data/structures/*.cif)',
        tags: ['simulate'],
        response: { 200: structuresReply, ...errorResponses },
      },
    },
    async () => ({
      structures: (await bundledStructures()).map(({ name, formula, spaceGroup }) => ({
        name,
        formula,
        spaceGroup,
      })),
    }),
  );

  app.post<{ Body: Static<typeof reflectionsBody> }>(
    '/api/simulate/reflections',
    {
      schema: {
        summary: 'Kinematic reflection list (as `bragg simulate reflections --json`)',
        tags: ['simulate'],
        body: reflectionsBody,
        response: { 200: reflectionsReply, ...errorResponses },
      },
    },
    async (req) => {
      const b = req.body;
      const crystal = await requestCrystal(b, ctx);
      const gMax = b.gmax ?? 1.5;
      checkTableSize(crystal, gMax, 'gmax');
      return ctx.heavy(async () => {
        const t = prepareReflections(crystal, {
          gMax,
          params: b.params ?? 'lobato',
          debyeWaller: b.dw ?? true,
        });
        return {
          reflections: reflectionRows(t, b.kv, b.all === true),
          structure: structureOf(crystal, crystal.name),
          params: t.params,
        };
      });
    },
  );

  app.post<{ Body: Static<typeof profileBody> }>(
    '/api/simulate/profile',
    {
      schema: {
        summary: '1D kinematic profile I(q), q = 1/d [Å⁻¹] (as `bragg simulate profile`)',
        tags: ['simulate'],
        body: profileBody,
        response: { 200: profileReply, ...errorResponses },
      },
    },
    async (req) => {
      const b = req.body;
      const n = b.n ?? 1000;
      if (n > MAX_PROFILE_POINTS) {
        throw new LimitError('profile points', { field: 'n', value: n, limit: MAX_PROFILE_POINTS });
      }
      const qmin = b.qmin ?? 0.1;
      const qmax = b.qmax ?? 1.4;
      if (b.axis === undefined && !(qmax > qmin)) {
        throw new ValidationError(`qmax (${qmax}) must be above qmin (${qmin})`, 'qmax');
      }
      const crystal = await requestCrystal(b, ctx);
      const gMax = b.gmax ?? 1.5;
      checkTableSize(crystal, gMax, 'gmax');
      return ctx.heavy(async () => {
        const q = b.axis === 'seed147' ? seed147Axis() : linspace(qmin, qmax, n);
        const t = prepareReflections(crystal, {
          gMax,
          params: b.params ?? 'lobato',
          debyeWaller: b.dw ?? true,
        });
        const y = kinematicProfile(t, q, {
          shape: b.shape ?? 'gaussian',
          fwhm: b.fwhm ?? 0.01,
          eta: b.eta ?? 0.5,
        });
        return {
          q: Array.from(q),
          intensity: Array.from(y),
          structure: structureOf(crystal, crystal.name),
        };
      });
    },
  );

  app.post<{ Body: Static<typeof patternBody> }>(
    '/api/simulate/pattern',
    {
      schema: {
        summary: '2D kinematic zone-axis pattern (as `bragg simulate pattern`): JSON or PNG',
        tags: ['simulate'],
        body: patternBody,
        response: {
          200: {
            description: 'JSON (format json, the default) or image/png (format png)',
            content: {
              'application/json': { schema: patternReply },
              'image/png': { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const size = b.size ?? 256;
      if (size > MAX_PATTERN_SIZE) {
        throw new LimitError('pattern size', {
          field: 'size',
          value: size,
          limit: MAX_PATTERN_SIZE,
          unit: 'px',
        });
      }
      const calibration = b.calibration ?? 0.01;
      const crystal = await requestCrystal(b, ctx);
      // the table reaches the detector's corner: gmax is bounded as given, the table by its size
      if (b.gmax !== undefined) checkTableSize(crystal, b.gmax, 'gmax');
      checkTableSize(crystal, patternGMax({ gMax: b.gmax, size, calibration }), 'gmax', Infinity);
      const p = await ctx.heavy(async () =>
        simulateZonePattern(crystal, {
          kv: b.kv,
          ...(b.gmax !== undefined ? { gMax: b.gmax } : {}),
          params: b.params ?? 'lobato',
          debyeWaller: b.dw ?? true,
          zone: b.zone,
          rotationDeg: b.rotation ?? 0,
          ...(b.euler ? { euler: b.euler } : {}),
          size,
          calibration,
          sigmaPx: b.sigma ?? 1,
          relrod: b.excitationError ?? 0.01,
          shape: b.shape ?? 'lorentzian',
          precessionDeg: b.precession ?? 0,
          ...(b.directBeam !== undefined ? { directBeam: b.directBeam } : {}),
        }),
      );
      if (b.format === 'png') {
        const png = encodePng(ndarray('float32', [size, size], p.image), {
          scale: b.scale ?? 'log',
          decades: 4,
        });
        return reply.type('image/png').send(Buffer.from(png));
      }
      const s = p.spots;
      const c = size / 2;
      return {
        shape: [size, size],
        data: Array.from(p.image),
        calibration,
        spots: Array.from({ length: s.count }, (_, i) => ({
          hkl: [s.hkl[3 * i]!, s.hkl[3 * i + 1]!, s.hkl[3 * i + 2]!],
          x: c + s.kx[i]! / calibration,
          y: c + s.ky[i]! / calibration,
          kx: s.kx[i]!,
          ky: s.ky[i]!,
          intensity: s.intensity[i]!,
          excitationError: s.excitationError[i]!,
        })),
        structure: structureOf(crystal, crystal.name),
      };
    },
  );
}
