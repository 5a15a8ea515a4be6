/**
 * The contract of a model architecture: a name, a description, typed options with defaults,
 * a validator that fills them in, and a seeded builder. Architectures are data; the registry
 * (`registry.ts`) lists them by name. Option helpers here give every architecture the same
 * errors: a `ValidationError` naming the option (`depth`, `classes`), never a CLI flag.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../core/errors.js';
import { deriveSeed } from '../../core/rng.js';

/** Options of an architecture: plain JSON values (they are saved in `bragg.json`). */
export type ArchitectureOptions = object;

export interface Architecture<O extends ArchitectureOptions = ArchitectureOptions> {
  /** Registry key, also recorded as `architecture.name` in `bragg.json`. */
  readonly name: string;
  readonly description: string;
  /** Every option's default: `build(resolve({}), seed)` is the reference network. */
  readonly defaults: Readonly<O>;
  /**
   * Fill in the defaults and check every option (ranges, and that the layers fit the input);
   * unknown options are refused. Throws a `ValidationError` naming the option.
   */
  resolve(options?: Readonly<Partial<O>>): O;
  /** Input shape without the batch axis, for resolved options. */
  inputShape(options: O): number[];
  /** Build the model from resolved options; the same (options, seed) give the same weights. */
  build(options: O, seed: number): tf.LayersModel;
}

/** Seeded Glorot initialiser: a layer's weights are a function of (seed, layer name, part). */
export function seededGlorot(
  seed: number,
  ...keys: string[]
): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: deriveSeed(seed, ...keys) });
}

/** `{ kernelInitializer }` for the layer `name`, seeded as `seededGlorot`. */
export function seededKernel(
  seed: number,
  name: string,
): { kernelInitializer: ReturnType<typeof tf.initializers.glorotUniform> } {
  return { kernelInitializer: seededGlorot(seed, name) };
}

/** An integer option in `min…max`. */
export function intOption(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ValidationError(`must be an integer in ${min}…${max}, got ${String(v)}`, field);
  }
  return v;
}

/** A rate option in [0, 1). */
export function rateOption(v: unknown, field: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
    throw new ValidationError(`must be in [0, 1), got ${String(v)}`, field);
  }
  return v;
}

/** A boolean option. */
export function boolOption(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') {
    throw new ValidationError(`must be true or false, got ${String(v)}`, field);
  }
  return v;
}

/**
 * `options` over `defaults`, refusing keys the architecture does not have (a misspelt
 * option in a config file must not be ignored silently). `undefined` values take the default.
 */
export function withDefaults<O extends ArchitectureOptions>(
  architecture: string,
  defaults: Readonly<O>,
  options?: Readonly<Partial<O>>,
): Record<keyof O, unknown> {
  const known = Object.keys(defaults);
  const merged: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(options ?? {})) {
    if (!known.includes(k)) {
      throw new ValidationError(
        `${architecture} has no option '${k}'; its options are ${known.join(', ')}`,
        k,
      );
    }
    if (v !== undefined) merged[k] = v;
  }
  return merged as Record<keyof O, unknown>;
}
