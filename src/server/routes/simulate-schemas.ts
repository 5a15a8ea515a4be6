/**
 * JSON schemas (TypeBox) of the simulate routes' requests and replies, and their bounds.
 */
import { Type } from '@sinclair/typebox';
import { EXCITATION_SHAPES, PEAK_SHAPES } from '../../simulate/kinematic/index.js';

/** Largest detector side of `POST /api/simulate/pattern` [px]. */
export const MAX_PATTERN_SIZE = 1024;
/** Most q points of `POST /api/simulate/profile`. */
export const MAX_PROFILE_POINTS = 100_000;
/** Largest |g| of a reflection table [Å⁻¹]. */
export const MAX_GMAX = 6;
/** Most hkl candidates (the box around the |g| sphere) of one reflection table. */
export const MAX_HKL_CANDIDATES = 1_000_000;
/** Longest inline CIF text [characters]. */
export const MAX_CIF_TEXT = 2_000_000;

export const fileRefSchema = Type.Object(
  {
    root: Type.String({ minLength: 1, maxLength: 64, description: 'root id (GET /api/roots)' }),
    path: Type.String({ maxLength: 4096, description: 'path inside the root, `/`-separated' }),
  },
  { additionalProperties: false },
);

export const cifSource = {
  cif: Type.Optional(fileRefSchema),
  cifText: Type.Optional(
    Type.String({ minLength: 1, maxLength: MAX_CIF_TEXT, description: "the CIF's text" }),
  ),
  structure: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'a bundled structure (GET /api/structures)',
    }),
  ),
};

export const common = {
  ...cifSource,
  kv: Type.Number({
    exclusiveMinimum: 0,
    maximum: 10000,
    description: 'accelerating voltage [kV]',
  }),
  gmax: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 20,
      description: 'largest |g| = 1/d [Å⁻¹] (default 1.5)',
    }),
  ),
  params: Type.Optional(
    Type.Union([Type.Literal('lobato'), Type.Literal('kirkland'), Type.Literal('peng')], {
      description: 'electron scattering factors (default lobato)',
    }),
  ),
  dw: Type.Optional(
    Type.Boolean({ description: 'apply Debye–Waller factors of the CIF (default true)' }),
  ),
};

export const reflectionsBody = Type.Object(
  {
    ...common,
    all: Type.Optional(Type.Boolean({ description: 'also list systematic absences' })),
  },
  { additionalProperties: false },
);

export const profileBody = Type.Object(
  {
    ...common,
    qmin: Type.Optional(
      Type.Number({ minimum: 0, maximum: 20, description: 'first q [Å⁻¹] (default 0.1)' }),
    ),
    qmax: Type.Optional(
      Type.Number({ minimum: 0, maximum: 20, description: 'last q [Å⁻¹] (default 1.4)' }),
    ),
    n: Type.Optional(
      Type.Integer({ minimum: 2, description: `q points (default 1000, ≤ ${MAX_PROFILE_POINTS})` }),
    ),
    axis: Type.Optional(Type.Literal('seed147', { description: "the seed's 147-point q axis" })),
    shape: Type.Optional(
      Type.Union(
        PEAK_SHAPES.map((s) => Type.Literal(s)),
        { description: 'peak shape (default gaussian)' },
      ),
    ),
    fwhm: Type.Optional(
      Type.Number({ minimum: 1e-6, maximum: 1, description: 'peak FWHM [Å⁻¹] (default 0.01)' }),
    ),
    eta: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: 'pseudo-Voigt Lorentzian fraction' }),
    ),
  },
  { additionalProperties: false },
);

