import { describe, expect, it } from 'vitest';
import { appJobRegistry } from './jobs.js';
import { RUNTIME_JOB_TYPES, WORKFLOW_JOB_TYPES } from './job-types.js';
import { WORKFLOWS, checkWorkflows, workflow } from './workflows.js';

describe('the composition root', () => {
  it("registers exactly the workflows' declared job types (plus the runtime's), once each", () => {
    const declared = WORKFLOWS.flatMap((w) => w.jobTypes.map((t) => t.name)).sort();
    expect(WORKFLOW_JOB_TYPES.map((t) => t.name).sort()).toEqual(declared);
    expect(appJobRegistry().names().sort()).toEqual(
      [...declared, ...RUNTIME_JOB_TYPES.map((t) => t.name)].sort(),
    );
  });

  it('lists workflows by unique lower-case name and finds them', () => {
    expect(WORKFLOWS.map((w) => w.name)).toEqual(['phase', 'pacbed', 'peaks', 'classify']);
    expect(workflow('pacbed').title).toMatch(/PACBED/);
    expect(() => workflow('nope')).toThrow(/known: phase, pacbed, peaks, classify/);
    const w = WORKFLOWS[0]!;
    expect(() => checkWorkflows([w, w])).toThrow(/listed twice/);
    expect(() => checkWorkflows([{ ...w, name: 'Bad Name' }])).toThrow(/lower-case/);
  });
});
