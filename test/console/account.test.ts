import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth, type TestBerth } from '../support/berth';
import { BUILD_TIMEOUT, buildConsole } from '../support/console-build';
import { PENGUIN_FEATURES, toCsv, vegaRecords } from '../support/datasets';

const SCREENSHOTS = 'test-output/screenshots';
const NEW_USER = { email: 'viewer@test.berth', name: 'Vera Viewer', password: 'viewer-password-123' };

/**
 * The account and administration pages, collaborators, and training a version from a CSV,
 * all from the console in a real browser.
 */
describe('account, users, collaborators and training in the console, in a real browser', () => {
  let berth: TestBerth;
  let browser: Browser;
  let page: Page;
  let projectId: string;
  let csvFile: string;
  const screenshot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}/account-${name}.png`, fullPage: true });

  beforeAll(async () => {
    await buildConsole();
    // Started in a hook, where startTestBerth's own afterAll does not register: closed below.
    berth = await startTestBerth({ env: { BERTH_CONSOLE: 'on' } });
    const token = await berth.login(ADMIN.email, ADMIN.password);
    const created = await berth.graphql<{ createProject: { id: string } }>(
      'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }',
      { input: { name: 'Field study', description: 'Penguins of the Palmer archipelago' } },
      token,
    );
    projectId = created.data!.createProject.id;
    const csv = toCsv(vegaRecords('penguins').filter((r) => r.Species), ['Species', ...PENGUIN_FEATURES]);
    csvFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'berth-console-csv-')), 'penguins.csv');
    await writeFile(csvFile, csv);
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

  const meWith = async (token: string) => (await berth.graphql<{ me: { email: string } | null }>('{ me { email } }', {}, token)).data?.me;

  it('signs in and opens the account page from the top bar', async () => {
    await page.goto(`${berth.url}/`);
    await page.waitForURL(`${berth.url}/login`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${berth.url}/`);
    await page.getByRole('banner').getByRole('link', { name: 'Account' }).click();
    await page.waitForURL(`${berth.url}/account`);
    await page.getByText('No personal access tokens yet').waitFor();
    await screenshot('01-account-empty');
  });

  it('creates a personal access token, shown once, that signs an API client in', async () => {
    await page.getByLabel('Token name').fill('ci script');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = page.getByTestId('new-token');
    await secret.waitFor();
    const token = (await secret.inputValue()).trim();
    expect(token.length).toBeGreaterThan(20);
    await page.getByText('shown only this once').waitFor();
    await page.getByRole('region', { name: 'New token' }).getByRole('button', { name: 'Copy token' }).waitFor();
    const row = page.getByRole('table', { name: 'Personal access tokens' }).locator('tr[data-token="ci script"]');
    await row.waitFor();
    expect(token.startsWith((await row.getByRole('cell').nth(1).textContent())!.replace('…', ''))).toBe(true);
    expect(await meWith(token)).toEqual({ email: ADMIN.email });
    await screenshot('02-token-created');

    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('new-token').count()).toBe(0);
    // Revoking asks first, then the token stops working at once.
    await row.getByRole('button', { name: 'Revoke ci script' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this token?' });
    await dialog.waitFor();
    await screenshot('03-revoke-confirm');
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await row.locator('.state.bad').waitFor();
    expect(await row.getByRole('button', { name: 'Revoke ci script' }).count()).toBe(0);
    expect(await meWith(token)).toBeNull();
    await screenshot('04-token-revoked');
  });

  it('creates a user in the users page, disables it and enables it again', async () => {
    await page.getByRole('banner').getByRole('link', { name: 'Users' }).click();
    await page.waitForURL(`${berth.url}/admin/users`);
    const users = page.getByRole('table', { name: 'Users' });
    await users.locator(`tr[data-user="${ADMIN.email}"]`).getByText('you').waitFor();
    await page.getByLabel('Email').fill(NEW_USER.email);
    await page.getByLabel('Name', { exact: true }).fill(NEW_USER.name);
    await page.getByLabel('Password').fill(NEW_USER.password);
    await page.getByLabel('Instance role').selectOption('member');
    await page.getByRole('button', { name: 'Create user' }).click();
    const row = users.locator(`tr[data-user="${NEW_USER.email}"]`);
    await row.waitFor();
    expect(await berth.login(NEW_USER.email, NEW_USER.password)).toBeTruthy();

    // The API's own message for a taken email.
    await page.getByLabel('Email').fill(NEW_USER.email);
    await page.getByLabel('Name', { exact: true }).fill('Someone else');
    await page.getByLabel('Password').fill(NEW_USER.password);
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('form', { name: 'New user' }).getByRole('alert').waitFor();
    await screenshot('05-users');

    await row.getByRole('button', { name: `Disable ${NEW_USER.email}` }).click();
    await row.getByText('disabled').waitFor();
    await expect(berth.login(NEW_USER.email, NEW_USER.password)).rejects.toThrow();
    await screenshot('06-user-disabled');
    // Re-enabled, the user signs in again (and, since a disabled email cannot be added to a project, can be below).
    await row.getByRole('button', { name: `Re-enable ${NEW_USER.email}` }).click();
    await row.getByText('active').waitFor();
    expect(await berth.login(NEW_USER.email, NEW_USER.password)).toBeTruthy();
  });

  it('resets a user’s password from the users page; at sign-in they must choose their own, and a wrong current password is said by its field', async () => {
    const row = page.getByRole('table', { name: 'Users' }).locator(`tr[data-user="${NEW_USER.email}"]`);
    await row.getByRole('button', { name: `Reset password… of ${NEW_USER.email}` }).click();
    const dialog = page.getByRole('dialog', { name: `Reset the password of ${NEW_USER.email}?` });
    await dialog.getByRole('button', { name: 'Reset password' }).click();
    // Left empty: Berth generates one, shown once.
    const generated = (await page.getByTestId('reset-password').inputValue()).trim();
    expect(generated.length).toBeGreaterThanOrEqual(10);
    await page.getByRole('region', { name: 'New password' }).getByRole('button', { name: 'Copy password' }).waitFor();
    await screenshot('06b-password-reset');
    await expect(berth.login(NEW_USER.email, NEW_USER.password)).rejects.toThrow();
    await page.getByRole('region', { name: 'New password' }).getByRole('button', { name: 'Done' }).click();

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const user = await context.newPage();
      await user.goto(`${berth.url}/login`);
      await user.getByLabel('Email').fill(NEW_USER.email);
      await user.getByLabel('Password').fill(generated);
      await user.getByRole('button', { name: 'Sign in' }).click();
      // Every page leads to the Account page until the password is changed.
      await user.waitForURL(`${berth.url}/account`);
      await user.getByRole('alert').filter({ hasText: 'An admin reset your password' }).waitFor();
      await user.goto(`${berth.url}/`);
      await user.waitForURL(`${berth.url}/account`);
      const form = user.getByRole('form', { name: 'Change password' });
      // A wrong current password: the field says so, and the session stays (no trip to sign-in).
      await form.getByLabel('Current password', { exact: true }).fill('not-the-generated-one');
      await form.getByLabel('New password', { exact: true }).fill('a brand new passphrase 42');
      await form.getByLabel('Repeat the new password', { exact: true }).fill('a brand new passphrase 42');
      await form.getByRole('button', { name: 'Change password' }).click();
      await form.getByText('is not your current password').waitFor();
      expect(await form.getByLabel('Current password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
      expect(new URL(user.url()).pathname).toBe('/account');
      await user.screenshot({ path: `${SCREENSHOTS}/account-06c-wrong-current-password.png`, fullPage: true });
      // Two different new passwords: said before asking the server.
      await form.getByLabel('Current password', { exact: true }).fill(generated);
      await form.getByLabel('Repeat the new password', { exact: true }).fill('a brand new passphrase 43');
      await form.getByRole('button', { name: 'Change password' }).click();
      await form.getByText('Does not match the new password').waitFor();
      await form.getByLabel('Repeat the new password', { exact: true }).fill('a brand new passphrase 42');
      await form.getByRole('button', { name: 'Change password' }).click();
      await form.getByText('Password changed').waitFor();
      // The rest of the console is open again.
      await user.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
      await user.getByRole('banner').getByRole('link', { name: 'Berth' }).click();
      await user.waitForURL(`${berth.url}/`);
      await user.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
      expect(await berth.login(NEW_USER.email, 'a brand new passphrase 42')).toBeTruthy();
    } finally {
      await context.close();
    }
    NEW_USER.password = 'a brand new passphrase 42';
  });

  it('adds the user as a viewer collaborator of a project', async () => {
    await page.goto(`${berth.url}/projects/${projectId}`);
    const collaborators = page.getByRole('table', { name: 'Collaborators' });
    await collaborators.locator(`tr[data-collaborator="${ADMIN.email}"]`).waitFor();
    await page.getByLabel('Collaborator email').fill(NEW_USER.email);
    await page.getByLabel('Project role').selectOption('viewer');
    await page.getByRole('button', { name: 'Add collaborator' }).click();
    const row = collaborators.locator(`tr[data-collaborator="${NEW_USER.email}"]`);
    await row.waitFor();
    expect(await row.getByLabel(`Role of ${NEW_USER.email}`).inputValue()).toBe('viewer');

    // The API refuses to leave the project without an admin, and the console says why.
    await collaborators.locator(`tr[data-collaborator="${ADMIN.email}"]`).getByLabel(`Role of ${ADMIN.email}`).selectOption('viewer');
    await page.getByRole('region', { name: 'Collaborators' }).getByRole('alert').waitFor();
    await screenshot('07-collaborators');
    expect(await collaborators.locator(`tr[data-collaborator="${ADMIN.email}"]`).getByLabel(`Role of ${ADMIN.email}`).inputValue()).toBe('admin');
  });

  it('changes a collaborator’s role, then removes them after a confirmation', async () => {
    const token = await berth.login(ADMIN.email, ADMIN.password);
    const roleOf = async (email: string) =>
      (
        await berth.graphql<{ project: { collaborators: Array<{ role: string; user: { email: string } }> } }>(
          'query($id: ID!) { project(id: $id) { collaborators { role user { email } } } }',
          { id: projectId },
          token,
        )
      ).data!.project.collaborators.find((c) => c.user.email === email)?.role ?? null;
    const collaborators = page.getByRole('table', { name: 'Collaborators' });
    const row = collaborators.locator(`tr[data-collaborator="${NEW_USER.email}"]`);
    await row.getByLabel(`Role of ${NEW_USER.email}`).selectOption('contributor');
    for (let attempt = 0; (await roleOf(NEW_USER.email)) !== 'contributor'; attempt++) {
      if (attempt >= 20) throw new Error(`the role is still ${await roleOf(NEW_USER.email)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await page.reload();
    expect(await row.getByLabel(`Role of ${NEW_USER.email}`).inputValue()).toBe('contributor');

    await row.getByRole('button', { name: `Remove ${NEW_USER.email}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove this collaborator?' });
    await dialog.getByText(`${NEW_USER.email} loses access to this project`).waitFor();
    await screenshot('07b-remove-collaborator');
    await dialog.getByRole('button', { name: 'Remove collaborator' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row.waitFor({ state: 'detached' });
    expect(await roleOf(NEW_USER.email)).toBeNull();
  });

  it('creates an experiment, trains a version from an uploaded CSV, follows its progress and lists its models', async () => {
    await page.getByRole('button', { name: 'New experiment' }).click();
    await page.getByLabel('Experiment name').fill('Penguin species');
    await page.getByLabel('Task').selectOption('multiclass');
    await page.getByLabel('Target column').fill('Species');
    await page.getByRole('button', { name: 'Create experiment' }).click();
    const experiments = page.getByRole('list', { name: 'Experiments' });
    await experiments.getByRole('heading', { name: 'Penguin species' }).waitFor();

    await page.getByRole('button', { name: 'New version by training of Penguin species' }).click();
    const panel = page.getByRole('region', { name: 'Train a new version of Penguin species' });
    await panel.getByLabel('Training CSV').setInputFiles(csvFile);
    await panel.getByRole('button', { name: 'Upload CSV' }).click();
    const features = panel.getByRole('table', { name: 'Features' });
    await features.waitFor();
    // Every column but the target, with its inferred type.
    expect(await features.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-feature')))).toEqual(PENGUIN_FEATURES);
    expect(await features.locator('tr[data-feature="Island"] td').nth(2).textContent()).toBe('categorical');
    expect(await features.locator('tr[data-feature="Body Mass (g)"] td').nth(2).textContent()).toBe('numeric');
    await screenshot('08-training-columns');

    await panel.getByRole('button', { name: 'Start training' }).click();
    const progress = panel.getByTestId('training-progress');
    await progress.waitFor();
    await progress.getByRole('table', { name: 'Training progress' }).locator('tbody tr').first().waitFor({ timeout: 120_000 });
    await screenshot('09-training-progress');
    await progress.getByText('Version 1 is ready', { exact: false }).waitFor({ timeout: 240_000 });
    const version = page.getByRole('region', { name: 'Penguin species version 1' });
    await version.getByText('★ best').waitFor();
    expect(await version.getByRole('row').count()).toBeGreaterThan(1);
    await screenshot('10-training-ready');
  }, 300_000);
});
