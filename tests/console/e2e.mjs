// End-to-end test of Weir's web console in real headless Chromium: sign in
// (a wrong secret is refused, nothing is shown before), create an
// application from a jar with the form, run it, watch it reach RUNNING, open
// its page, see its Task Managers, take a snapshot, stop it, watch it reach
// READY, delete it, sign out.
// A screenshot after each step goes to $WEIR_ARTIFACTS.
//
//   WEIR_URL=http://127.0.0.1:8095 WEIR_ACCESS_KEY_ID=… WEIR_SECRET_ACCESS_KEY=… \
//   WEIR_JAR=target/examples/1.20.5/streaming-count.jar WEIR_ARTIFACTS=target/console-artifacts \
//   node tests/console/e2e.mjs
//
// Optional: WEIR_RUNTIME (FLINK-1_20), WEIR_APP_NAME, WEIR_REQUIRE_METRICS=1
// (fail, rather than warn, when no Task Manager row shows). Exits 0 when
// every step passed; prints "N passed, N failed" last.

import { launch, need, shooter, step } from './lib.mjs';

const url = need('WEIR_URL');
const keyId = need('WEIR_ACCESS_KEY_ID');
const secret = need('WEIR_SECRET_ACCESS_KEY');
const jar = need('WEIR_JAR');
const artifacts = need('WEIR_ARTIFACTS');
const runtime = process.env.WEIR_RUNTIME || 'FLINK-1_20';
const name = process.env.WEIR_APP_NAME || `console-e2e-${Date.now().toString(36)}`;
const requireMetrics = process.env.WEIR_REQUIRE_METRICS === '1';

const RUNNING_TIMEOUT = 200_000;
const READY_TIMEOUT = 150_000;
const METRICS_TIMEOUT = 60_000;
const UI_TIMEOUT = 15_000;

const shot = shooter(artifacts);
const results = [];
const warnings = [];
const browser = await launch();
const page = await browser.context.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
page.on('console', (m) => {
  if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
});
page.setDefaultTimeout(UI_TIMEOUT);

const tid = (id) => `[data-testid="${id}"]`;
const row = () => page.locator(`${tid('app-row')}[data-app="${name}"]`);

async function check(title, fn) {
  const started = Date.now();
  step(`${title} …`);
  try {
    await fn();
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    results.push({ title, ok: true, secs });
    step(`ok: ${title} (${secs} s)`);
  } catch (e) {
    results.push({ title, ok: false, error: e.message });
    step(`FAILED: ${title}: ${e.message}`);
    await shot(page, 'failure').catch(() => {});
    throw e;
  }
}

// Waits until `locator`'s data-status is `want`; fails early on `bail`.
async function waitStatus(locator, want, timeout, bail = []) {
  const deadline = Date.now() + timeout;
  const seen = [];
  for (;;) {
    const st = await locator.getAttribute('data-status', { timeout: 5000 }).catch(() => null);
    if (st && seen[seen.length - 1] !== st) seen.push(st);
    if (st === want) return seen;
    if (bail.includes(st)) throw new Error(`reached ${st} waiting for ${want} (seen ${seen.join(' → ')})`);
    if (Date.now() > deadline) throw new Error(`not ${want} after ${timeout / 1000} s (seen ${seen.join(' → ') || 'nothing'})`);
    await page.waitForTimeout(250);
  }
}

