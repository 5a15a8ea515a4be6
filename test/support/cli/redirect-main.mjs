// `node --import ./redirect-main.mjs bin/bragg.js …`: bin/bragg.js imports fake-main.mjs
// instead of the compiled CLI (whichever dist/ path it chose).
import { register } from 'node:module';

register('./redirect-hooks.mjs', import.meta.url);
