/**
 * The job types a process can run, by name. The runtime knows no job type itself: a
 * composition root (src/app/) builds the registry from the workflows' job types and hands it
 * to the executors and workers. Names are unique; a worker looks a job's type up by name.
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { JobType } from './types.js';

// Payload types are checked by each type's own schema at the worker boundary.
type AnyJobType = JobType<never, unknown>;

export class JobRegistry {
  private readonly types = new Map<string, AnyJobType>();

  constructor(types: Iterable<JobType<never, unknown>> = []) {
    for (const t of types) this.register(t);
  }

  /** Add a job type; a second type with the same name is an error. */
  register<P, R>(type: JobType<P, R>): this {
    if (this.types.has(type.name)) {
      throw new ValidationError(`job type '${type.name}' is registered twice`, 'jobTypes');
    }
    this.types.set(type.name, type as unknown as AnyJobType);
    return this;
  }

  get(name: string): AnyJobType {
    const t = this.types.get(name);
    if (!t) {
      throw new NotFoundError(`unknown job type '${name}'; known: ${this.names().join(', ')}`);
    }
    return t;
  }

  has(name: string): boolean {
    return this.types.has(name);
  }

  names(): string[] {
    return [...this.types.keys()];
  }
}
