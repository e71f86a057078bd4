// `npm test` runs this first (the "pretest" script): the browser tests drive a real Chromium, so
// a machine without one gets Debian's package when it can be installed here (root with apt-get),
// and otherwise the run stops before anything starts, with one line saying what to do.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const configured = process.env.CHROMIUM_PATH;
const executable = configured ?? '/usr/bin/chromium';

const runnable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const stop = (line) => {
  console.error(line);
  process.exit(1);
};

if (runnable(executable)) process.exit(0);
if (configured) stop(`npm test: CHROMIUM_PATH is ${configured}, which is not an executable file: point it at a Chromium or Chrome binary, or unset it to use /usr/bin/chromium.`);

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
if (!root || !apt) {
  stop(
    `npm test: the browser tests need Chromium at /usr/bin/chromium; install it (${apt ? 'sudo apt-get install chromium' : "your system's chromium package"}) or set CHROMIUM_PATH to a Chromium or Chrome executable.`,
  );
}

console.log('npm test: Chromium is missing; installing Debian’s package (apt-get install chromium)…');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', 'chromium']]) {
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) stop(`npm test: apt-get ${args.join(' ')} failed (see above); install chromium yourself or set CHROMIUM_PATH to a Chromium or Chrome executable.`);
}
if (!runnable(executable)) stop('npm test: apt-get installed chromium but /usr/bin/chromium is still missing; set CHROMIUM_PATH to the Chromium executable.');
console.log('npm test: Chromium installed.');
