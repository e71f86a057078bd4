import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth, type TestBerth } from '../support/berth';
import { BUILD_TIMEOUT, buildConsole } from '../support/console-build';
import { trainDemo, type DemoModels } from '../support/demo';
import { waitFor } from '../support/wait';

const SCREENSHOTS = 'test-output/screenshots';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WIDTHS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/**
 * WCAG 2.1 AA on every page of the console: axe-core, run in Chromium on each page once it has
 * loaded, finds no serious or critical violation; every page is screenshotted at desktop and
 * phone width, and none scrolls sideways on a phone. Focus is visible on every kind of control.
 */
describe('accessibility of every console page, in a real browser', () => {
  let berth: TestBerth;
  let browser: Browser;
  let page: Page;
  let demo: DemoModels;
  let deploymentId: string;
  const slug = 'penguins-a11y';

  beforeAll(async () => {
    await buildConsole();
    berth = await startTestBerth({ env: { BERTH_CONSOLE: 'on' } });
    const token = await berth.login(ADMIN.email, ADMIN.password);
    demo = await trainDemo(berth, token);
    const created = await berth.graphql<{ createDeployment: { id: string } }>(
      'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id } }',
      {
        input: {
          projectId: demo.projectId,
          name: 'Penguins a11y',
          description: 'Species from measurements',
          experimentId: demo.penguins.experimentId,
          mainModelId: demo.penguins.v2.best,
          challengerModelId: demo.penguins.v1.best,
          access: 'public',
        },
      },
      token,
    );
    expect(created.errors).toBeUndefined();
    deploymentId = created.data!.createDeployment.id;
    await waitFor('deployed', () => berth.berth.services.registry.status(deploymentId).deployed, { timeoutMs: 60_000 });
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  }, BUILD_TIMEOUT + 240_000);

  afterAll(async () => {
    await browser?.close();
    await berth?.berth.close();
  });

  /** Serious and critical WCAG 2.1 A/AA violations on the page as it is now, and heading-order. */
  const violations = async (): Promise<Violation[]> => {
    // Evaluated over the DevTools protocol: the console's Content-Security-Policy (rightly) refuses an injected <script>.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(`${await readFile(AXE, 'utf8')}\n;void 0`);
    const found = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: Violation[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
    });
    // Serious and critical ones, and the heading order (moderate for axe, but a screen reader's
    // outline of the page depends on it).
    return found.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'heading-order');
  };

  const describeViolations = (found: Violation[]) =>
    found.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} — ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 240)}`).join('\n')}`).join('\n');

  /** The page at both widths: no serious axe violation, a screenshot, no sideways scrolling on a phone. */
  const check = async (name: string, ready: () => Promise<unknown>) => {
    for (const size of WIDTHS) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await ready();
      // The layout of charts settles a frame or two after a resize.
      await page.waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth, undefined, { timeout: 5_000, polling: 'raf' }).catch(() => undefined);
      const found = await violations();
      expect(found, `${name} at ${size.width} px:\n${describeViolations(found)}`).toEqual([]);
      await page.screenshot({ path: `${SCREENSHOTS}/a11y-${name}-${size.name}.png`, fullPage: true });
      if (size.name === 'phone') {
        const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
        expect(scrollWidth, `${name} scrolls sideways at ${innerWidth} px`).toBeLessThanOrEqual(innerWidth);
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  };

  it('the login page', async () => {
    await page.goto(`${berth.url}/login`);
    await check('login', () => page.getByRole('button', { name: 'Sign in' }).waitFor());
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${berth.url}/`);
  });

  it('the projects page', async () => {
    await check('projects', () => page.getByRole('link', { name: 'Demo' }).waitFor());
  });

  it('a project page', async () => {
    await page.goto(`${berth.url}/projects/${demo.projectId}`);
    await check('project', () => page.getByRole('table', { name: 'Deployments' }).waitFor());
  });

  it('the deploy form', async () => {
    await page.goto(`${berth.url}/projects/${demo.projectId}/deploy`);
    await check('deploy', () => page.getByLabel('Experiment').waitFor());
  });

  for (const tab of ['General', 'Monitoring', 'Predictions', 'Versions', 'Usage']) {
    it(`the deployment's ${tab} tab`, async () => {
      await page.goto(`${berth.url}/deployments/${deploymentId}#${tab.toLowerCase()}`);
      await check(`deployment-${tab.toLowerCase()}`, async () => {
        await page.getByRole('tab', { name: tab, selected: true }).waitFor();
        await page.getByRole('tabpanel').getByText(/Loading/).first().waitFor({ state: 'detached' }).catch(() => undefined);
        await page.waitForLoadState('networkidle').catch(() => undefined);
      });
    });
  }

  it('the web form, with an answer', async () => {
    await page.goto(`${berth.url}/d/${slug}`);
    await page.getByRole('button', { name: 'Predict' }).click();
    await check('web-form', () => page.getByTestId('prediction').waitFor());
  });

  it('the API docs', async () => {
    await page.goto(`${berth.url}/d/${slug}/docs`);
    await check('api-docs', () => page.getByRole('heading', { level: 1 }).waitFor());
  });

  it('the account page', async () => {
    await page.goto(`${berth.url}/account`);
    await check('account', () => page.getByText('No personal access tokens yet').waitFor());
  });

  it('the users page', async () => {
    await page.goto(`${berth.url}/admin/users`);
    await check('users', () => page.getByRole('table', { name: 'Users' }).waitFor());
  });

  it('shows where the keyboard focus is on every kind of control', async () => {
    await page.goto(`${berth.url}/projects/${demo.projectId}/deploy`);
    await page.getByLabel('Experiment').waitFor();
    // Text inputs, selects, buttons and links: focused from the keyboard, each draws an outline
    // or a ring of at least 2 px that is not there without focus.
    const kinds = ['input[type="text"], input:not([type])', 'select', 'button', 'a[href]'];
    for (const selector of kinds) {
      const element = page.locator(`main ${selector}`).first();
      const before = await element.evaluate((e) => {
        const s = getComputedStyle(e);
        return `${s.outlineStyle} ${s.outlineWidth} ${s.boxShadow} ${s.borderColor}`;
      });
      // Focus from the keyboard, as :focus-visible needs.
      await element.evaluate((e) => (e as HTMLElement).blur());
      await page.keyboard.press('Shift+Tab');
      await element.focus();
      await page.keyboard.press('Shift');
      const after = await element.evaluate((e) => {
        const s = getComputedStyle(e);
        return { ring: `${s.outlineStyle} ${s.outlineWidth} ${s.boxShadow} ${s.borderColor}`, outline: s.outlineStyle !== 'none' ? parseFloat(s.outlineWidth) : 0, shadow: s.boxShadow };
      });
      expect(after.ring, `focus on ${selector} changes nothing visible`).not.toBe(before);
      expect(after.outline >= 2 || /\d+px \d+px \d+px [2-9]px|0px 0px 0px [2-9]px/.test(after.shadow), `focus on ${selector}: ${after.ring}`).toBe(true);
    }
  });
});
