// What the console's end-to-end test and benchmark share: Debian's Chromium
// driven by playwright-core (never a downloaded browser), screenshots, and a
// small client of Weir's API for the steps a test takes behind the page.

import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.WEIR_CHROMIUM || '/usr/bin/chromium';

export function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return v;
}

// A headless Chromium with a fresh profile; `close()` ends it and removes
// the profile.
export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/setup-test-env.sh (it installs Debian's chromium)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'weir-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
  ];
  // launchPersistentContext: the only way playwright accepts --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // Playwright adds --user-data-dir (the profile) and --headless itself.
    args: args.filter((a) => !a.startsWith('--user-data-dir') && a !== '--headless'),
    viewport: { width: 1440, height: 960 },
    deviceScaleFactor: 1,
    timeout: 60_000,
  }).catch(async (e) => {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Screenshots numbered in the order taken, into `dir`.
export function shooter(dir) {
  mkdirSync(dir, { recursive: true });
  let n = 0;
  const taken = [];
  const shot = async (page, name, opts = {}) => {
    n += 1;
    const file = join(dir, `${String(n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: opts.fullPage ?? true, animations: 'disabled' });
    taken.push(file);
    return file;
  };
  shot.taken = taken;
  return shot;
}

// Weir's API from Node, unsigned: for a server that runs with --no-auth, or
// with a console session cookie (`cookie`), as the console calls it.
export function api(url, cookie) {
  return async (target, body = {}) => {
    const headers = {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': target.includes('.') ? target : `KinesisAnalytics_20180523.${target}`,
      'X-Weir-Console': '1',
    };
    if (cookie) headers.Cookie = cookie;
    const res = await fetch(new URL('/', url), { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    const data = text ? JSON.parse(text) : {};
    if (!res.ok) {
      const err = new Error(`${target}: ${res.status} ${data.__type || ''} ${data.message || text}`);
      err.type = String(data.__type || '').split('#').pop();
      throw err;
    }
    return data;
  };
}

export function step(text) {
  const t = new Date().toISOString().slice(11, 19);
  console.log(`[${t}] ${text}`);
}

export function median(xs) {
  const v = [...xs].sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
