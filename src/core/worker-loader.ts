/**
 * The one way bragg starts a worker thread on one of its own modules. Compiled bragg (dist/)
 * runs the `.js` file beside the caller. When bragg runs from its TypeScript sources (the
 * tests), the `.ts` file runs instead, with module hooks (`ts-hooks.mjs`) that transpile each
 * source file as it is imported — no bundle, no build step, the same module graph.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BraggError } from './errors.js';

/** What `new Worker(...)` (or piscina) needs to start a worker on a module. */
export interface WorkerModule {
  /** Absolute path of the module file. */
  filename: string;
  /** Node options for the worker thread (the source hooks when running from `.ts`). */
  execArgv: string[];
}

/**
 * The worker module `relative` (written with a `.js` extension, as in an import) next to the
 * module whose `import.meta.url` is `base`.
 */
export function workerModule(base: string, relative: string): WorkerModule {
  const js = new URL(relative, base);
  const jsPath = fileURLToPath(js);
  if (existsSync(jsPath)) return { filename: jsPath, execArgv: [] };
  const tsPath = jsPath.replace(/\.js$/, '.ts');
  if (!existsSync(tsPath)) {
    throw new BraggError('INTERNAL', `worker module ${jsPath} is missing: run 'npm run build'`);
  }
  const hooks = pathToFileURL(fileURLToPath(new URL('./ts-hooks.mjs', import.meta.url))).href;
  const register = `import{register}from'node:module';register(${JSON.stringify(hooks)});`;
  return {
    filename: tsPath,
    execArgv: ['--import', `data:text/javascript,${encodeURIComponent(register)}`],
  };
}
