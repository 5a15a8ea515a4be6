/**
 * The model architecture registry: every architecture bragg builds, by name, each defined once
 * (`small2d.ts`, `phase1d.ts`, `xception.ts`). Built-in architectures are data
 * (`BUILTIN_ARCHITECTURES`); workflows add their own (PACBED's compact net, classify's ResNet v2)
 * with `registerArchitecture`, from the composition root. A registry is an object, so a test
 * or a server can hold its own; the module functions use the default one.
 */
import type * as tf from '@tensorflow/tfjs';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { Architecture, ArchitectureOptions } from './architecture.js';
import { PHASE1D } from './phase1d.js';
import { SMALL2D } from './small2d.js';
import { XCEPTION } from './xception.js';

/** The architectures bragg ships. */
export const BUILTIN_ARCHITECTURES: readonly Architecture[] = [SMALL2D, PHASE1D, XCEPTION];

export class ArchitectureRegistry {
  readonly #byName = new Map<string, Architecture>();

  constructor(architectures: readonly Architecture[] = BUILTIN_ARCHITECTURES) {
    for (const a of architectures) this.register(a);
  }

  /** Add an architecture; a name already taken is an error (names are saved in bragg.json). */
  register<O extends ArchitectureOptions>(def: Architecture<O>): void {
    if (!/^[a-z][a-z0-9-]*$/.test(def.name)) {
      throw new ValidationError(
        `'${def.name}' is not an architecture name (lower case letters, digits and '-')`,
        'name',
      );
    }
    if (this.#byName.has(def.name)) {
      throw new ValidationError(`architecture '${def.name}' is already registered`, 'name');
    }
    this.#byName.set(def.name, def);
  }

  /** The architecture called `name`; NotFoundError listing the known names otherwise. */
  get(name: string): Architecture {
    const a = this.#byName.get(name);
    if (a === undefined) {
      throw new NotFoundError(
        `no model architecture '${name}'; known: ${[...this.#byName.keys()].join(', ')}`,
      );
    }
    return a;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Every architecture, in registration order. */
  list(): Architecture[] {
    return [...this.#byName.values()];
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  /** Resolve `options` (defaults filled in, checked) and build; returns the options used. */
  build(
    name: string,
    options: Readonly<Record<string, unknown>>,
    seed: number,
  ): { model: tf.LayersModel; options: ArchitectureOptions } {
    const a = this.get(name);
    const resolved = a.resolve(options);
    return { model: a.build(resolved, seed), options: resolved };
  }
}

const DEFAULT_REGISTRY = new ArchitectureRegistry();

/** The default registry (built-ins plus what workflows registered). */
export function architectureRegistry(): ArchitectureRegistry {
  return DEFAULT_REGISTRY;
}

/** The architecture called `name` in the default registry (NotFoundError lists the names). */
export function modelArchitecture(name: string): Architecture {
  return DEFAULT_REGISTRY.get(name);
}

/** Every architecture of the default registry. */
export function listArchitectures(): Architecture[] {
  return DEFAULT_REGISTRY.list();
}

/** Register an architecture in the default registry (duplicate name → ValidationError). */
export function registerArchitecture<O extends ArchitectureOptions>(def: Architecture<O>): void {
  DEFAULT_REGISTRY.register(def);
}
