import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth, type TestBerth } from '../support/berth';
import { BUILD_TIMEOUT, buildConsole } from '../support/console-build';
import { PENGUIN_FEATURES, penguinsCsv, toCsv, uploadCsv, vegaRecords } from '../support/datasets';
import { trainDemo, type DemoModels } from '../support/demo';
import { externalAllowedHosts, externalPostgres } from '../support/external-postgres';

const SCREENSHOTS = 'test-output/screenshots';
const SLUG = 'penguin-species';

/**
 * A new user's journey through deployments, on a server whose demo models are trained: deploy
 * from the form, watch the statuses, predict from the web form, deploy a version, roll back,
 * see a change made elsewhere arrive live, call the API with a key, watch the traffic, predict a
 * dataset with a scheduled pipeline, delete.
 */
describe('deployments in the console, in a real browser', () => {
  let berth: TestBerth;
  let browser: Browser;
  let page: Page;
  let token: string;
  let demo: DemoModels;
  let deploymentUrl: string;
  let apiKey: string;
  const screenshot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}/deployments-${name}.png`, fullPage: true });

  beforeAll(async () => {
    await buildConsole();
    // Started in a hook, where startTestBerth's own afterAll does not register: closed below.
    // The connectors of these tests reach the PostgreSQL on this machine, a loopback address.
    berth = await startTestBerth({ env: { BERTH_CONSOLE: 'on', BERTH_CONNECTOR_ALLOWED_HOSTS: externalAllowedHosts() } });
    token = await berth.login(ADMIN.email, ADMIN.password);
    demo = await trainDemo(berth, token);
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, BUILD_TIMEOUT + 240_000);

  afterAll(async () => {
    await browser?.close();
    await berth?.berth.close();
  });

  /** A phone-width page must not scroll sideways: everything wraps or scrolls inside its own box. */
  const expectNoHorizontalOverflow = async (what: string) => {
    // Just after the viewport changes, charts and tables are still being laid out again: wait
    // (bounded) for the width to settle, then say what sticks out if it never does.
    await page
      .waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth, undefined, { timeout: 5_000, polling: 'raf' })
      .catch(() => undefined);
    const { scrollWidth, innerWidth, widest } = await page.evaluate(() => {
      // What sticks out, to say which element to fix when it fails.
      const width = document.documentElement.scrollWidth;
      const out = Array.from(document.querySelectorAll('body *'))
        .map((element) => ({ element, right: element.getBoundingClientRect().right + window.scrollX }))
        .filter(({ right }) => right > window.innerWidth + 0.5 && right >= width - 2)
        .map(({ element, right }) => `${element.tagName.toLowerCase()}.${String(element.className).split(' ').slice(0, 2).join('.')} ${Math.round(right)}px`);
      return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, widest: out.slice(0, 8).join(', ') };
    });
    expect(scrollWidth, `${what} is wider than the ${innerWidth} px screen: ${widest}`).toBeLessThanOrEqual(innerWidth);
  };
  const deploymentRow = () => page.getByRole('table', { name: 'Deployments' }).locator(`tr[data-deployment="${SLUG}"]`);
  const versionRow = (number: number) => page.getByRole('table', { name: 'Deployment versions' }).locator(`tr[data-version="${number}"]`);
  const modelName = async (id: string) => {
    const result = await berth.graphql<{ experiments: Array<{ versions: Array<{ models: Array<{ id: string; name: string }> }> }> }>(
      'query($p: ID!) { experiments(projectId: $p) { versions { models { id name } } } }',
      { p: demo.projectId },
      token,
    );
    return result.data!.experiments.flatMap((e) => e.versions.flatMap((v) => v.models)).find((m) => m.id === id)!.name;
  };

  it('signs in and opens the Demo project: its experiments, and no deployment yet', async () => {
    await page.goto(`${berth.url}/`);
    await page.waitForURL(`${berth.url}/login`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${berth.url}/`);
    await page.getByRole('link', { name: 'Demo' }).click();
    await page.waitForURL(`${berth.url}/projects/${demo.projectId}`);
    await page.getByText('No deployments yet').waitFor();
    const experiments = page.getByRole('list', { name: 'Experiments' });
    await experiments.getByRole('heading', { name: 'Penguins species' }).waitFor();
    await experiments.getByRole('heading', { name: 'Cars MPG' }).waitFor();
    // Each version's candidates side by side, the best one marked.
    const penguinsV2 = page.getByRole('region', { name: 'Penguins species version 2' });
    expect(await penguinsV2.getByRole('row').count()).toBe(4);
    expect(await penguinsV2.getByText('★ best').count()).toBe(1);
    await screenshot('01-project');
  });

  it('deploys the penguins experiment with a challenger through the form, and opens the deployment', async () => {
    await page.getByRole('link', { name: 'Deploy a new experiment' }).click();
    await page.waitForURL(`${berth.url}/projects/${demo.projectId}/deploy`);
    await page.getByLabel('Experiment').waitFor();
    // From the keyboard: Tab reaches the name, then the description.
    for (let presses = 0; !(await page.evaluate(() => document.activeElement?.id === 'deploy-name')); presses++) {
      if (presses >= 40) throw new Error('Tab never reached the Name field of the deploy form');
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type('Penguin species');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('deploy-description');
    await page.keyboard.type('Species from beak and flipper measurements');
    await page.getByLabel('Experiment').selectOption({ label: 'Penguins species' });
    // The latest version and its best model are chosen by default.
    await page.getByLabel('Version', { exact: true }).selectOption({ label: 'Version 2 — All measurements, island and sex' });
    expect(await page.getByLabel('Main model').inputValue()).toBe(demo.penguins.v2.best);
    await page.getByLabel('Challenger version').selectOption({ label: 'Version 1' });
    expect(await page.getByLabel('Challenger model').inputValue()).toBe(demo.penguins.v1.best);
    // Open to the project's collaborators only, so that the API key made below is what lets an application in.
    await page.getByRole('radio', { name: 'Project collaborators', exact: true }).check();
    await screenshot('02-deploy-form');
    // Enter in a text field submits the form.
    await page.getByLabel('Name').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/deployments\/[0-9a-f-]+$/);
    deploymentUrl = page.url();
    await page.getByRole('heading', { name: 'Penguin species', level: 1 }).waitFor();
    expect(await page.getByTestId('current-version').textContent()).toBe('1');
    await page.getByTestId('challenger-status').getByText(await modelName(demo.penguins.v1.best)).waitFor();
    await page.getByText('Species from beak and flipper measurements').waitFor();
    await screenshot('03-deployment-general');
  });

  it('lists the deployment with its deployed and running badges', async () => {
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Demo' }).click();
    const row = deploymentRow();
    await row.waitFor();
    // The models load in the background; the badges follow live.
    await row.locator('.status.ok', { hasText: 'Deployed' }).waitFor();
    await row.locator('.status.ok', { hasText: 'Running' }).waitFor();
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('1');
    // Model names repeat across experiment versions: each says which one it belongs to.
    expect(await row.getByRole('cell').nth(1).locator('.model-name').textContent()).toBe(`v2 · ${await modelName(demo.penguins.v2.best)}`);
    expect(await row.getByRole('cell').nth(2).locator('.model-name').textContent()).toBe(`v1 · ${await modelName(demo.penguins.v1.best)}`);
    expect(await row.getByRole('link', { name: `/d/${SLUG}` }).getAttribute('href')).toBe(`/d/${SLUG}`);
    await screenshot('04-project-deployed');
    await page.setViewportSize({ width: 390, height: 844 });
    await row.locator('.status.ok', { hasText: 'Running' }).waitFor();
    await expectNoHorizontalOverflow('the project page with its deployments');
    await screenshot('05-project-phone');
    // On a phone the account links are behind the menu button.
    await page.getByRole('button', { name: 'Open the menu' }).click();
    const menu = page.getByRole('dialog', { name: 'Berth' });
    await menu.getByRole('link', { name: 'Account' }).waitFor();
    await screenshot('05b-phone-menu');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden' });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('opens the web form from the URL column, pre-filled with a training row, and predicts', async () => {
    await deploymentRow().getByRole('link', { name: `/d/${SLUG}` }).click();
    await page.waitForURL(`${berth.url}/d/${SLUG}`);
    // Generated from the OpenAPI document: a select for a categorical feature, numbers for the rest.
    const island = page.getByLabel('Island');
    await island.waitFor();
    expect(await island.evaluate((element) => element.tagName)).toBe('SELECT');
    expect(await page.getByLabel('Beak Length (mm)').getAttribute('type')).toBe('number');
    expect(await page.getByLabel('Beak Length (mm)').inputValue()).not.toBe('');
    await page.getByRole('button', { name: 'Predict' }).click();
    const prediction = page.getByTestId('prediction');
    await prediction.waitFor();
    expect(await prediction.textContent()).toMatch(/Species: (Adelie|Chinstrap|Gentoo)/);
    // Which model answered, and which deployment version: never just "version 1".
    await page.getByText(`Answered by v2 · ${await modelName(demo.penguins.v2.best)} (deployment version 1)`).waitFor();
    await page.getByRole('img', { name: /Class probabilities: / }).waitFor();
    await screenshot('06-web-form');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot('07-web-form-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows the API’s validation messages next to the field they name', async () => {
    await page.getByLabel('Island').selectOption('');
    // A required feature left empty: the browser would stop it, so send it as the API would get it.
    await page.getByLabel('Island').evaluate((element) => element.removeAttribute('required'));
    await page.getByRole('button', { name: 'Predict' }).click();
    await page.locator('.field', { has: page.getByLabel('Island') }).getByText('is required').waitFor();
    expect(await page.getByLabel('Island').getAttribute('aria-invalid')).toBe('true');
    await screenshot('08-web-form-invalid');
  });

  it('warns next to the field and in the answer about unusual values; on a phone the answer scrolls into view', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Reset to the example' }).click();
    await page.getByLabel('Beak Length (mm)').fill('10000');
    // A category the model never learned (a link from an older form could send one): the select shows it as chosen.
    await page.getByLabel('Island').evaluate((element) => {
      const option = document.createElement('option');
      option.value = option.textContent = 'Atlantis';
      element.append(option);
    });
    await page.getByLabel('Island').selectOption('Atlantis');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByRole('button', { name: 'Predict' }).click();
    await page.getByTestId('prediction').waitFor();
    // In the answer, both values named…
    const answer = page.getByTestId('prediction-warnings');
    await answer.getByText(/Beak Length \(mm\): 10000 is far outside the training range/).waitFor();
    await answer.getByText(/Island: "?Atlantis"? is not a category the model learned/).waitFor();
    // …and next to each field, where the input's description points to it.
    const beak = page.locator('.field', { has: page.getByLabel('Beak Length (mm)') });
    await beak.getByText(/far outside the training range/).waitFor();
    expect(await page.getByLabel('Beak Length (mm)').getAttribute('aria-describedby')).toBeTruthy();
    await page.locator('.field', { has: page.getByLabel('Island') }).getByText(/not a category the model learned/).waitFor();
    // The answer is below the form on a phone: the page brought it into view.
    await page.waitForFunction(
      () => {
        const heading = document.getElementById('result-title');
        if (!heading) return false;
        const { top, bottom } = heading.getBoundingClientRect();
        return top >= 0 && bottom <= window.innerHeight;
      },
      undefined,
      { timeout: 5_000 },
    );
    await screenshot('08b-web-form-warnings-phone');
    await expectNoHorizontalOverflow('the web form with warnings');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Reset to the example' }).click();
  });

  it('deploys a new version from the Versions section', async () => {
    await page.goto(deploymentUrl);
    // The sections are tabs that arrow keys move between, and the URL keeps the open one.
    await page.getByRole('tab', { name: 'General' }).focus();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('tab', { name: 'Versions' }).getAttribute('aria-selected')).toBe('true');
    expect(new URL(page.url()).hash).toBe('#versions');
    await versionRow(1).waitFor();
    await page.getByLabel('Main model').selectOption(demo.penguins.v1.best);
    await page.getByLabel('Challenger model').selectOption('');
    await page.getByRole('button', { name: 'Deploy as version 2' }).click();
    // Asked first, naming the models, like a rollback.
    const confirm = page.getByRole('dialog', { name: 'Deploy version 2?' });
    expect(await confirm.textContent()).toContain(`v1 · ${await modelName(demo.penguins.v1.best)}`);
    expect(await confirm.textContent()).toContain(`instead of v2 · ${await modelName(demo.penguins.v2.best)}`);
    await confirm.getByRole('button', { name: 'Deploy version 2' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await versionRow(2).getByText('current').waitFor();
    expect(await versionRow(2).textContent()).toContain(`v1 · ${await modelName(demo.penguins.v1.best)}`);
    expect(await versionRow(1).getByRole('button', { name: 'Roll back to version 1' }).isVisible()).toBe(true);
    await screenshot('09-versions');
  });

  it('rolls back to version 1 after a confirmation', async () => {
    await versionRow(1).getByRole('button', { name: 'Roll back to version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll back to version 1?' });
    await dialog.waitFor();
    await screenshot('10-rollback-dialog');
    // Cancelling changes nothing.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await versionRow(2).getByText('current').count()).toBe(1);
    await versionRow(1).getByRole('button', { name: 'Roll back to version 1' }).click();
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await versionRow(1).getByText('current').waitFor();
    await page.getByRole('list').getByText('Rolled back from version 2 to version 1').waitFor();
    // Going to the newer version again is not a rollback.
    await versionRow(2).getByRole('button', { name: 'Switch forward to version 2' }).waitFor();
    // The header says which deployment version is current and which model answers.
    await page.getByText(`deployment version 1 · serving v2 · ${await modelName(demo.penguins.v2.best)}`).waitFor();
    await screenshot('11-rolled-back');
  });

  it('shows a version deployed through the API in the open page, without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { stillTheSamePage: boolean }).stillTheSamePage = true));
    const deploymentId = deploymentUrl.split('/').pop()!;
    const deployed = await berth.graphql(
      'mutation($d: ID!, $m: ID!, $c: ID) { deployModelVersion(deploymentId: $d, mainModelId: $m, challengerModelId: $c) { number } }',
      { d: deploymentId, m: demo.penguins.v2.other, c: demo.penguins.v1.other },
      token,
    );
    expect(deployed.errors).toBeUndefined();
    await versionRow(3).getByText('current').waitFor();
    await page.getByRole('tab', { name: 'General' }).click();
    const mainName = await modelName(demo.penguins.v2.other);
    await page.getByTestId('serving-version').getByText('3', { exact: true }).waitFor();
    await page.getByTestId('main-status').getByText(mainName).waitFor();
    await page.getByTestId('main-status').getByText('ready').waitFor();
    expect(await page.getByTestId('current-version').textContent()).toBe('3');
    expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
    await screenshot('12-live-update');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('region', { name: 'API keys' }).waitFor();
    await expectNoHorizontalOverflow('the deployment page');
    await screenshot('13-deployment-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('creates an API key in the General tab, shown once, that opens the prediction API', async () => {
    const keys = page.getByRole('region', { name: 'API keys' });
    await keys.getByText('No API keys yet').waitFor();
    await keys.getByLabel('New key name').fill('Journey client');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const secret = keys.getByLabel('The new API key');
    await secret.waitFor();
    apiKey = await secret.inputValue();
    expect(apiKey).toMatch(/^berth_key_/);
    await keys.getByRole('row', { name: /Journey client/ }).getByText('active').waitFor();
    await screenshot('12a-api-key');
    await keys.getByRole('button', { name: 'I have copied it' }).click();
    await secret.waitFor({ state: 'detached' });
    // The page never shows the secret again.
    expect(await page.content()).not.toContain(apiKey);
  });

  it('counts the requests made with the key in the Monitoring tab', async () => {
    await page.getByRole('tab', { name: 'Monitoring' }).click();
    const requests = page
      .getByRole('region', { name: 'Traffic and latency' })
      .locator('.monitoring-figure', { has: page.locator('dt', { hasText: /^Requests$/ }) })
      .locator('.monitoring-figure-value');
    const shown = async () => Number((await requests.textContent())!.replace(/\D/g, ''));
    await requests.waitFor();
    // The web form's predictions are already there.
    const before = await shown();
    const row = vegaRecords('penguins').find((r) => r.Species && r.Sex)!;
    const input = Object.fromEntries(PENGUIN_FEATURES.map((feature) => [feature, row[feature]]));
    const predict = (headers: Record<string, string>) =>
      fetch(`${berth.url}/api/v1/deployments/${SLUG}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ inputs: [input] }) });
    expect((await predict({})).status).toBe(401);
    for (let i = 0; i < 2; i++) {
      const answer = await predict({ 'x-api-key': apiKey });
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { predictions: unknown[] }).predictions).toHaveLength(1);
    }
    // The log flushes within moments and the section refreshes every 10 s; a reload is quicker.
    for (let attempt = 0; (await shown()) < before + 2; attempt++) {
      if (attempt >= 30) throw new Error(`the Monitoring tab still shows ${await shown()} requests, expected ${before + 2}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (attempt % 3 === 2) {
        await page.reload();
        await requests.waitFor();
      }
    }
    expect(new URL(page.url()).hash).toBe('#monitoring');
    await screenshot('12b-monitoring');
    // The one drift view: a verdict, and bin labels without float noise (no "38.339999999999996").
    const inputs = page.getByRole('region', { name: 'Data sent per feature' });
    await inputs.getByTestId('drift-verdict').waitFor();
    expect(await inputs.textContent()).not.toMatch(/\d\.\d{7,}/);

    // The live strip follows the socket: once figures arrive it says what they cover, not "connecting…".
    const liveState = page.getByRole('region', { name: 'Live figures' }).getByTestId('live-state');
    await liveState.getByText(/over the last 10 seconds/).waitFor();
    expect(await liveState.getAttribute('data-socket')).toBe('connected');

    // A custom range: a start after its end is refused in the form, a valid one shows the same requests.
    const total = await shown();
    const rangeLabel = page.getByTestId('monitoring-range');
    const lastDay = (await rangeLabel.textContent())!.split(' · ')[0]!;
    await page.getByRole('radiogroup', { name: 'Time range' }).getByText('Custom', { exact: true }).click();
    const custom = page.getByRole('form', { name: 'Custom time range' });
    // Until a custom range is applied, the charts and the label stay on the last 24 hours.
    await rangeLabel.getByText(/then Show/).waitFor();
    expect((await rangeLabel.textContent())!.startsWith(lastDay)).toBe(true);
    expect(await shown()).toBe(total);
    const local = (offsetMs: number) =>
      page.evaluate((offset) => {
        const d = new Date(Date.now() + offset);
        const pad = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      }, offsetMs);
    await custom.getByLabel('From').fill(await local(60 * 60_000));
    await custom.getByLabel('To').fill(await local(-60 * 60_000));
    await custom.getByRole('button', { name: 'Show' }).click();
    await custom.getByRole('alert').getByText('The start must be before the end.').waitFor();
    await custom.getByLabel('From').fill(await local(-3 * 60 * 60_000));
    await custom.getByLabel('To').fill(await local(60 * 60_000));
    await custom.getByRole('button', { name: 'Show' }).click();
    await custom.getByRole('alert').waitFor({ state: 'detached' });
    await page.getByTestId('monitoring-range').getByText(/ – /).waitFor();
    await requests.waitFor();
    for (let attempt = 0; (await shown()) !== total; attempt++) {
      if (attempt >= 20) throw new Error(`the custom range shows ${await shown()} requests, expected ${total}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Hourly points: the predictions of this test fall in one or two hours, and the latency
    // chart draws them (a lone hour as a dot, where a line would have nothing to join).
    const latency = page.getByRole('figure', { name: 'Latency', exact: true });
    await latency.locator('svg[role="application"]').waitFor();
    const drawn = await latency.evaluate(
      (figure) =>
        figure.querySelectorAll('circle.lone-dot').length +
        Array.from(figure.querySelectorAll('path.recharts-line-curve')).filter((path) => (path.getAttribute('d') ?? '').includes('L')).length,
    );
    expect(drawn, 'the latency chart draws its points').toBeGreaterThan(0);
    await screenshot('12c-monitoring-custom-range');
  });

  it('gives one drift verdict per feature with its reason, agreeing with the dataset’s, and says apart that missing values changed', async () => {
    // 200 rows with beaks 15 mm longer than the penguins', and no beak depth in half of them.
    const rows = vegaRecords('penguins')
      .filter((r) => r.Species && r.Sex && typeof r['Beak Length (mm)'] === 'number')
      .slice(0, 200)
      .map((r, index) => ({
        ...Object.fromEntries(PENGUIN_FEATURES.map((feature) => [feature, r[feature]])),
        'Beak Length (mm)': (r['Beak Length (mm)'] as number) + 15,
        'Beak Depth (mm)': index % 2 === 0 ? null : r['Beak Depth (mm)'],
      }));
    for (let start = 0; start < rows.length; start += 50) {
      const answer = await fetch(`${berth.url}/api/v1/deployments/${SLUG}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify({ inputs: rows.slice(start, start + 50) }),
      });
      expect(answer.status, await answer.clone().text()).toBe(200);
    }
    const inputs = page.getByRole('region', { name: 'Data sent per feature' });
    const verdict = inputs.getByTestId('drift-verdict');
    for (let attempt = 0; !/^Data drift/.test((await verdict.textContent()) ?? ''); attempt++) {
      if (attempt >= 20) throw new Error(`the drift verdict still says: ${await verdict.textContent()}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (attempt % 3 === 2) {
        await page.reload();
        await verdict.waitFor();
      }
    }
    expect(await verdict.textContent()).toMatch(/Beak Length \(mm\)/);
    const table = inputs.getByRole('table', { name: 'Drift per feature' });
    const beak = table.locator('tr[data-feature="Beak Length (mm)"]');
    await beak.getByText('drifted', { exact: true }).waitFor();
    // The reason, in the server's words: which test, and the threshold for this window.
    expect((await beak.getByRole('cell').nth(1).textContent())!.length).toBeGreaterThan('drifted'.length + 10);
    // One verdict everywhere: the features the dataset verdict names are exactly those marked drifted.
    const marked = await table.locator('tbody tr', { has: page.getByText('drifted', { exact: true }) }).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-feature')));
    const named = (await verdict.textContent())!.match(/drifted: (.*?)\. Without/)![1]!.split(', ');
    expect(named.sort()).toEqual([...marked].sort());
    // Missing values: said on their own, not as drift.
    const missing = inputs.getByTestId('missing-verdict');
    await missing.getByText(/Beak Depth \(mm\)/).waitFor();
    await table.locator('tr[data-feature="Beak Depth (mm)"]').getByText('changed', { exact: true }).waitFor();
    expect(await inputs.textContent()).not.toMatch(/\d\.\d{7,}/);
    await screenshot('12c-monitoring-drift');
  });

  it('predicts a CSV uploaded from the pipeline form with a scheduled pipeline, after refusing one without the model’s columns, and downloads both files', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'berth-pipeline-csv-'));
    const penguinsFile = path.join(folder, 'penguins-60.csv');
    await writeFile(penguinsFile, toCsv(vegaRecords('penguins').slice(0, 60), PENGUIN_FEATURES));
    const carsFile = path.join(folder, 'cars.csv');
    const cars = vegaRecords('cars').slice(0, 50);
    await writeFile(carsFile, toCsv(cars, Object.keys(cars[0]!)));
    await page.getByRole('tab', { name: 'Predictions' }).click();
    await page.getByText('No pipelines yet').waitFor();
    await page.getByRole('button', { name: 'New pipeline' }).click();
    const form = page.getByRole('form', { name: 'New pipeline' });
    await form.getByLabel('Name', { exact: true }).fill('Weekly penguins');
    const dataset = form.getByRole('combobox', { name: /^Dataset/ });
    const upload = form.getByTestId('dataset-upload');
    // The cars data for the penguins model: uploaded and chosen, then refused before saving, naming the columns.
    await form.getByLabel('Upload a CSV').setInputFiles(carsFile);
    await upload.getByText('Uploaded cars.csv').waitFor();
    const refusal = /cars\.csv has no column .*"Beak Length \(mm\)".*which the model of penguin-species needs/;
    await form.getByText(refusal).waitFor();
    expect(await dataset.getAttribute('aria-invalid')).toBe('true');
    await form.getByRole('button', { name: 'Create pipeline' }).click();
    await form.getByText(refusal).waitFor();
    expect(await page.getByRole('listitem', { name: 'Weekly penguins' }).count()).toBe(0);
    await screenshot('12d-pipeline-wrong-columns');
    // The penguins CSV: its upload's progress reaches 100 %, it is chosen, and the refusal is gone.
    await form.getByLabel('Upload a CSV').setInputFiles(penguinsFile);
    await upload.getByText('Uploaded penguins-60.csv').waitFor();
    expect(await upload.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await dataset.locator('option:checked').textContent()).toMatch(/^penguins-60\.csv \(60 rows/);
    expect(await form.getByText(refusal).count()).toBe(0);
    await form.getByLabel('Cron').fill('0 6 * * 1');
    await form.getByLabel('Time zone').fill('Europe/Paris');
    await form.getByText('At 06:00, only on Monday').waitFor();
    await form.getByRole('button', { name: 'Create pipeline' }).click();

    const pipeline = page.getByRole('listitem', { name: 'Weekly penguins' });
    await pipeline.waitFor();
    await pipeline.getByText('scheduled', { exact: true }).waitFor();
    await pipeline.locator('dd', { hasText: 'Dataset penguins-60.csv' }).waitFor();
    const schedule = pipeline.locator('dt', { hasText: 'Schedule' }).locator('xpath=following-sibling::dd');
    expect(await schedule.textContent()).toMatch(/^0 6 \* \* 1 · .*Monday/);
    // The next runs: Mondays at 06:00 in Paris, 04:00 or 05:00 UTC with summer time.
    const next = pipeline.locator('.predictions-next time');
    await next.first().waitFor();
    const times = await next.evaluateAll((elements) => elements.map((element) => element.getAttribute('dateTime')!));
    expect(times).toHaveLength(5);
    for (const time of times) {
      const date = new Date(time);
      expect(date.getUTCDay()).toBe(1);
      expect([4, 5]).toContain(date.getUTCHours());
      expect(date.getUTCMinutes()).toBe(0);
    }
    await pipeline.locator('.predictions-next').getByText('(Europe/Paris)').waitFor();

    await pipeline.getByRole('button', { name: 'Run now' }).click();
    const runs = pipeline.getByRole('region', { name: 'Runs of Weekly penguins' });
    await runs.locator('.predictions-status-succeeded').waitFor({ timeout: 60_000 });
    await runs.getByText('predicted 60').waitFor();
    await screenshot('12d-predictions');

    for (const label of ['Main predictions (CSV)', 'Challenger predictions (CSV)']) {
      const [download] = await Promise.all([page.waitForEvent('download'), runs.getByRole('link', { name: label }).click()]);
      const text = await readFile((await download.path())!, 'utf8');
      const lines = text.split(/\r?\n/).filter((line) => line !== '');
      expect(lines, label).toHaveLength(61);
      const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
      expect(rows, label).toHaveLength(60);
      expect(rows.every((r) => ['Adelie', 'Chinstrap', 'Gentoo'].includes(r.prediction!)), label).toBe(true);
    }
  });

  it('edits the schedule of a pipeline, pauses it and resumes it', async () => {
    const pipeline = page.getByRole('listitem', { name: 'Weekly penguins' });
    const schedule = pipeline.locator('dt', { hasText: 'Schedule' }).locator('xpath=following-sibling::dd');
    await pipeline.getByRole('button', { name: 'Edit schedule' }).click();
    const form = page.getByRole('form', { name: 'Schedule of Weekly penguins' });
    await form.getByLabel('Cron').fill('30 7 * * 1-5');
    await form.getByText('At 07:30, Monday through Friday').waitFor();
    await screenshot('12e-edit-schedule');
    await form.getByRole('button', { name: 'Save schedule' }).click();
    await form.waitFor({ state: 'detached' });
    await schedule.getByText(/^30 7 \* \* 1-5 · .*Monday through Friday/).waitFor();
    const next = pipeline.locator('.predictions-next time');
    const times = await next.evaluateAll((elements) => elements.map((element) => new Date(element.getAttribute('dateTime')!)));
    expect(times.length).toBeGreaterThan(0);
    for (const time of times) expect([1, 2, 3, 4, 5]).toContain(time.getUTCDay());

    // Paused: no next runs, and the API says so too.
    const enabled = async () =>
      (await berth.graphql<{ pipelines: Array<{ name: string; enabled: boolean }> }>('query($d: ID!) { pipelines(deploymentId: $d) { name enabled } }', { d: deploymentUrl.split('/').pop() }, token)).data!.pipelines.find(
        (p) => p.name === 'Weekly penguins',
      )!.enabled;
    const toggle = pipeline.getByRole('switch', { name: 'Run Weekly penguins on its schedule' });
    expect(await toggle.isChecked()).toBe(true);
    await toggle.click();
    await pipeline.getByText('paused', { exact: true }).waitFor();
    await pipeline.getByText('none while paused').waitFor();
    expect(await toggle.isChecked()).toBe(false);
    expect(await enabled()).toBe(false);
    await screenshot('12f-paused');
    await toggle.click();
    await pipeline.getByText('scheduled', { exact: true }).waitFor();
    await next.first().waitFor();
    expect(await enabled()).toBe(true);
  });

  it('adds a connector in the project, tests it, says which step fails for a user the server refuses, and edits it until it works', async () => {
    const external = await externalPostgres();
    const writer = await external.createRole(['GRANT USAGE, CREATE ON SCHEMA public TO {role}']);
    await page.goto(`${berth.url}/projects/${demo.projectId}`);
    const section = page.getByRole('region', { name: 'Connectors' });
    await section.getByText('No connectors yet').waitFor();
    const add = async (name: string, password: string, user = writer.user) => {
      await section.getByRole('button', { name: 'Add a connector' }).click();
      const form = section.getByRole('form', { name: 'New connector' });
      await form.getByLabel('Name').fill(name);
      await form.getByLabel('Host').fill(external.host);
      await form.getByLabel('Port').fill(String(external.port));
      await form.getByLabel('Database').fill(external.database);
      await form.getByLabel('User').fill(user);
      await form.getByLabel('Password', { exact: true }).fill(password);
      await form.getByLabel('TLS').selectOption('disable');
      await form.getByRole('button', { name: 'Add connector' }).click();
      await form.waitFor({ state: 'detached' });
      return section.locator(`tr[data-connector="${name}"]`);
    };
    // Added, then tested at once: every step passes.
    const good = await add('Warehouse', writer.password);
    await good.getByText('works').waitFor({ timeout: 30_000 });
    await good.getByText('✓ can create tables').waitFor();
    // A user the server refuses: reachable, but the sign-in step fails, and the server says why.
    // (Not a wrong password: the local test server trusts loopback and accepts any password.)
    const bad = await add('Wrong user', 'not-the-password', 'berth_no_such_role');
    await bad.getByText('failed', { exact: true }).waitFor({ timeout: 30_000 });
    await bad.getByText('✓ reachable').waitFor();
    await bad.getByText('✗ signed in').waitFor();
    await bad.getByText(/authentication failed for user "berth_no_such_role"/).waitFor();
    await screenshot('12f-connectors');
    // Edited: the user fixed, the password left empty (kept), tested again at once.
    await bad.getByRole('button', { name: 'Edit Wrong user' }).click();
    const edit = section.getByRole('form', { name: 'Edit Wrong user' });
    expect(await edit.getByLabel('User').inputValue()).toBe('berth_no_such_role');
    expect(await edit.getByLabel('Host').inputValue()).toBe(external.host);
    await edit.getByText('leave empty to keep it').waitFor();
    await edit.getByLabel('User').fill(writer.user);
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await edit.waitFor({ state: 'detached' });
    await bad.getByText('works').waitFor({ timeout: 30_000 });
    await bad.getByText(`${writer.user}@`).waitFor();
    // Deleting asks first, then the row is gone.
    await bad.getByRole('button', { name: 'Delete Wrong user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Wrong user?' });
    await dialog.getByRole('button', { name: 'Delete connector' }).click();
    await bad.waitFor({ state: 'detached' });
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoHorizontalOverflow('the project page with connectors');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(deploymentUrl + '#predictions');
    await page.getByRole('button', { name: 'New pipeline' }).waitFor();
  });

  it('runs a pipeline on a dataset with invalid rows and downloads them; cancels a slow SQL run', async () => {
    // Three rows whose beak length is not a number.
    const valid = vegaRecords('penguins').filter((r) => PENGUIN_FEATURES.every((f) => r[f] !== null && r[f] !== undefined));
    const invalid = [100, 200, 300];
    const records = Array.from({ length: 3000 }, (_, i) => (invalid.includes(i) ? { ...valid[i % valid.length]!, 'Beak Length (mm)': 'long' } : valid[i % valid.length]!));
    const uploaded = await uploadCsv(berth.url, demo.projectId, 'penguins-3k.csv', toCsv(records, PENGUIN_FEATURES), token);
    expect(uploaded.status).toBe(201);
    // A source slow enough to cancel: a SQL query on a connector whose rows take 4 ms each.
    const external = await externalPostgres();
    const reader = await external.createRole(['GRANT USAGE ON SCHEMA public TO {role}']);
    const connector = await berth.graphql<{ createConnector: { id: string } }>(
      'mutation($input: CreateConnectorInput!) { createConnector(input: $input) { id } }',
      { input: { projectId: demo.projectId, name: 'Slow source', host: external.host, port: external.port, database: external.database, user: reader.user, password: reader.password, tlsMode: 'disable' } },
      token,
    );
    expect(connector.errors).toBeUndefined();
    await page.reload();
    await page.getByRole('listitem', { name: 'Weekly penguins' }).waitFor();

    const create = async (name: string, fill: (form: ReturnType<Page['getByRole']>) => Promise<void>) => {
      await page.getByRole('button', { name: 'New pipeline' }).click();
      const form = page.getByRole('form', { name: 'New pipeline' });
      await form.getByLabel('Name', { exact: true }).fill(name);
      await fill(form);
      await form.getByRole('radio', { name: 'Manual runs only' }).check();
      expect(await form.getByLabel('Cron').count()).toBe(0);
      await form.getByRole('button', { name: 'Create pipeline' }).click();
      const pipeline = page.getByRole('listitem', { name });
      await pipeline.getByText('manual', { exact: true }).waitFor();
      return { pipeline, runs: pipeline.getByRole('region', { name: `Runs of ${name}` }) };
    };

    const large = await create('Large penguins', async (form) => {
      await form.getByRole('combobox', { name: /^Dataset/ }).selectOption(uploaded.body.id);
    });
    await large.pipeline.getByRole('button', { name: 'Run now' }).click();
    await large.runs.locator('.predictions-status-succeeded').waitFor({ timeout: 120_000 });
    await large.runs.getByText('predicted 2,997').waitFor();
    await large.runs.getByText('failed 3').waitFor();
    expect(await large.runs.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    const [download] = await Promise.all([page.waitForEvent('download'), large.runs.getByRole('link', { name: 'Invalid rows (CSV)' }).click()]);
    const errors = parse(await readFile((await download.path())!, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(errors.map((e) => e.field)).toEqual(['Beak Length (mm)', 'Beak Length (mm)', 'Beak Length (mm)']);
    expect(errors.map((e) => Number(e.row))).toEqual(invalid.map((i) => i + 1));
    await screenshot('12g-run-with-invalid-rows');

    const columns = `'Dream' AS "Island", 39.5::float8 + length(pg_sleep(0.004 + 0 * n)::text) AS "Beak Length (mm)", 18.5::float8 AS "Beak Depth (mm)", 190::float8 AS "Flipper Length (mm)", 3700::float8 AS "Body Mass (g)", 'FEMALE' AS "Sex"`;
    const slow = await create('Slow warehouse', async (form) => {
      await form.getByRole('radio', { name: 'A SQL SELECT on a connector' }).check();
      // The project has two connectors now (Warehouse, added in the Connectors section): pick this one.
      await form.getByRole('combobox', { name: 'Connector' }).selectOption(connector.data!.createConnector.id);
      await form.getByLabel('SELECT', { exact: true }).fill(`SELECT ${columns} FROM generate_series(1, 5000) AS n`);
    });
    await slow.pipeline.locator('dd', { hasText: 'SQL on Slow source' }).waitFor();
    await slow.pipeline.getByRole('button', { name: 'Run now' }).click();
    const run = slow.runs.getByRole('listitem').first();
    await run.getByRole('button', { name: 'Cancel run' }).click();
    const status = async () => (await run.getAttribute('data-run-status')) ?? 'queued';
    for (let attempt = 0; ['queued', 'running'].includes(await status()) && attempt < 120; attempt++) await new Promise((resolve) => setTimeout(resolve, 500));
    await screenshot('12h-run-cancelled');
    expect(await status(), (await run.textContent()) ?? '').toBe('cancelled');
    expect(await run.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    expect(await run.textContent()).not.toContain('predicted 5,000');

    // A connector a pipeline uses cannot be deleted: the dialog says so and the row stays.
    await page.goto(`${berth.url}/projects/${demo.projectId}`);
    const used = page.getByRole('region', { name: 'Connectors' }).locator('tr[data-connector="Slow source"]');
    await used.getByRole('button', { name: 'Delete Slow source' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Slow source?' });
    await dialog.getByRole('button', { name: 'Delete connector' }).click();
    await dialog.getByText(/pipeline/i).first().waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await used.waitFor();
    await page.goto(deploymentUrl + '#predictions');
    await page.getByRole('button', { name: 'New pipeline' }).waitFor();
  }, 300_000);

  it('charts the CPU and memory of the deployment in the Usage tab, live', async () => {
    await page.getByRole('tab', { name: 'Usage' }).click();
    expect(new URL(page.url()).hash).toBe('#usage');
    // After a reload the live strip reflects the new connection, then the figures.
    await page.reload();
    const live = page.getByRole('region', { name: 'Live CPU and memory' });
    await live.getByTestId('live-state').getByText('over the last 10 seconds, every second').waitFor();
    expect(await live.getByTestId('live-state').getAttribute('data-socket')).toBe('connected');
    const memory = live.locator('.monitoring-figure', { has: page.locator('dt', { hasText: 'Model memory' }) }).locator('.monitoring-figure-value');
    expect(await memory.textContent()).toMatch(/\d/);
    // Usage is written per closed minute: the pipelines above ran for a while, so their minutes are there.
    const cpu = page.getByRole('figure', { name: 'CPU seconds per minute' });
    const memoryChart = page.getByRole('figure', { name: 'Memory', exact: true });
    for (let attempt = 0; (await memoryChart.locator('svg.recharts-surface').count()) === 0 || (await cpu.locator('svg.recharts-surface').count()) === 0; attempt++) {
      if (attempt >= 18) throw new Error(`the usage charts are still empty: ${await cpu.textContent()} / ${await memoryChart.textContent()}`);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await page.reload();
      await cpu.waitFor();
    }
    expect(await cpu.locator('.recharts-line').count()).toBeGreaterThan(0);
    // Two axes: the deployment's line is not flattened under the whole process's.
    expect(await cpu.locator('.recharts-yAxis').count()).toBe(2);
    expect(await memoryChart.locator('.recharts-area').count()).toBeGreaterThan(0);
    await page.getByText('the current minute counts once it ends').waitFor();
    // The live chart draws something from its first figure on, with an axis: never an empty box.
    const liveChart = live.getByTestId('live-cpu-chart');
    await liveChart.locator('.recharts-yAxis').waitFor();
    await liveChart.locator('.recharts-area-area, .recharts-area-curve, .recharts-area-dots circle').first().waitFor();
    await screenshot('12i-usage');
  }, 150_000);

  it('revokes the API key after a confirmation, and the prediction API refuses it from then on', async () => {
    await page.getByRole('tab', { name: 'General' }).click();
    const keys = page.getByRole('region', { name: 'API keys' });
    const row = keys.getByRole('row', { name: /Journey client/ });
    await row.getByRole('button', { name: 'Revoke Journey client' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke Journey client?' });
    await dialog.waitFor();
    await screenshot('12j-revoke-key');
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.getByText(/revoked/).waitFor();
    expect(await row.getByRole('button', { name: 'Revoke Journey client' }).count()).toBe(0);
    const row0 = vegaRecords('penguins').find((r) => r.Species && r.Sex)!;
    const answer = await fetch(`${berth.url}/api/v1/deployments/${SLUG}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ inputs: [Object.fromEntries(PENGUIN_FEATURES.map((feature) => [feature, row0[feature]]))] }),
    });
    expect(answer.status).toBe(401);
  });

  it('asks for credentials on the web form of a deployment that is not public, and comes back after signing in', async () => {
    const created = await berth.graphql<{ createDeployment: { slug: string } }>(
      'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { slug } }',
      { input: { projectId: demo.projectId, name: 'Cars private', experimentId: demo.cars.experimentId, mainModelId: demo.cars.v2.best, access: 'project' } },
      token,
    );
    expect(created.errors).toBeUndefined();
    const slug = created.data!.createDeployment.slug;
    const visitor = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await visitor.goto(`${berth.url}/d/${slug}`);
      await visitor.getByRole('heading', { name: 'Sign in to use this model' }).waitFor();
      await visitor.screenshot({ path: `${SCREENSHOTS}/deployments-14-form-sign-in.png`, fullPage: true });
      await visitor.getByRole('link', { name: 'Sign in' }).click();
      await visitor.waitForURL(`${berth.url}/login?next=${encodeURIComponent(`/d/${slug}`)}`);
      await visitor.getByLabel('Email').fill(ADMIN.email);
      await visitor.getByLabel('Password').fill(ADMIN.password);
      await visitor.getByRole('button', { name: 'Sign in' }).click();
      await visitor.waitForURL(`${berth.url}/d/${slug}`);
      await visitor.getByRole('button', { name: 'Predict' }).click();
      expect(await visitor.getByTestId('prediction').textContent()).toMatch(/Miles_per_Gallon: \d/);
    } finally {
      await visitor.close();
    }
  });

  it('deletes a deployment from the row menu of the list, after its slug is typed', async () => {
    const created = await berth.graphql<{ createDeployment: { slug: string } }>(
      'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { slug } }',
      { input: { projectId: demo.projectId, name: 'Spare cars', experimentId: demo.cars.experimentId, mainModelId: demo.cars.v2.best, access: 'project' } },
      token,
    );
    expect(created.data?.createDeployment.slug).toBe('spare-cars');
    // The deploy form says when a name is already taken in the project, before creating a twin.
    await page.goto(`${berth.url}/projects/${demo.projectId}/deploy`);
    await page.locator('#deploy-name').fill('spare Cars');
    await page.getByTestId('same-name').getByText(/already has a deployment named “Spare cars” \(\/d\/spare-cars\)/).waitFor();
    // Its API docs (the menu's third item): code in the errors table is code, not backticks, and
    // every copy button says what it copies.
    await page.goto(`${berth.url}/d/spare-cars/docs`);
    const errors = page.getByRole('region', { name: 'Errors' }).first();
    await errors.getByRole('table').waitFor();
    expect(await errors.textContent()).not.toContain('`');
    const copyButtons = page.getByRole('button', { name: /^Copy/ });
    await copyButtons.first().waitFor();
    for (const button of await copyButtons.all()) expect(await button.getAttribute('aria-label') ?? (await button.textContent())).not.toBe('Copy');
    await page.goto(`${berth.url}/projects/${demo.projectId}`);
    const list = page.getByRole('table', { name: 'Deployments' });
    const row = list.locator('tr[data-deployment="spare-cars"]');
    await row.getByRole('button', { name: 'Actions for Spare cars' }).click();
    const menu = page.getByRole('menu');
    for (const item of ['Open', 'Web form', 'API docs', 'Delete…']) await menu.getByRole('menuitem', { name: item }).waitFor();
    expect(await menu.getByRole('menuitem', { name: 'API docs' }).getAttribute('href')).toBe('/d/spare-cars/docs');
    await screenshot('15a-row-menu');
    await menu.getByRole('menuitem', { name: 'Delete…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Spare cars?' });
    const confirm = dialog.getByRole('button', { name: 'Delete deployment' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type spare-cars to confirm').fill('spare-cars');
    await confirm.click();
    await row.waitFor({ state: 'detached' });
    // The others stay, and the page is still the project's.
    await list.locator(`tr[data-deployment="${SLUG}"]`).waitFor();
    await list.locator('tr[data-deployment="cars-private"]').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/projects/${demo.projectId}`);
    await page.goto(deploymentUrl);
    await page.getByRole('button', { name: 'Delete', exact: true }).waitFor();
  });

  it('deletes the deployment once its slug is typed, and returns to the project', async () => {
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Penguin species?' });
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: 'Delete deployment' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(`Type ${SLUG} to confirm`).fill('penguin');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(`Type ${SLUG} to confirm`).fill(SLUG);
    await screenshot('15-delete-dialog');
    await confirm.click();
    await page.waitForURL(`${berth.url}/projects/${demo.projectId}`);
    await deploymentRow().waitFor({ state: 'detached' });
    expect(await page.getByRole('table', { name: 'Deployments' }).textContent()).toContain('Cars private');
    const response = await fetch(`${berth.url}/api/v1/deployments/${SLUG}/openapi.json`);
    expect(response.status).toBe(404);
    await screenshot('16-deleted');
  });

  it('says what went wrong on the pages of a deployment that no longer exists', async () => {
    await page.goto(deploymentUrl);
    expect(await page.getByRole('alert').filter({ hasText: 'does not exist' }).textContent()).toMatch(/Deployment .* does not exist or is not visible to you/);
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Projects' }).waitFor();
    await page.goto(`${berth.url}/d/${SLUG}`);
    await page.getByRole('alert').filter({ hasText: `Deployment ${SLUG} does not exist` }).waitFor();
    // Trying again cannot make it exist: no such button.
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await screenshot('17-form-not-found');
  });

  it('imports a TF.js model exported from a trained one as a new version, after saying why a narrower CSV does not fit', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'berth-import-'));
    try {
      const files: string[] = [];
      for (const name of ['model.json', 'weights.bin']) {
        const response = await fetch(`${berth.url}/api/v1/models/${demo.penguins.v2.best}/files/${name}`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        files.push(path.join(folder, name));
        await writeFile(files.at(-1)!, Buffer.from(await response.arrayBuffer()));
      }
      const narrow = path.join(folder, 'penguins-beaks.csv');
      await writeFile(narrow, toCsv(vegaRecords('penguins').filter((r) => r.Species), ['Species', 'Beak Length (mm)']));
      const full = path.join(folder, 'penguins.csv');
      await writeFile(full, penguinsCsv());

      await page.goto(`${berth.url}/projects/${demo.projectId}`);
      await page.getByRole('button', { name: 'Import a model into Penguins species' }).click();
      const importer = page.getByRole('region', { name: 'Import a model into Penguins species' });
      await importer.getByLabel('Model files').setInputFiles(files);
      await importer.getByLabel('Reference CSV').setInputFiles(narrow);
      await importer.getByLabel(/Model name/).fill('Re-imported');
      await importer.getByRole('button', { name: 'Import', exact: true }).click();
      // The server's words: the model's input does not match what the CSV's features encode to.
      await importer.getByRole('alert').getByText(/model\.json takes \d+ inputs per row, but the 1 features encode to 1/).waitFor();
      await screenshot('18-import-refused');

      await importer.getByLabel('Reference CSV').setInputFiles(full);
      await importer.getByRole('button', { name: 'Import', exact: true }).click();
      await importer.getByRole('status').getByText('Version 3: ready').waitFor({ timeout: 60_000 });
      // The model's metrics on the reference rows.
      await importer.getByTestId('reference-metrics').getByText(/Re-imported on the reference rows: Accuracy \d/).waitFor();
      const version = page.getByRole('region', { name: 'Penguins species version 3' });
      await version.getByText('Re-imported').waitFor();
      await screenshot('19-imported');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('imports a scikit-learn ONNX model: shows its signature and the proposed contract, names the contract field the server refuses, then imports with its reference metrics', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'berth-onnx-'));
    try {
      const csv = path.join(folder, 'penguins.csv');
      await writeFile(csv, penguinsCsv());
      await page.goto(`${berth.url}/projects/${demo.projectId}`);
      await page.getByRole('button', { name: 'Import a model into Penguins species' }).click();
      const importer = page.getByRole('region', { name: 'Import a model into Penguins species' });
      await importer.getByLabel('Model files').setInputFiles(path.resolve('test/fixtures/byo/penguins.sklearn.onnx'));
      await importer.getByLabel('Reference CSV').setInputFiles(csv);
      await importer.getByLabel(/Model name/).fill('sklearn logistic');
      await importer.getByRole('button', { name: 'Import', exact: true }).click();
      // The file's own inputs and outputs, and the contract Berth proposes from them.
      const contractForm = importer.getByRole('form', { name: 'Model contract' });
      await contractForm.getByTestId('model-signature').getByText('Island', { exact: true }).waitFor();
      await contractForm.getByTestId('model-signature').getByText('probabilities', { exact: true }).waitFor();
      const contractField = contractForm.getByLabel('Contract (JSON)');
      const proposed = JSON.parse(await contractField.inputValue()) as { input: unknown; output: { labels?: string[] } };
      expect(proposed.output.labels).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
      await screenshot('19b-onnx-contract');
      // A label order the reference rows contradict: refused, the message by the contract.
      const swapped = { ...proposed, output: { ...proposed.output, labels: ['Gentoo', 'Chinstrap', 'Adelie'] } };
      await contractField.fill(JSON.stringify(swapped, null, 2));
      await contractForm.getByRole('button', { name: 'Import with this contract' }).click();
      await contractForm.getByText(/contract\.output\.labels/).waitFor({ timeout: 60_000 });
      expect(await contractField.getAttribute('aria-invalid')).toBe('true');
      // The proposed contract imports; the version's metrics on the reference rows follow.
      await contractField.fill(JSON.stringify(proposed, null, 2));
      await contractForm.getByRole('button', { name: 'Import with this contract' }).click();
      await importer.getByRole('status').getByText(/Version \d+: ready/).waitFor({ timeout: 90_000 });
      await importer.getByTestId('reference-metrics').getByText(/sklearn logistic on the reference rows: Accuracy 0\.9\d/).waitFor();
      await screenshot('19c-onnx-imported');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 150_000);
});
