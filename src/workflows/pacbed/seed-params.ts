/**
 * The `parameters` part of PACBED-CNN's `POST /inference/` (the seed's pydantic models, HEAD):
 * `physical_params {acceleration_voltage: int [V], crystal_structure: str, zone_axis {u, v, w:
 * int}, convergence_angle: float [mrad]}` and `file_params`, `{typ: "raw", dtype, width,
 * height}` or `{typ: "dm4"}`. Checked here with errors naming the field as the request spells it
 * (`parameters.physical_params.zone_axis.u`). bragg also takes `{typ: "file"}`: any format it
 * reads (DM3/DM4, TIFF, PNG, NPY, …), recognised from the bytes.
 */
import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';

const int = z.number().int();

const schema = z.object({
  physical_params: z.object({
    acceleration_voltage: z.number().positive().max(1e7),
    crystal_structure: z.string().min(1).max(200),
    zone_axis: z.object({ u: int.min(-100).max(100), v: int.min(-100).max(100), w: int.min(-100).max(100) }), // prettier-ignore
    convergence_angle: z.number().positive().max(1000),
  }),
  file_params: z.discriminatedUnion('typ', [
    z.object({
      typ: z.literal('raw'),
      dtype: z.string().min(1).max(16),
      width: int.min(1).max(16384),
      height: int.min(1).max(16384),
    }),
    z.object({ typ: z.literal('dm4') }),
    z.object({ typ: z.literal('file') }),
  ]),
});

export type InferenceParameters = z.infer<typeof schema>;

/** The parameters from the part's text (or the object the multipart parser made of JSON). */
export function inferenceParameters(value: unknown): InferenceParameters {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new ValidationError('the parameters part is not JSON', 'parameters');
    }
  }
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = ['parameters', ...issue.path.map(String)].join('.');
  throw new ValidationError(issue.message, field);
}
