// Benchmark of Weir's web console in headless Chromium (`scripts/bench console`):
//
//   1. First paint: the console loaded again and again in a new tab —
//      first-contentful-paint (PerformancePaintTiming) and the time until the
//      application list is rendered (the page's `weir:list-rendered` mark),
//      with ten applications in the list.
//   2. Status change → page: with the list and the application's page open,
//      StartApplication and StopApplication (Force) change an application's
//      status; the time from the call's acknowledgement to the moment the page
//      shows the new status (a MutationObserver in the page) is measured on
//      both pages, and so is the change the supervisor makes by itself
//      (STARTING → RUNNING: from the log event's timestamp to the page).
//      Target: ≤ 2 s.
//
// It starts its own `weir server` (authentication on, a generated key pair,
// a temporary data directory) and signs in through the console. Each run
// starts a real Flink cluster (streaming-count) and force-stops it.
//
// Environment: WEIR_BIN (target/release/weir), WEIR_RUNTIMES_DIR
// (~/.cache/weir/runtimes), WEIR_JAR (target/examples/1.20.5/streaming-count.jar).
// Options: --runs N (5), --loads N (15).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir, homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { launch, api, median, step } from './lib.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: scripts/bench console [--runs N (5)] [--loads N (15)]');
  process.exit(0);
}
const RUNS = opt('runs', 5);
const LOADS = opt('loads', 15);
const TARGET_MS = 2000;
const RUNTIME = 'FLINK-1_20';

const bin = process.env.WEIR_BIN || join(ROOT, 'target/release/weir');
const runtimes = process.env.WEIR_RUNTIMES_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'weir/runtimes');
const jarPath = process.env.WEIR_JAR || join(ROOT, 'target/examples/1.20.5/streaming-count.jar');
for (const [what, path] of [['weir binary', bin], ['example jar', jarPath]]) {
  if (!existsSync(path)) {
    console.error(`bench console: the ${what} ${path} is missing (scripts/bench builds weir; scripts/setup-test-env.sh builds the examples)`);
    process.exit(2);
  }
}
const root = mkdtempSync(join(tmpdir(), 'weir-bench-console-'));
const dataDir = join(root, 'data');

