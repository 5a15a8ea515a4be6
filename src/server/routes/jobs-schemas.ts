/**
 * JSON schemas (TypeBox) of the jobs routes: the job request, run records as the run registry
 * keeps them (`bragg runs list/show --json`), parameters.
 */
import { Type } from '@sinclair/typebox';
import { fileRefSchema } from './simulate-schemas.js';

export const dataRef = Type.Object(
  {
    root: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    path: Type.Optional(Type.String({ maxLength: 4096 })),
    run: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'a dataset run id' }),
    ),
  },
  {
    additionalProperties: false,
    description: '{root, path} of a dataset, or {run} of a dataset run',
  },
);

export const jobBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('dataset'), Type.Literal('train'), Type.Literal('predict')]),
    workflow: Type.Union([Type.Literal('phase'), Type.Literal('classify'), Type.Literal('peaks')], {
      description:
        'phase: dataset, train, predict; classify: predict (a batch of image files); peaks: predict (a scan; `model` absent: the classic finder)',
    }),
    config: Type.Optional(
      Type.Union(
        [Type.String({ maxLength: 1_000_000 }), Type.Record(Type.String(), Type.Unknown())],
        {
          description:
            'dataset: the sweep (as in examples/sweeps/*.yaml) as JSON or YAML text; CIFs by bundled name or {root, path}',
        },
      ),
    ),
    output: Type.Optional(
      Type.Object(
        { root: Type.String(), path: Type.String() },
        {
          additionalProperties: false,
          description:
            'not taken: the data roots are read-only; runs write into the server work area',
        },
      ),
    ),
    data: Type.Optional(dataRef),
    options: Type.Optional(
      Type.Object(
        {
          epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
          seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
          valSplit: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
          learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
          patience: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          method: Type.Optional(
            Type.Union([Type.Literal('gradcam++'), Type.Literal('gradcam')], {
              description: 'classify predict: the class-activation maps (default gradcam++)',
            }),
          ),
          overlays: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 10_000,
              description: 'classify and peaks predict: overlay PNGs per input (default 4)',
            }),
          ),
          frames: Type.Optional(
            Type.Array(Type.Integer({ minimum: 0 }), {
              minItems: 2,
              maxItems: 2,
              description: 'peaks predict: the frames [a, b) of the scan (default all)',
            }),
          ),
          dataset: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 1024,
              description: 'peaks predict: the stack inside the file (as `--dataset`)',
            }),
          ),
          threshold: Type.Optional(
            Type.Number({
              minimum: 0,
              maximum: 1,
              description:
                "peaks predict with a model: smallest confidence kept (default: the model's tuned threshold)",
            }),
          ),
          nmsIou: Type.Optional(
            Type.Number({
              minimum: 0,
              maximum: 1,
              description: 'peaks predict with a model: mask IoU of the NMS (default 0.5)',
            }),
          ),
          gate: Type.Optional(
            Type.Number({
              minimum: 0,
              maximum: 1000,
              description:
                'peaks predict with a model: run the network only near 3×3 sums this many σ above the local background (as `--gate`)',
            }),
          ),
          architecture: Type.Optional(
            Type.Object(
              {
                depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
                filters: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
                kernelSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
                dense: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
                dropout: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
                batchNorm: Type.Optional(Type.Boolean()),
              },
              {
                additionalProperties: false,
                description: 'the 1D CNN (as `bragg phase train --depth …`)',
              },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    model: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'predict: a model id' }),
    ),
    input: Type.Optional(
      Type.Union([fileRefSchema, Type.Array(fileRefSchema, { minItems: 1, maxItems: 100 })], {
        description:
          'predict: experimental map(s) (phase), image files (classify) or a scan (peaks)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const runRecord = {
  id: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  executor: Type.String(),
  configHash: Type.String(),
  outDir: Type.String(),
  totalShards: Type.Integer(),
  doneShards: Type.Integer(),
  failedShards: Type.Integer(),
  patterns: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
};
export const nullable = <T extends ReturnType<typeof Type.String | typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]); // prettier-ignore

export const showReply = Type.Object(
  {
    run: Type.Object({ ...runRecord, config: Type.Unknown() }, { additionalProperties: false }),
    shards: Type.Array(
      Type.Object(
        {
          shardId: Type.String(),
          status: Type.String(),
          attempts: Type.Integer(),
          worker: nullable(Type.String()),
          startedAt: nullable(Type.String()),
          finishedAt: nullable(Type.String()),
          ms: nullable(Type.Number()),
          patterns: Type.Optional(nullable(Type.Number())),
          file: Type.Optional(nullable(Type.String())),
          sha256: Type.Optional(nullable(Type.String())),
          bytes: Type.Optional(nullable(Type.Number())),
          error: Type.Optional(nullable(Type.String())),
        },
        { additionalProperties: true },
      ),
    ),
    artifacts: Type.Array(
      Type.Object(
        {
          kind: Type.String(),
          path: Type.String(),
          sha256: nullable(Type.String()),
          createdAt: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
    lineage: Type.Array(
      Type.Object(
        { role: Type.String(), kind: Type.String(), refId: Type.String() },
        { additionalProperties: false },
      ),
    ),
    live: Type.Boolean({ description: 'the run is running in this server (events stream live)' }),
  },
  { additionalProperties: false },
);

export const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }); // prettier-ignore
export const listQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);