export const patternBody = Type.Object(
  {
    ...common,
    zone: Type.Array(Type.Integer({ minimum: -100, maximum: 100 }), {
      minItems: 3,
      maxItems: 3,
      description: 'zone axis [u, v, w] along the beam',
    }),
    rotation: Type.Optional(
      Type.Number({ minimum: -3600, maximum: 3600, description: 'in-plane rotation [deg]' }),
    ),
    euler: Type.Optional(
      Type.Array(Type.Number(), {
        minItems: 3,
        maxItems: 3,
        description: 'Bunge Euler angles [deg] instead of zone',
      }),
    ),
    size: Type.Optional(
      Type.Integer({
        minimum: 2,
        description: `detector side [px] (default 256, ≤ ${MAX_PATTERN_SIZE})`,
      }),
    ),
    calibration: Type.Optional(
      Type.Number({
        minimum: 1e-6,
        maximum: 10,
        description: 'reciprocal-space sampling [Å⁻¹/px] (default 0.01)',
      }),
    ),
    excitationError: Type.Optional(
      Type.Number({
        minimum: 1e-6,
        maximum: 10,
        description: 'excitation-error (relrod) width [Å⁻¹] (default 0.01)',
      }),
    ),
    shape: Type.Optional(
      Type.Union(
        EXCITATION_SHAPES.map((s) => Type.Literal(s)),
        { description: 'excitation-error shape' },
      ),
    ),
    sigma: Type.Optional(
      Type.Number({ minimum: 0.05, maximum: 100, description: 'spot σ [px] (default 1)' }),
    ),
    precession: Type.Optional(
      Type.Number({ minimum: 0, maximum: 9.99, description: 'precession semi-angle [deg]' }),
    ),
    directBeam: Type.Optional(
      Type.Number({ minimum: 0, description: 'direct-beam intensity (default none)' }),
    ),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('png')])),
    scale: Type.Optional(
      Type.Union([Type.Literal('linear'), Type.Literal('log'), Type.Literal('sqrt')]),
    ),
  },
  { additionalProperties: false },
);

export const cellSchema = Type.Object(
  {
    a: Type.Number(),
    b: Type.Number(),
    c: Type.Number(),
    alpha: Type.Number(),
    beta: Type.Number(),
    gamma: Type.Number(),
  },
  { additionalProperties: false, description: 'cell lengths [Å] and angles [deg]' },
);

export const structureSchema = Type.Object(
  { name: Type.String(), formula: Type.String(), spaceGroup: Type.String(), cell: cellSchema },
  { additionalProperties: false },
);

export const hkl = Type.Array(Type.Integer(), { minItems: 3, maxItems: 3 });

export const reflectionsReply = Type.Object(
  {
    reflections: Type.Array(
      Type.Object(
        {
          hkl,
          g: Type.Number({ description: '|g| = 1/d [Å⁻¹]' }),
          d: Type.Number({ description: 'd-spacing [Å]' }),
          braggAngleMrad: Type.Number({ description: 'Bragg angle [mrad]' }),
          multiplicity: Type.Integer(),
          F2: Type.Number({ description: '|F|² [Å²]' }),
          intensity: Type.Number({ description: 'multiplicity × |F|²' }),
        },
        { additionalProperties: false },
      ),
    ),
    structure: structureSchema,
    params: Type.String(),
  },
  { additionalProperties: false },
);

export const profileReply = Type.Object(
  {
    q: Type.Array(Type.Number(), { description: 'q = 1/d [Å⁻¹]' }),
    intensity: Type.Array(Type.Number()),
    structure: structureSchema,
  },
  { additionalProperties: false },
);

export const patternReply = Type.Object(
  {
    shape: Type.Array(Type.Integer(), { minItems: 2, maxItems: 2 }),
    data: Type.Array(Type.Number(), { description: 'row-major [h, w] intensities' }),
    calibration: Type.Number({ description: 'Å⁻¹ per pixel' }),
    spots: Type.Array(
      Type.Object(
        {
          hkl,
          x: Type.Number({ description: 'column of the spot centre [px]' }),
          y: Type.Number({ description: 'row of the spot centre [px]' }),
          kx: Type.Number({ description: 'detector-plane kx [Å⁻¹]' }),
          ky: Type.Number({ description: 'detector-plane ky [Å⁻¹]' }),
          intensity: Type.Number(),
          excitationError: Type.Number({ description: 'excitation error s [Å⁻¹]' }),
        },
        { additionalProperties: false },
      ),
    ),
    structure: structureSchema,
  },
  { additionalProperties: false },
);

export const structuresReply = Type.Object(
  {
    structures: Type.Array(
      Type.Object(
        { name: Type.String(), formula: Type.String(), spaceGroup: Type.String() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