// Never a download in the middle of a benchmark.
const installed = execFileSync(bin, ['runtime', 'list', '--runtimes-dir', runtimes, '--data-dir', dataDir], { encoding: 'utf8' });
if (!installed.split('\n').some((l) => l.startsWith(RUNTIME) && l.includes('installed'))) {
  console.error(`bench console: ${RUNTIME} is not installed in ${runtimes}: run scripts/setup-test-env.sh`);
  rmSync(root, { recursive: true, force: true });
  process.exit(2);
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------
const keyId = `AKIABENCH${randomBytes(6).toString('hex').toUpperCase()}`;
const secret = randomBytes(24).toString('base64');
const env = { ...process.env, WEIR_RUNTIMES_DIR: runtimes, WEIR_ACCESS_KEY_ID: keyId, WEIR_SECRET_ACCESS_KEY: secret, WEIR_LOG: 'warn' };
for (const k of Object.keys(env)) if (k.startsWith('AWS_') || k === 'WEIR_NO_AUTH') delete env[k];
const server = spawn(bin, ['server', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--task-manager-memory-mb', '1024', '--job-manager-memory-mb', '768'], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((ok, fail) => {
  const lines = createInterface({ input: server.stdout });
  lines.once('line', (line) => {
    const m = /^weir listening on (http:\/\/\S+)/.exec(line);
    if (m) ok(m[1].replace(/\/$/, ''));
    else fail(new Error(`unexpected first line: ${line}`));
  });
  server.once('exit', (code) => fail(new Error(`weir exited (${code})`)));
  setTimeout(() => fail(new Error('no ready line within 30 s')), 30_000);
});

// Every JVM whose command line names our data directory (the clusters
// outlive the server by design).
function killClusters() {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(`${dataDir}/`) && Number(pid) !== server.pid) process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

let browser;
let browser2;
let call;
const APP = 'bench-console';
async function cleanup() {
  try {
    if (call) await call('StopApplication', { ApplicationName: APP, Force: true }).catch(() => {});
    if (call) await waitApi(APP, 'READY', 30_000).catch(() => {});
  } finally {
    if (browser) await browser.close();
    if (browser2) await browser2.close();
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    killClusters();
    rmSync(root, { recursive: true, force: true });
  }
}
process.on('SIGINT', () => cleanup().finally(() => process.exit(130)));

async function waitApi(name, want, timeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const st = (await call('DescribeApplication', { ApplicationName: name })).ApplicationDetail.ApplicationStatus;
    if (st === want) return;
    if (Date.now() > deadline) throw new Error(`${name} is ${st}, not ${want}, after ${timeout / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stats(xs) {
  const v = xs.filter(Number.isFinite);
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
}
const ms = (x) => `${Math.round(x)} ms`.padStart(8);
function line(label, xs) {
  const s = stats(xs);
  console.log(`  ${label.padEnd(52)} median ${ms(s.median)}   min ${ms(s.min)}   max ${ms(s.max)}   (n=${s.n})`);
  return s;
}

let exitCode = 0;
try {
  step(`weir on ${url} (authentication on), data in ${dataDir}`);
  // Sign in as the console does; the API calls below carry its cookie.
  const res = await fetch(`${url}/console/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ AccessKeyId: keyId, SecretAccessKey: secret }),
  });
  if (!res.ok) throw new Error(`console sign-in refused: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') || '').split(';')[0];
  call = api(url, cookie);

  const jar = readFileSync(jarPath).toString('base64');
  const create = (name) => call('CreateApplication', {
    ApplicationName: name,
    RuntimeEnvironment: RUNTIME,
    ServiceExecutionRole: 'arn:aws:iam::000000000000:role/weir-bench',
    ApplicationConfiguration: {
      ApplicationCodeConfiguration: { CodeContentType: 'ZIPFILE', CodeContent: { ZipFileContent: jar } },
      FlinkApplicationConfiguration: { ParallelismConfiguration: { ConfigurationType: 'CUSTOM', Parallelism: 1, ParallelismPerKPU: 1, AutoScalingEnabled: false } },
    },
  });
  await create(APP);
  for (let i = 1; i <= 9; i++) await create(`bench-other-${i}`);

  // Two browsers, so that the list and the application page are each the
  // front tab of their own window, as for a person who has it open.
  const signIn = async (b) => {
    const page = await b.context.newPage();
    await page.goto(url);
    await page.locator('[data-testid="signin-access-key"]').fill(keyId);
    await page.locator('[data-testid="signin-secret"]').fill(secret);
    await page.locator('[data-testid="signin-submit"]').click();
    await page.locator('[data-testid="app-list"]').waitFor();
    return page;
  };
  browser = await launch();
  browser2 = await launch();
  const { context } = browser;
  await (await signIn(browser)).close();
  const listPage = await signIn(browser2);

  // --- 1. first paint -------------------------------------------------------
  step(`first paint: ${LOADS} loads of the console in a new tab`);
  const fcp = [];
  const listed = [];
  for (let i = 0; i < LOADS; i++) {
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('[data-testid="app-row"]').first().waitFor();
    const t = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
      list: performance.getEntriesByName('weir:list-rendered')[0]?.startTime,
    }));
    fcp.push(t.fcp);
    listed.push(t.list);
    await page.close();
  }

  // --- 2. status change → page -------------------------------------------------
  step(`status changes: ${RUNS} runs of StartApplication → RUNNING → StopApplication(Force) → READY`);
  await listPage.locator(`[data-testid="app-row"][data-app="${APP}"]`).waitFor();
  const appPage = await context.newPage();
  await appPage.goto(`${url}/#/apps/${APP}`);
  await appPage.locator('[data-testid="app-page"] [data-testid="app-status"]').waitFor();
  for (const p of [listPage, appPage]) {
    const vis = await p.evaluate(() => document.visibilityState);
    if (vis !== 'visible') throw new Error(`a page is ${vis}: the console would not poll`);
  }
  // In each page: when did the status element first show one of `wants`?
  // Armed before the call; the time is taken at the next frame after the DOM
  // changed (when it is painted). A transient status may come and go between
  // two polls, so a stop counts as shown with FORCE_STOPPING or READY.
  let armed = 0;
  const shown = {};
  const watch = async (page, selector, wants) => {
    const key = `w${++armed}`;
    await page.evaluate(([sel, statuses, k]) => {
      window.__seen = window.__seen || {};
      const check = () => {
        const st = document.querySelector(sel)?.getAttribute('data-status');
        if (!statuses.includes(st)) return false;
        const at = Date.now();
        requestAnimationFrame(() => {
          window.__seen[k] = { at: Date.now(), dom: at, status: st };
        });
        return true;
      };
      if (check()) return;
      const mo = new MutationObserver(() => {
        if (check()) mo.disconnect();
      });
      mo.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
    }, [selector, [wants].flat(), key]);
    return async (timeout = 120_000) => {
      const handle = await page.waitForFunction((k) => window.__seen?.[k], key, { timeout, polling: 50 });
      const seen = await handle.jsonValue();
      shown[seen.status] = (shown[seen.status] || 0) + 1;
      return seen.at;
    };
  };
  const listSel = `[data-testid="app-row"][data-app="${APP}"] [data-testid="app-status"]`;
  const appSel = '[data-testid="app-page"] [data-testid="app-status"]';
  const r = { startList: [], startApp: [], stopList: [], stopApp: [], runList: [], runApp: [] };
  for (let run = 1; run <= RUNS; run++) {
    let seenList = await watch(listPage, listSel, ['STARTING', 'RUNNING']);
    let seenApp = await watch(appPage, appSel, ['STARTING', 'RUNNING']);
    const runningList = await watch(listPage, listSel, 'RUNNING');
    const runningApp = await watch(appPage, appSel, 'RUNNING');
    await call('StartApplication', { ApplicationName: APP, RunConfiguration: { ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' } } });
    let ack = Date.now();
    r.startList.push((await seenList()) - ack);
    r.startApp.push((await seenApp()) - ack);
    await waitApi(APP, 'RUNNING', 200_000);
    // The supervisor's change: from the log event that records it.
    const events = (await call('Logs_20140328.FilterLogEvents', {
      logGroupName: `/aws/kinesis-analytics/${APP}`,
      filterPattern: '"status changed from STARTING to RUNNING"',
      startFromHead: false,
      limit: 1,
    })).events || [];
    const changed = events[0]?.timestamp;
    r.runList.push((await runningList()) - changed);
    r.runApp.push((await runningApp()) - changed);

    seenList = await watch(listPage, listSel, ['FORCE_STOPPING', 'READY']);
    seenApp = await watch(appPage, appSel, ['FORCE_STOPPING', 'READY']);
    await call('StopApplication', { ApplicationName: APP, Force: true });
    ack = Date.now();
    r.stopList.push((await seenList()) - ack);
    r.stopApp.push((await seenApp()) - ack);
    await waitApi(APP, 'READY', 60_000);
    step(`  run ${run}: start → page ${r.startList.at(-1)}/${r.startApp.at(-1)} ms, RUNNING → page ${r.runList.at(-1)}/${r.runApp.at(-1)} ms, force stop → page ${r.stopList.at(-1)}/${r.stopApp.at(-1)} ms (list/application page)`);
  }

  console.log('');
  console.log(`console first paint (${LOADS} loads, 10 applications):`);
  line('first-contentful-paint', fcp);
  line('application list rendered', listed);
  console.log('');
  console.log(`status change → shown on an open page (${RUNS} runs; target ≤ ${TARGET_MS} ms):`);
  const all = [
    line('list, StartApplication ack → STARTING', r.startList),
    line('application page, StartApplication ack → STARTING', r.startApp),
    line('list, StopApplication(Force) ack → FORCE_STOPPING/READY', r.stopList),
    line('application page, StopApplication ack → FORCE_STOPPING/READY', r.stopApp),
    line('list, supervisor STARTING → RUNNING (log time)', r.runList),
    line('application page, STARTING → RUNNING (log time)', r.runApp),
  ];
  console.log(`  (statuses the pages showed first: ${Object.entries(shown).map(([k, v]) => `${k} ×${v}`).join(', ')})`);
  const worst = Math.max(...all.map((s) => s.max));
  const worstMedian = Math.max(...all.map((s) => s.median));
  console.log('');
  console.log(`target ≤ ${TARGET_MS} ms: ${worst <= TARGET_MS ? 'met' : 'MISSED'} (worst median ${Math.round(worstMedian)} ms, worst case ${Math.round(worst)} ms)`);
} catch (e) {
  console.error(`bench console: ${e.stack || e.message}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
