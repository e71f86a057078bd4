import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth, type TestBerth } from '../support/berth';
import { BUILD_TIMEOUT, buildConsole } from '../support/console-build';

const SCREENSHOTS = 'test-output/screenshots';

describe('console in a real browser', () => {
  let berth: TestBerth;
  let browser: Browser;
  let page: Page;
  const screenshot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });

  beforeAll(async () => {
    // The server only mounts the console when a build exists, so build before it starts.
    await buildConsole();
    // Started in a hook, where startTestBerth's own afterAll does not register: closed below.
    berth = await startTestBerth({ env: { BERTH_CONSOLE: 'on' } });
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, BUILD_TIMEOUT + 60_000);

  afterAll(async () => {
    await browser?.close();
    await berth?.berth.close();
  });

  it('sends a visitor who is not signed in to the login page', async () => {
    await page.goto(`${berth.url}/`);
    await page.waitForURL(`${berth.url}/login`);
    await page.getByLabel('Email').waitFor();
    await screenshot('01-login');
  });

  it('shows the API’s message for a wrong password', async () => {
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Scoped to the form: Next's route announcer is an alert too.
    const alert = page.locator('form').getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Wrong email or password');
    expect(page.url()).toBe(`${berth.url}/login`);
    await screenshot('02-login-wrong-password');
  });

  it('signs in and shows that there are no projects yet', async () => {
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${berth.url}/`);
    await page.getByText('No projects yet').waitFor();
    expect(await page.getByRole('banner').textContent()).toContain('instance admin');
    await screenshot('03-projects-empty');
  });

  it('creates a project from the form, opens it, and leads from its empty deploy page to a new experiment', async () => {
    await page.getByLabel('Name').fill('Churn prediction');
    await page.getByLabel('Description').fill('Which customers are about to leave');
    await page.getByRole('button', { name: 'Create project' }).click();
    // The new project opens: what comes next happens there.
    await page.waitForURL(/\/projects\/[^/]+$/);
    await page.getByRole('heading', { level: 1, name: 'Churn prediction' }).waitFor();
    await screenshot('04-project-created');
    // Nothing to deploy yet: the deploy page offers to create an experiment instead of a dead end.
    await page.getByRole('link', { name: 'Deploy a new experiment' }).click();
    await page.getByText('Nothing to deploy yet').waitFor();
    await page.getByRole('link', { name: 'Create an experiment' }).click();
    await page.getByRole('form', { name: 'New experiment' }).waitFor();
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('name');
    await page.goto(`${berth.url}/`);
    const projects = page.getByRole('list', { name: 'Projects' });
    await projects.getByText('Churn prediction').waitFor();
    expect(await projects.textContent()).toContain('Which customers are about to leave');
  });

  it('shows a project created through the API after a reload', async () => {
    const token = await berth.login(ADMIN.email, ADMIN.password);
    const created = await berth.graphql('mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input: { name: 'Fraud scoring', description: 'Card transactions, scored as they happen' } }, token);
    expect(created.errors).toBeUndefined();
    await page.reload();
    const projects = page.getByRole('list', { name: 'Projects' });
    await projects.getByText('Fraud scoring').waitFor();
    expect(await projects.getByRole('listitem').count()).toBe(2);
    await screenshot('05-projects-after-reload');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot('06-projects-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('keeps GraphQL over WebSocket working on the same port as the console', async () => {
    const reply = await page.evaluate(
      () =>
        new Promise<string>((resolve, reject) => {
          const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`, 'graphql-transport-ws');
          socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init' }));
          socket.onmessage = (event) => {
            resolve(JSON.parse(String(event.data)).type);
            socket.close();
          };
          socket.onerror = () => reject(new Error('WebSocket error'));
        }),
    );
    expect(reply).toBe('connection_ack');
  });

  it('answers HEAD for console pages and leaves API paths to the API', async () => {
    expect((await fetch(`${berth.url}/login`, { method: 'HEAD' })).status).toBe(200);
    const response = await fetch(`${berth.url}/api/v1/no-such-route`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${berth.url}/healthz`)).status).toBe(200);
  });

  it('goes to the sign-in page when the session ends on an open page, and comes back to it after signing in', async () => {
    await page.goto(`${berth.url}/`);
    const project = page.getByRole('list', { name: 'Projects' }).getByRole('link', { name: 'Churn prediction' });
    await project.waitFor();
    const projectPath = new URL((await project.getAttribute('href'))!, berth.url).pathname;
    // The session ends (here: its cookie is gone) while the page stays open; the next query is refused.
    await page.context().clearCookies();
    await project.click();
    await page.waitForURL(`${berth.url}/login?next=${encodeURIComponent(projectPath)}`);
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${berth.url}${projectPath}`);
    await page.getByRole('heading', { level: 1, name: 'Churn prediction' }).waitFor();
  });

  it('signs out back to the login page, and stays signed out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${berth.url}/login`);
    await page.goto(`${berth.url}/`);
    await page.waitForURL(`${berth.url}/login`);
    await screenshot('07-signed-out');
  });
});