let failed = false;
try {
  await check('the console asks to sign in and shows no application', async () => {
    await page.goto(url);
    await page.locator(tid('signin-form')).waitFor();
    if (await page.locator(tid('app-list')).count()) throw new Error('the application list is visible before sign-in');
    await shot(page, 'sign-in');
  });

  await check('a wrong secret is refused', async () => {
    await page.locator(tid('signin-access-key')).fill(keyId);
    await page.locator(tid('signin-secret')).fill(`${secret}-wrong`);
    await page.locator(tid('signin-submit')).click();
    const error = page.locator(tid('signin-error'));
    await error.waitFor();
    const text = (await error.textContent()).trim();
    if (!text) throw new Error('the sign-in error is empty');
    step(`  refused: ${text}`);
    if (await page.locator(tid('app-list')).count()) throw new Error('the application list is visible after a refused sign-in');
    await shot(page, 'wrong-secret');
  });

  await check('signing in with the key pair shows the applications', async () => {
    await page.locator(tid('signin-secret')).fill(secret);
    await page.locator(tid('signin-submit')).click();
    await page.locator(tid('list-page')).waitFor();
    await page.locator(tid('app-list')).waitFor();
    await shot(page, 'signed-in');
  });

  await check(`creating ${name} (${runtime}) from the jar with the form`, async () => {
    await page.locator(tid('create-app')).click();
    const dialog = page.locator('dialog[data-dialog="create"]');
    await dialog.waitFor();
    await dialog.locator(tid('field-name')).fill(name);
    await dialog.locator(tid('field-runtime')).selectOption(runtime);
    await dialog.locator(tid('field-jar')).setInputFiles(jar);
    await dialog.locator(tid('field-parallelism')).fill('1');
    await shot(page, 'create-form', { fullPage: false });
    await dialog.locator(tid('dialog-confirm')).click();
    await dialog.waitFor({ state: 'hidden', timeout: 60_000 });
    await row().waitFor();
    await waitStatus(row(), 'READY', UI_TIMEOUT);
    await shot(page, 'created');
  });

  await check('Run asks for confirmation and the application starts', async () => {
    await row().locator(tid('row-action-run')).click();
    const dialog = page.locator('dialog[data-dialog="run"]');
    await dialog.waitFor();
    await shot(page, 'confirm-run', { fullPage: false });
    await dialog.locator(tid('dialog-confirm')).click();
    await dialog.waitFor({ state: 'hidden' });
    // The list shows the transient status (or RUNNING already, on a fast machine).
    const st = await waitStatusAny(row().locator(tid('app-status')), ['STARTING', 'RUNNING'], 5_000);
    step(`  the list shows ${st}`);
    await shot(page, 'starting');
  });

  await check('the RUNNING badge appears in the list', async () => {
    const seen = await waitStatus(row().locator(tid('app-status')), 'RUNNING', RUNNING_TIMEOUT, ['READY']);
    step(`  statuses seen: ${seen.join(' → ')}`);
    await page.waitForTimeout(1500);
    await shot(page, 'running');
  });

  await check('the application page shows its status and its Task Managers', async () => {
    await row().locator(tid('app-link')).click();
    const appPage = page.locator(`${tid('app-page')}[data-app="${name}"]`);
    await appPage.waitFor();
    await waitStatus(appPage.locator(tid('app-status')), 'RUNNING', UI_TIMEOUT);
    try {
      await appPage.locator(tid('tm-row')).first().waitFor({ timeout: METRICS_TIMEOUT });
      const tms = await appPage.locator(tid('tm-row')).count();
      const job = await appPage.locator(tid('job-status')).getAttribute('data-status');
      step(`  ${tms} Task Manager row(s), job ${job || '?'}`);
    } catch (e) {
      const why = 'no Task Manager row within 60 s (is WeirAdmin_20261126.DescribeApplicationMetrics there?)';
      if (requireMetrics) throw new Error(why);
      warnings.push(why);
      step(`  WARNING: ${why}`);
    }
    // Let the charts gather a few points for the screenshot.
    await page.waitForTimeout(5000);
    await shot(page, 'application');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await shot(page, 'application-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  await check('Snapshot asks for a name and the snapshot becomes READY on the page', async () => {
    const appPage = page.locator(`${tid('app-page')}[data-app="${name}"]`);
    await appPage.locator(tid('action-snapshot')).click();
    const dialog = page.locator('dialog[data-dialog="snapshot"]');
    await dialog.waitFor();
    await dialog.locator(tid('field-snapshot')).fill('from-the-console');
    await dialog.locator(tid('dialog-confirm')).click();
    await dialog.waitFor({ state: 'hidden' });
    const snap = appPage.locator(`${tid('snapshot-row')}[data-snapshot="from-the-console"]`);
    await snap.waitFor({ timeout: 30_000 });
    await waitStatus(snap.locator('[data-status]'), 'READY', 120_000, ['FAILED']);
    await shot(page, 'snapshot');
  });

  await check('Stop asks for confirmation, shows the operation, and the application reaches READY', async () => {
    const appPage = page.locator(`${tid('app-page')}[data-app="${name}"]`);
    await appPage.locator(tid('action-stop')).click();
    const dialog = page.locator('dialog[data-dialog="stop"]');
    await dialog.waitFor();
    await shot(page, 'confirm-stop', { fullPage: false });
    await dialog.locator(tid('dialog-confirm')).click();
    await dialog.waitFor({ state: 'hidden' });
    const banner = appPage.locator(tid('action-result'));
    await banner.waitFor();
    await shot(page, 'stopping', { fullPage: false });
    const seen = await waitStatus(appPage.locator(tid('app-status')), 'READY', READY_TIMEOUT);
    step(`  statuses seen: ${seen.join(' → ')}`);
    // The operation's end shows in the banner soon after.
    const deadline = Date.now() + 20_000;
    let state;
    while (Date.now() < deadline) {
      state = await banner.getAttribute('data-state');
      if (state && state !== 'IN_PROGRESS') break;
      await page.waitForTimeout(250);
    }
    if (state !== 'SUCCESSFUL') throw new Error(`the stop operation shows ${state}, not SUCCESSFUL`);
    await shot(page, 'stopped');
  });

  await check('Delete wants the name typed, then the application is gone from the list', async () => {
    const appPage = page.locator(`${tid('app-page')}[data-app="${name}"]`);
    await appPage.locator(tid('action-delete')).click();
    const dialog = page.locator('dialog[data-dialog="delete"]');
    await dialog.waitFor();
    // A wrong name is refused and nothing is deleted.
    await dialog.locator(tid('field-confirmName')).fill(`${name}-not`);
    await dialog.locator(tid('dialog-confirm')).click();
    await page.waitForTimeout(500);
    if (!(await dialog.isVisible())) throw new Error('the delete dialog closed on a wrong name');
    await dialog.locator(tid('field-confirmName')).fill(name);
    await shot(page, 'confirm-delete', { fullPage: false });
    await dialog.locator(tid('dialog-confirm')).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.goto(`${url}/#/`);
    await page.locator(tid('app-list')).waitFor();
    const deadline = Date.now() + 60_000;
    while (await row().count()) {
      if (Date.now() > deadline) throw new Error(`${name} is still listed 60 s after Delete`);
      await page.waitForTimeout(250);
    }
    await shot(page, 'deleted');
  });

  await check('signing out hides the applications again', async () => {
    await page.locator(tid('signout')).click();
    await page.locator(tid('signin-form')).waitFor();
    if (await page.locator(tid('app-list')).count()) throw new Error('the application list is visible after sign-out');
    await page.reload();
    await page.locator(tid('signin-form')).waitFor();
    if (await page.locator(tid('app-list')).count()) throw new Error('the application list is visible after sign-out and a reload');
    await shot(page, 'signed-out');
  });
} catch {
  failed = true;
} finally {
  await browser.close();
}

async function waitStatusAny(locator, wants, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const st = await locator.getAttribute('data-status', { timeout: 5000 }).catch(() => null);
    if (wants.includes(st)) return st;
    if (Date.now() > deadline) throw new Error(`not ${wants.join(' or ')} after ${timeout / 1000} s (last ${st})`);
    await page.waitForTimeout(100);
  }
}

console.log('');
console.log(`screenshots (${shot.taken.length}) in ${artifacts}`);
for (const w of warnings) console.log(`warning: ${w}`);
const relevant = pageErrors.filter((e) => !/Failed to load resource: the server responded with a status of (4\d\d)/.test(e));
if (relevant.length) {
  console.log('page errors:');
  for (const e of relevant) console.log(`  ${e}`);
}
const passed = results.filter((r) => r.ok).length;
const failures = results.length - passed + (failed && results.every((r) => r.ok) ? 1 : 0);
console.log(`${passed} passed, ${failures} failed`);
process.exit(failed || failures ? 1 : 0);
