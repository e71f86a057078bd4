// `npm test` runs this first (the "pretest" script). Some tests drive real tools: Chromium (the
// console), promtool (the /metrics exposition), kubectl (the Kubernetes manifests). A machine
// without them gets Debian's packages when they can be installed here (root with apt-get), and
// otherwise the run stops before anything starts, with one line saying what to install.
// BERTH_TEST_TOOLS_INSTALL=off never installs (the line only).
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const runnable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;

const stop = (line) => {
  console.error(line);
  process.exit(1);
};

const chromium = process.env.CHROMIUM_PATH;
if (chromium !== undefined && !runnable(chromium)) {
  stop(`npm test: CHROMIUM_PATH is ${chromium}, which is not an executable file: point it at a Chromium or Chrome binary, or unset it to use /usr/bin/chromium.`);
}

/** What each missing tool is for, and the Debian package that brings it. */
const tools = [
  { name: 'Chromium', present: () => chromium !== undefined || runnable('/usr/bin/chromium'), debian: 'chromium', hint: 'or set CHROMIUM_PATH to a Chromium or Chrome executable' },
  { name: 'promtool', present: () => onPath('promtool'), debian: 'prometheus', hint: '(prometheus ships promtool; its service need not run)' },
  { name: 'kubectl', present: () => onPath('kubectl'), debian: 'kubernetes-client', hint: '' },
];
const missing = tools.filter((tool) => !tool.present());
if (missing.length === 0) process.exit(0);

const packages = missing.map((tool) => tool.debian);
const names = missing.map((tool) => tool.name).join(', ');
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const apt = onPath('apt-get');
if (!root || !apt || process.env.BERTH_TEST_TOOLS_INSTALL === 'off') {
  const how = apt ? `sudo apt-get install ${packages.join(' ')}` : `your system's ${packages.join(', ')} packages`;
  stop(`npm test: the tests need ${names}; install ${how} ${missing.map((tool) => tool.hint).filter(Boolean).join('; ')}`.trim());
}

console.log(`npm test: ${names} missing; installing Debian's ${packages.join(', ')} (apt-get)…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...packages]]) {
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) stop(`npm test: apt-get ${args.join(' ')} failed (see above); install ${packages.join(' ')} yourself.`);
}
const still = missing.filter((tool) => !tool.present());
if (still.length > 0) stop(`npm test: apt-get installed ${packages.join(' ')} but ${still.map((tool) => tool.name).join(', ')} is still missing.`);
console.log(`npm test: ${names} installed.`);
