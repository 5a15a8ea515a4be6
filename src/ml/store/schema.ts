/**
 * `bragg.json`, the description that travels with every saved model (DESIGN.md, Models):
 * id (uuid4), workflow, labels, input and its preprocessing, architecture, training config,
 * dataset ids, metrics, the creation time and the checksums of the model's files. Validated
 * with zod when a bundle is loaded.
 */
import { z } from 'zod';
import { fileChecksumSchema, fileName } from '../train/checkpoint-store.js';

export const BUNDLE_FORMAT = 'bragg-model/1';
export const BUNDLE_META = 'bragg.json';

const uuid4 = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a uuid4');

export const bundleMetaSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    id: uuid4,
    workflow: z.enum(['phase', 'pacbed', 'peaks', 'classify']),
    /** Class names, in output order. */
    labels: z.array(z.string().min(1)).min(1),
    input: z
      .object({
        /** Input shape without the batch axis. */
        shape: z.array(z.number().int().positive()).min(1),
        /** Sample positions of a 1D input (q = 1/d [Å⁻¹] for phase models). */
        axis: z.array(z.number()).optional(),
        axisUnits: z.string().optional(),
        /** How raw data becomes model input, e.g. `minmax-per-profile`. */
        preprocessing: z.string(),
        /** Dataset member the model was trained on, e.g. `1d/x_px`. */
        source: z.string().optional(),
      })
      .passthrough(),
    architecture: z.object({ name: z.string(), config: z.record(z.unknown()) }).passthrough(),
    datasetIds: z.array(z.string()),
    training: z.record(z.unknown()),
    metrics: z.record(z.unknown()),
    createdAt: z.string(),
    braggVersion: z.string(),
    /**
     * sha256 and size of each file of the model (`model.json`, `weights.bin`): written by
     * `saveBundle`, checked by `loadBundle`. Bundles from before checksums have none.
     */
    files: z.record(fileName, fileChecksumSchema).optional(),
  })
  .passthrough();

export type BundleMeta = z.infer<typeof bundleMetaSchema>;
