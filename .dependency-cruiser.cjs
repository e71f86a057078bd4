// The rules of the house (../DESIGN.md "Rules of the house"), checked by test/architecture.test.ts.
const DOMAINS = '(auth|projects|experiments|deployments|connectors|serving|monitoring|telemetry|pipelines)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle makes two files one: neither can be read, tested or moved alone.',
      severity: 'error',
      from: { path: '^(server|console)/' },
      to: { circular: true },
    },
    {
      name: 'kernel-imports-only-platform',
      comment: 'ml/ is the kernel every domain builds on: it may import platform/ and nothing else of Berth.',
      severity: 'error',
      from: { path: '^server/ml/' },
      to: { path: '^server/', pathNot: '^server/(ml|platform)/' },
    },
    {
      name: 'platform-imports-no-domain',
      comment: 'platform/ is the bottom layer (database, bus, jobs, errors, files).',
      severity: 'error',
      from: { path: '^server/platform/' },
      to: { path: '^server/', pathNot: '^server/platform/' },
    },
    {
      name: 'domains-import-no-edge',
      comment: 'A domain is reached from the edges (GraphQL, HTTP routes), never the other way round.',
      severity: 'error',
      from: { path: `^server/${DOMAINS}/`, pathNot: '[.](routes|resolver)[.]ts$' },
      to: { path: ['^server/(graphql|http)/', '[.](routes|resolver)[.]ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '[.]next/', 'graphql-env[.]d[.]ts$'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
