import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/platform/logger';
import { startTestBerth } from '../support/berth';

/** A Berth logging at info into a string, started with `env`. */
async function berthLoggingTo(env: Record<string, string>) {
  const log = { text: '' };
  const sink = new Writable({ write: (chunk, _encoding, done) => ((log.text += chunk.toString()), done()) });
  const berth = await startTestBerth({ env, logger: createLogger('info', sink) });
  const lines = () => log.text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  const predict = (slug: string) => fetch(`${berth.url}/api/v1/deployments/${slug}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ a: 1 }] }) });
  return { berth, lines, predict };
}

describe('request logs', async () => {
  const quiet = await berthLoggingTo({});
  const sampled = await berthLoggingTo({ BERTH_ACCESS_LOG: 'on', BERTH_ACCESS_LOG_SAMPLE: '1' });

  it('log no line for predict requests by default, and one line per other request', async () => {
    const before = quiet.lines().length;
    for (let i = 0; i < 20; i++) await quiet.predict('no-such-deployment');
    await fetch(`${quiet.berth.url}/healthz`);
    const added = quiet.lines().slice(before);
    expect(added.filter((l) => String(l.url).includes('/predict'))).toEqual([]);
    expect(added.filter((l) => l.url === '/healthz')).toEqual([expect.objectContaining({ msg: 'request completed', statusCode: 200 })]);
  });

  it('log predict requests with BERTH_ACCESS_LOG=on, the share BERTH_ACCESS_LOG_SAMPLE says', async () => {
    const before = sampled.lines().length;
    for (let i = 0; i < 20; i++) await sampled.predict('no-such-deployment');
    const predictLines = sampled.lines().slice(before).filter((l) => String(l.url).includes('/predict'));
    expect(predictLines).toHaveLength(20);
    expect(predictLines[0]).toMatchObject({ route: '/api/v1/deployments/:slug/predict', statusCode: 404, sampled: 1 });
  });
});

describe('log format', () => {
  const ROOT = path.resolve(import.meta.dirname, '../..');
  /** What a process prints on stdout when it logs one line through createLogger with `format`. */
  const printed = (format: string) =>
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '-e', `import { createLogger } from './server/platform/logger.ts'; createLogger('info', undefined, '${format}').info({ deployment: 'penguins' }, 'model loaded');`], { cwd: ROOT, encoding: 'utf8' });

  it('is readable lines with pretty (a terminal in development), JSON lines with json (production, containers)', () => {
    const pretty = printed('pretty');
    expect(pretty).toMatch(/INFO.*model loaded/);
    expect(pretty.trim().startsWith('{')).toBe(false);
    expect(JSON.parse(printed('json'))).toMatchObject({ level: 30, msg: 'model loaded', deployment: 'penguins' });
    // auto: stdout here is a pipe, not a terminal.
    expect(JSON.parse(printed('auto'))).toMatchObject({ msg: 'model loaded' });
  });
});
