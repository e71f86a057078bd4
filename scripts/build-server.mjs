// `npm run build`: compiles the server with tsc (tsconfig.build.json) to dist/, then makes the
// output loadable by Node's own ESM loader: relative imports written without an extension (the
// sources use the "Bundler" resolution that tsx and vitest understand) get `.js` or `/index.js`,
// and the worker-thread entry files (.mjs, which load TypeScript through tsx in development)
// import the compiled module directly.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
await rm(dist, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('npm run build: tsc reported errors (above); dist/ is not usable.');
  process.exit(tsc.status ?? 1);
}

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g;
const unresolved = [];

function withExtension(file, specifier) {
  // Already loadable, or not a literal path (a template in generated source text).
  if (/\.(m?js|cjs|json|node)$/.test(specifier) || /[$`\s]/.test(specifier)) return specifier;
  const target = path.resolve(path.dirname(file), specifier);
  if (existsSync(`${target}.js`)) return `${specifier}.js`;
  if (existsSync(target) && statSync(target).isDirectory() && existsSync(path.join(target, 'index.js'))) return `${specifier}/index.js`;
  unresolved.push(`${path.relative(root, file)}: ${specifier}`);
  return specifier;
}

async function* files(folder) {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else yield full;
  }
}

for await (const file of files(dist)) {
  if (!file.endsWith('.js')) continue;
  const source = await readFile(file, 'utf8');
  const rewritten = source.replace(SPECIFIER, (_match, prefix, quote, specifier) => `${prefix}${quote}${withExtension(file, specifier)}${quote}`);
  if (rewritten !== source) await writeFile(file, rewritten);
}

// Worker-thread entries: `await tsImport('./x.ts', import.meta.url)` becomes `await import('./x.js')`.
for await (const file of files(path.join(root, 'server'))) {
  if (!file.endsWith('.mjs')) continue;
  const target = path.join(dist, path.relative(root, file));
  const source = await readFile(file, 'utf8');
  const compiled = source
    .replace(/^import\s*\{\s*tsImport\s*\}\s*from\s*['"]tsx\/esm\/api['"];?\s*$/m, '')
    .replace(/await\s+tsImport\(\s*(['"])(\.{1,2}\/[^'"]+)\.ts\1\s*,\s*import\.meta\.url\s*\)/g, 'await import($1$2.js$1)');
  if (/\btsx\b/.test(compiled.replace(/^\s*\/\/.*$/gm, ''))) unresolved.push(`${path.relative(root, file)}: still loads tsx`);
  await writeFile(target, compiled);
}

if (unresolved.length > 0) {
  console.error(`npm run build: imports that name no compiled file:\n  ${unresolved.join('\n  ')}`);
  process.exit(1);
}

// The server finds the console build beside itself (server/http/console.ts: ../../console).
await symlink('../console', path.join(dist, 'console'), 'dir');
console.log('Built the server into dist/ (run it with: node dist/server/main.js)');
