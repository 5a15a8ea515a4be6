/** An inline executor over the classify workflow's job types (no composition root needed). */
import { InlineExecutor } from '../../../../src/jobs/executor.js';
import { JobRegistry } from '../../../../src/jobs/registry.js';
import { CLASSIFY_JOB_TYPES } from '../../../../src/workflows/classify/jobs.js';

export function classifyInlineExecutor(): InlineExecutor {
  return new InlineExecutor(new JobRegistry(CLASSIFY_JOB_TYPES));
}
