// Builds the console (`next build console`) when it has no build yet or a source is newer than
// the build, so `npm start` serves an up-to-date console without rebuilding on every start.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const consoleDir = path.join(root, 'console');
const buildId = path.join(consoleDir, '.next', 'BUILD_ID');
const nextBin = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'next.cmd' : 'next');

/** Output and files Next writes itself: never a reason to rebuild. */
const GENERATED = new Set(['.next', 'node_modules', 'next-env.d.ts']);

/** The most recently modified source file under `dir`, or null when there is none. */
function newestFile(dir) {
  let newest = null;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (GENERATED.has(entry.name) || entry.name.endsWith('.tsbuildinfo')) continue;
    const file = path.join(dir, entry.name);
    const candidate = entry.isDirectory() ? newestFile(file) : entry.isFile() ? { file, mtimeMs: statSync(file).mtimeMs } : null;
    if (candidate && (!newest || candidate.mtimeMs > newest.mtimeMs)) newest = candidate;
  }
  return newest;
}

function reasonToBuild() {
  if (!existsSync(buildId)) return 'there is no build yet';
  const builtAt = statSync(buildId).mtimeMs;
  const sources = [newestFile(consoleDir), { file: path.join(root, 'schema.graphql'), mtimeMs: statSync(path.join(root, 'schema.graphql')).mtimeMs }];
  const changed = sources.find((source) => source && source.mtimeMs > builtAt);
  return changed ? `${path.relative(root, changed.file)} changed since the last build` : null;
}

if (process.env.BERTH_CONSOLE === 'off') {
  console.log('console: BERTH_CONSOLE=off, not building it');
  process.exit(0);
}

const reason = reasonToBuild();
if (!reason) {
  console.log('console: the build is up to date');
  process.exit(0);
}

console.log(`console: building, because ${reason}: next build console`);
const result = spawnSync(nextBin, ['build', 'console'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
});
if (result.error) {
  console.error(`console: could not run ${path.relative(root, nextBin)}: ${result.error.message}`);
  process.exit(1);
}
if (result.status !== 0) {
  console.error('console: the build failed (see above)');
  process.exit(result.status ?? 1);
}
console.log('console: built');
