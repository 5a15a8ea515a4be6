/**
 * bragg's layers (ARCHITECTURE.md): core ← formats ← crystal ← simulate, ml ← workflows ← app
 * ← server ← cli (the server is a door like the CLI; `bragg serve` starts it); jobs (the
 * runtime) depends on core only. A module imports its own layer or lower ones; nothing in src/ imports test support or bench drivers; no cycles. Checked by
 * `npm run depcheck` (part of `npm test`).
 */
const layer = (name, forbidden) => ({
  name: `layer-${name}`,
  comment: `src/${name} may not import ${forbidden.join(', ')} (a layer above it)`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: `^src/(${forbidden.join('|')})/` },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import cycles make layers meaningless and load order fragile',
      severity: 'error',
      from: { path: '^(src|bench|test)/' },
      to: { circular: true },
    },
    layer('core', ['formats', 'crystal', 'simulate', 'ml', 'jobs', 'workflows', 'app', 'server', 'cli']),
    layer('formats', ['crystal', 'simulate', 'ml', 'jobs', 'workflows', 'app', 'server', 'cli']),
    layer('crystal', ['simulate', 'ml', 'jobs', 'workflows', 'app', 'server', 'cli']),
    layer('simulate', ['ml', 'jobs', 'workflows', 'app', 'server', 'cli']),
    layer('ml', ['simulate', 'jobs', 'workflows', 'app', 'server', 'cli']),
    layer('jobs', ['formats', 'crystal', 'simulate', 'ml', 'workflows', 'app', 'server', 'cli']),
    layer('workflows', ['app', 'server', 'cli']),
    layer('app', ['server', 'cli']),
    layer('server', ['cli']),
    {
      name: 'index-not-cli',
      comment: 'the public API (src/index.ts) exports the library, not the command line',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'product-apart-from-tests',
      comment: 'shipped code (src/, not *.test.ts) may not import test support or bench drivers',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'workflows-apart',
      comment: 'a workflow does not import another workflow (shared code goes below them)',
      severity: 'error',
      from: { path: '^src/workflows/([^/]+)/' },
      to: { path: '^src/workflows/([^/]+)/', pathNot: '^src/workflows/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
