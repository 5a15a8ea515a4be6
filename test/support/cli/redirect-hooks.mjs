// Module resolution hook (registered by redirect-main.mjs): the CLI entry bin/bragg.js loads
// resolves to fake-main.mjs.
import { URL } from 'node:url';

const FAKE = new URL('./fake-main.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (/\/dist\/(src\/)?cli\/main\.js$/.test(specifier)) return { url: FAKE, shortCircuit: true };
  return next(specifier, context);
}
