// Weir's web console. Hand-written, no dependencies: a client of the same
// API as the AWS CLI (POST /, AWS JSON 1.1), authenticated by the session
// cookie of POST /console/session plus the X-Weir-Console header.
//
// Views (hash routes): #/ the applications, #/apps/<name> one application,
// #/clusters the registered Flink clusters (WeirAdmin ListFlinkClusters).
// Live: the list and the open application are polled every second, the
// heavier reads (metrics, operations, snapshots, versions, log) every five;
// polling pauses while the tab is hidden.

const KDA = 'KinesisAnalytics_20180523';
const LOGS = 'Logs_20140328';
const ADMIN = 'WeirAdmin_20261126';
const AUTH_ERRORS = new Set([
  'MissingAuthenticationTokenException',
  'InvalidSignatureException',
  'UnrecognizedClientException',
  'IncompleteSignatureException',
]);
const RUNTIMES = ['FLINK-2_3', 'FLINK-2_2', 'FLINK-1_20', 'FLINK-1_19', 'FLINK-1_18'];
const DEFAULT_RUNTIME = 'FLINK-1_20';
const LOG_STREAM = 'kinesis-analytics-log-stream';
const MAX_CODE_BYTES = 50 * 1024 * 1024;
const FAST_MS = 1000;
const SLOW_MS = 5000;
const HOUR_S = 3600;

// ---------------------------------------------------------------------------
// DOM helpers
// ---------------------------------------------------------------------------

function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  setProps(el, props);
  add(el, kids);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, attrs);
  add(el, kids);
  return el;
}

function setProps(el, props) {
  if (!props) return;
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'style') Object.assign(el.style, v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function add(el, kids) {
  for (const kid of kids.flat(Infinity)) {
    if (kid == null || kid === false) continue;
    el.append(kid instanceof Node ? kid : String(kid));
  }
}

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// Replaces the content of `el` only when `key` changed since the last time,
// so that polling every second does not churn the DOM (or lose a hover).
function patch(el, key, build) {
  if (!el) return;
  const k = JSON.stringify(key);
  if (el.__key === k) return;
  el.__key = k;
  const out = build();
  el.replaceChildren(...[out].flat(Infinity).filter((n) => n != null && n !== false));
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

const nf1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const nf0 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

function fmtCount(v) {
  if (!isNum(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e9) return nf1.format(v / 1e9) + 'G';
  if (a >= 1e6) return nf1.format(v / 1e6) + 'M';
  if (a >= 1e4) return nf1.format(v / 1e3) + 'k';
  if (a >= 100) return nf0.format(v);
  return nf1.format(v);
}

function fmtPct(v) {
  return isNum(v) ? nf1.format(v) + '%' : '–';
}

function fmtBytes(v) {
  if (!isNum(v)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return (i === 0 ? nf0.format(x) : nf1.format(x)) + ' ' + units[i];
}

function fmtMs(v) {
  if (!isNum(v)) return '–';
  if (v < 1000) return nf0.format(v) + ' ms';
  return fmtSpan(v / 1000);
}

// A span of seconds: "4.2 s", "3 min 5 s", "2 h 10 min", "3 d 4 h".
function fmtSpan(sec) {
  if (!isNum(sec)) return '–';
  if (sec < 60) return nf1.format(sec) + ' s';
  const m = Math.floor(sec / 60);
  if (m < 60) return `${m} min${sec % 60 >= 1 ? ' ' + Math.floor(sec % 60) + ' s' : ''}`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs} h${m % 60 ? ' ' + (m % 60) + ' min' : ''}`;
  return `${Math.floor(hrs / 24)} d ${hrs % 24} h`;
}

// AWS timestamps are epoch seconds (JSON 1.1); the logs' are epoch ms.
function toMs(ts) {
  if (!isNum(ts)) return null;
  return ts > 1e11 ? ts : ts * 1000;
}

function fmtRel(ms) {
  if (!isNum(ms)) return '–';
  const d = (Date.now() - ms) / 1000;
  if (d < -5) return 'in ' + fmtSpan(-d).replace(/ \d+ s$/, '');
  if (d < 5) return 'just now';
  if (d < 60) return `${Math.floor(d)} s ago`;
  if (d < 3600) return `${Math.floor(d / 60)} min ago`;
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`;
  return `${Math.floor(d / 86400)} d ago`;
}

function fmtTime(ms, withDate = false) {
  if (!isNum(ms)) return '–';
  const d = new Date(ms);
  const opts = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
  if (withDate) Object.assign(opts, { year: 'numeric', month: 'short', day: 'numeric' });
  return d.toLocaleString(undefined, opts);
}

function when(ts, cls = '') {
  const ms = toMs(ts);
  if (ms == null) return h('span', { class: 'muted' }, '–');
  return h('time', { class: cls, 'data-ts': ms, datetime: new Date(ms).toISOString(), title: fmtTime(ms, true) }, fmtRel(ms));
}

function tickTimes() {
  for (const el of $$('time[data-ts]')) {
    const text = fmtRel(Number(el.dataset.ts));
    if (el.textContent !== text) el.textContent = text;
  }
  for (const el of $$('[data-since]')) {
    const text = fmtSpan((Date.now() - Number(el.dataset.since)) / 1000);
    if (el.textContent !== text) el.textContent = text;
  }
}

function words(status) {
  if (!status) return '–';
  const w = String(status).toLowerCase().replace(/_/g, ' ');
  return w.charAt(0).toUpperCase() + w.slice(1);
}

// "StartApplication" → "Start", "CreateApplicationSnapshot" → "Create snapshot".
function opName(op) {
  const w = String(op || '').replace(/([a-z])([A-Z])/g, '$1 $2').replace(/ Application\b/, '').trim();
  return w.charAt(0) + w.slice(1).toLowerCase();
}

function short(id, n = 8) {
  if (!id) return '–';
  return id.length > n + 1 ? id.slice(0, n) + '…' : id;
}

// ---------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------

const BUSY = new Set([
  'STARTING', 'UPDATING', 'AUTOSCALING', 'ROLLING_BACK', 'MAINTENANCE',
  'IN_PROGRESS', 'CREATING', 'CREATED', 'INITIALIZING', 'RECONCILING', 'SCHEDULED', 'DEPLOYING',
]);
const WINDING = new Set(['STOPPING', 'FORCE_STOPPING', 'DELETING', 'RESTARTING', 'CANCELLING', 'SUSPENDED', 'ROLLED_BACK']);
const BAD = new Set(['FAILED', 'FAILING']);
const GOOD = new Set(['RUNNING', 'SUCCESSFUL']);

function tone(status) {
  if (GOOD.has(status)) return 'ok';
  if (BUSY.has(status)) return 'busy';
  if (WINDING.has(status)) return 'warn';
  if (BAD.has(status)) return 'bad';
  return 'idle';
}

function badge(status, props = {}) {
  // A snapshot that is READY is a success, unlike an application READY.
  const t = props.snapshot && status === 'READY' ? 'ok' : tone(status);
  return h(
    'span',
    { class: `badge tone-${t}${props.big ? ' big' : ''}`, 'data-status': status || '', title: status || '', 'data-testid': props.testid },
    h('i', { class: 'dot', 'aria-hidden': 'true' }),
    props.label ? h('span', { class: 'badge-label' }, props.label) : null,
    words(status),
  );
}

// What each action accepts (DESIGN.md's status table).
const FORCE_FROM = ['STARTING', 'UPDATING', 'STOPPING', 'AUTOSCALING', 'ROLLING_BACK', 'MAINTENANCE', 'RUNNING'];

// ---------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------

class ApiError extends Error {
  constructor(type, message, status) {
    super(message || type);
    this.type = type;
    this.status = status;
  }
  get text() {
    return this.message && this.message !== this.type ? `${this.type}: ${this.message}` : this.type;
  }
}

async function call(op, body = {}, prefix = KDA) {
  let res;
  try {
    res = await fetch('/', {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `${prefix}.${op}`,
        'X-Weir-Console': '1',
      },
      body: JSON.stringify(body),
    });
  } catch (e) {
    setLive('down');
    throw new ApiError('NetworkError', `Weir is not answering (${e.message})`, 0);
  }
  const text = await res.text();
  let data = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { message: text.trim() };
  }
  if (!res.ok) {
    const type = String(data.__type || data.code || `HTTP ${res.status}`).split('#').pop().split(':')[0];
    const err = new ApiError(type, data.message || data.Message || '', res.status);
    if ((res.status === 401 || res.status === 403) && AUTH_ERRORS.has(type)) signedOut(err);
    throw err;
  }
  setLive('up');
  return data;
}

const logs = (op, body) => call(op, body, LOGS);

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

const state = {
  session: null, // GET /console/session, or a stand-in when the server has none
  authed: false,
  route: { view: 'list' },
  apps: null, // ApplicationSummaries
  appsError: null,
  accountId: null,
  filter: '',
  listMetrics: new Map(), // name -> { history, job, at }
  metricsMissing: 0, // when DescribeApplicationMetrics was last refused as unknown
  app: null, // the open application: see openApp()
  highlight: null,
  clusters: null, // FlinkClusterDescriptions, on #/clusters
  clustersError: null,
};

function freshApp(name) {
  return {
    name,
    detail: null,
    error: null,
    metrics: null,
    metricsError: null,
    ops: null,
    opDetails: new Map(),
    snapshots: null,
    versions: null,
    versionDetails: new Map(),
    timeline: null,
    log: null,
    lastStatus: null,
    action: null, // the last action taken from this page
    gone: false,
  };
}

// ---------------------------------------------------------------------------
// Live indicator, theme, toasts
// ---------------------------------------------------------------------------

let liveState = 'idle';
function setLive(s) {
  if (document.hidden && s === 'up') s = 'paused';
  if (s === liveState) return;
  liveState = s;
  const el = $('#live');
  if (!el) return;
  el.dataset.state = s;
  const label = { up: 'Live', down: 'Reconnecting', paused: 'Paused', idle: 'Connecting' }[s] || s;
  el.querySelector('span').textContent = label;
  el.title = {
    up: 'Updating every second',
    down: 'Weir is not answering; retrying',
    paused: 'Paused while the tab is hidden',
    idle: '',
  }[s] || '';
}

const THEMES = ['auto', 'light', 'dark'];
function applyTheme(t) {
  const theme = THEMES.includes(t) ? t : 'auto';
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  const btn = $('#theme');
  if (btn) {
    btn.dataset.mode = theme;
    btn.title = { auto: 'Theme: follows the system', light: 'Theme: light', dark: 'Theme: dark' }[theme];
  }
  try {
    localStorage.setItem('weir-theme', theme);
  } catch {
    /* private mode */
  }
}

function toast(text, kind = 'info', ms = 5000) {
  const el = h('div', { class: `toast toast-${kind}`, role: 'status', 'data-testid': 'toast' }, text);
  $('#toasts').append(el);
  setTimeout(() => el.classList.add('leaving'), ms);
  setTimeout(() => el.remove(), ms + 400);
}

// ---------------------------------------------------------------------------
// Polling
// ---------------------------------------------------------------------------

const poller = { gen: 0, tasks: [], timer: null };

function schedule(tasks) {
  poller.gen++;
  poller.tasks = tasks.map((t) => ({ ...t, due: 0, busy: false }));
  pump();
}

function pump() {
  clearTimeout(poller.timer);
  poller.timer = null;
  if (!state.authed) return;
  if (document.hidden) {
    setLive('paused');
    return;
  }
  const now = performance.now();
  for (const t of poller.tasks) {
    if (!t.busy && now >= t.due) run(t);
  }
  poller.timer = setTimeout(pump, 100);
}

async function run(task) {
  const gen = poller.gen;
  task.busy = true;
  const started = performance.now();
  try {
    await task.run(() => gen === poller.gen);
  } catch (e) {
    if (!(e instanceof ApiError)) console.error(e);
  } finally {
    task.busy = false;
    const every = typeof task.every === 'function' ? task.every() : task.every;
    // A little early rather than late: a browser that runs a page's timers
    // once a second (a background window) still polls every second.
    task.due = started + every * 0.85;
  }
}

function kick(name) {
  for (const t of poller.tasks) if (!name || t.name === name) t.due = 0;
  if (state.authed && !document.hidden) pump();
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) {
    setLive('paused');
  } else {
    if (liveState === 'paused') setLive('idle');
    kick();
  }
});

// ---------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------

async function loadSession() {
  try {
    const res = await fetch('/console/session', { credentials: 'same-origin', cache: 'no-store' });
    if (res.ok) return await res.json();
    // A server without console sessions: find out by calling the API.
    return { AuthRequired: null, SignedIn: false, AccessKeyId: null };
  } catch {
    setLive('down');
    return null;
  }
}

async function boot() {
  applyTheme(localStorageGet('weir-theme'));
  $('#theme').addEventListener('click', () => {
    const cur = $('#theme').dataset.mode || 'auto';
    applyTheme(THEMES[(THEMES.indexOf(cur) + 1) % THEMES.length]);
  });
  $('#signout').addEventListener('click', signOut);
  window.addEventListener('hashchange', route);
  setInterval(tickTimes, 1000);
  await start();
}

function localStorageGet(k) {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}

async function start() {
  let session = await loadSession();
  while (!session) {
    renderOffline();
    await sleep(2000);
    session = await loadSession();
  }
  state.session = session;
  if (session.AuthRequired && !session.SignedIn) {
    showSignIn();
    return;
  }
  if (session.AuthRequired === null) {
    // Unknown: the first call tells (an auth error shows the sign-in form).
    try {
      await call('ListApplications', { Limit: 1 });
    } catch (e) {
      if (e instanceof ApiError && AUTH_ERRORS.has(e.type)) return;
    }
  }
  signedIn();
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function signedIn() {
  state.authed = true;
  const s = state.session || {};
  const who = $('#who');
  who.hidden = false;
  $('#live').hidden = false;
  if (s.AuthRequired === false) {
    who.replaceChildren(h('span', { class: 'chip warn', title: 'The server runs with --no-auth: anyone on this machine can change every application' }, 'Authentication off'));
  } else {
    who.replaceChildren(
      h('span', { class: 'who-key', title: 'Signed in with this access key' }, h('i', { class: 'key-glyph', 'aria-hidden': 'true' }), s.AccessKeyId || 'signed in'),
    );
  }
  $('#signout').hidden = !s.AuthRequired;
  route();
}

function signedOut(err) {
  if (!state.authed && $('[data-testid="signin"]')) return;
  state.authed = false;
  state.apps = null;
  state.app = null;
  state.listMetrics.clear();
  poller.tasks = [];
  poller.gen++;
  clearTimeout(poller.timer);
  showSignIn(err && err.type !== 'MissingAuthenticationTokenException' ? err : null);
}

async function signOut() {
  try {
    await fetch('/console/session', { method: 'DELETE', credentials: 'same-origin' });
  } catch {
    /* signed out locally anyway */
  }
  state.session = { AuthRequired: true, SignedIn: false, AccessKeyId: null };
  signedOut();
}

function showSignIn(err) {
  closeDialog();
  $('#who').hidden = true;
  $('#signout').hidden = true;
  $('#live').hidden = true;
  $('#crumbs').replaceChildren();
  setLive('idle');
  const error = h('p', { class: 'form-error', 'data-testid': 'signin-error', role: 'alert', hidden: !err }, err ? err.text : '');
  const key = h('input', {
    id: 'signin-key', name: 'AccessKeyId', autocomplete: 'username', required: true, spellcheck: 'false',
    'data-testid': 'signin-access-key', placeholder: 'AKIA…',
  });
  const secret = h('input', {
    id: 'signin-secret', name: 'SecretAccessKey', type: 'password', autocomplete: 'current-password', required: true,
    'data-testid': 'signin-secret',
  });
  const submit = h('button', { class: 'btn primary wide', type: 'submit', 'data-testid': 'signin-submit' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'signin-form',
      'data-testid': 'signin-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        submit.disabled = true;
        submit.classList.add('loading');
        error.hidden = true;
        try {
          const res = await fetch('/console/session', {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ AccessKeyId: key.value.trim(), SecretAccessKey: secret.value }),
          });
          const text = await res.text();
          let data = {};
          try {
            data = text ? JSON.parse(text) : {};
          } catch {
            data = { message: text.trim() };
          }
          if (!res.ok) {
            const type = String(data.__type || `HTTP ${res.status}`).split('#').pop();
            const msg = res.status === 404 || res.status === 405
              ? 'This Weir has no console sign-in (POST /console/session is missing).'
              : data.message || data.Message || '';
            throw new ApiError(type, msg, res.status);
          }
          secret.value = '';
          state.session = { AuthRequired: true, SignedIn: true, AccessKeyId: data.AccessKeyId || key.value.trim() };
          signedIn();
        } catch (e) {
          error.textContent = e instanceof ApiError ? e.text : `Sign-in failed: ${e.message}`;
          error.hidden = false;
          secret.select();
        } finally {
          submit.disabled = false;
          submit.classList.remove('loading');
        }
      },
    },
    h('label', { for: 'signin-key' }, 'Access key ID'),
    key,
    h('label', { for: 'signin-secret' }, 'Secret access key'),
    secret,
    error,
    submit,
  );
  $('#main').replaceChildren(
    h(
      'section',
      { class: 'signin', 'data-testid': 'signin' },
      h('div', { class: 'signin-card' },
        h('img', { src: '/console/favicon.svg', alt: '', width: 48, height: 48, class: 'signin-logo' }),
        h('h1', null, 'Sign in to Weir'),
        h('p', { class: 'muted' }, 'Use the key pair the server accepts: the ', h('code', null, 'weir'), ' profile of ', h('code', null, 'weir-data/credentials'), ', or the keys it was started with.'),
        form,
      ),
      h('p', { class: 'signin-foot muted' }, 'Self-hosted Managed Service for Apache Flink'),
    ),
  );
  key.focus();
}

function renderOffline() {
  $('#main').replaceChildren(
    h('section', { class: 'empty' }, h('div', { class: 'empty-art wave' }), h('h2', null, 'Weir is not answering'), h('p', { class: 'muted' }, 'Retrying every two seconds…')),
  );
}

// ---------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------

function route() {
  if (!state.authed) return;
  const hash = location.hash.replace(/^#\/?/, '');
  const m = hash.match(/^apps\/([^/?]+)/);
  closeDialog();
  if (m) {
    const name = decodeURIComponent(m[1]);
    state.route = { view: 'app', name };
    openApp(name);
  } else if (/^clusters\/?$/.test(hash)) {
    state.route = { view: 'clusters' };
    openClusters();
  } else {
    state.route = { view: 'list' };
    openList();
  }
  window.scrollTo(0, 0);
}

function crumbs(...parts) {
  $('#crumbs').replaceChildren(
    ...parts.flatMap((p, i) => [i ? h('span', { class: 'crumb-sep', 'aria-hidden': 'true' }, '/') : null, p]).filter(Boolean),
  );
}

// ---------------------------------------------------------------------------
// The applications
// ---------------------------------------------------------------------------

async function listAll() {
  const out = [];
  let token;
  for (let page = 0; page < 40; page++) {
    const res = await call('ListApplications', token ? { Limit: 50, NextToken: token } : { Limit: 50 });
    out.push(...(res.ApplicationSummaries || []));
    token = res.NextToken;
    if (!token) break;
  }
  return out;
}

function metricsRefused(e) {
  return e instanceof ApiError && /UnknownOperation|UnsupportedOperation|InvalidAction|UnknownTarget/i.test(e.type);
}

async function metricsOf(name, seconds) {
  // Until the server has the call, ask again only every 30 s.
  if (state.metricsMissing && Date.now() - state.metricsMissing < 30000) {
    throw new ApiError('UnknownOperationException', 'metrics are not available on this server', 400);
  }
  try {
    const m = await call('DescribeApplicationMetrics', { ApplicationName: name, HistorySeconds: seconds }, ADMIN);
    state.metricsMissing = 0;
    return m;
  } catch (e) {
    if (metricsRefused(e)) state.metricsMissing = Date.now();
    throw e;
  }
}

function openList() {
  state.app = null;
  crumbs(h('a', { href: '#/', class: 'crumb' }, 'Applications'));
  const filter = h('input', {
    class: 'search', type: 'search', placeholder: 'Filter applications', value: state.filter,
    'data-testid': 'app-filter', 'aria-label': 'Filter applications',
    oninput: (e) => {
      state.filter = e.target.value;
      renderList();
    },
  });
  $('#main').replaceChildren(
    h('section', { class: 'page', 'data-testid': 'list-page' },
      h('div', { class: 'page-head' },
        h('div', null, h('h1', null, 'Applications'), h('p', { class: 'muted', id: 'list-sub' }, ' ')),
        h('div', { class: 'page-tools' }, filter,
          h('a', { class: 'btn ghost', href: '#/clusters', 'data-testid': 'clusters-link', title: 'The existing Flink clusters applications can be placed on' }, 'Flink clusters'),
          h('button', { class: 'btn primary', type: 'button', 'data-testid': 'create-app', onclick: createDialog }, h('span', { class: 'plus', 'aria-hidden': 'true' }), 'New application')),
      ),
      h('div', { id: 'list-summary', class: 'summary' }),
      h('div', { id: 'list-body' }),
    ),
  );
  renderList();
  schedule([
    {
      name: 'list',
      // A very long list is walked less often.
      every: () => ((state.apps?.length || 0) > 500 ? SLOW_MS : FAST_MS),
      run: async (current) => {
        try {
          const apps = await listAll();
          if (!current()) return;
          state.apps = apps;
          state.appsError = null;
          const arn = apps.find((a) => a.ApplicationARN)?.ApplicationARN;
          if (arn) state.accountId = arn.split(':')[4] || state.accountId;
        } catch (e) {
          if (!current()) return;
          state.appsError = e;
          throw e;
        } finally {
          if (current()) renderList();
        }
      },
    },
    {
      name: 'list-metrics',
      every: SLOW_MS,
      run: async (current) => {
        const running = (state.apps || []).filter((a) => a.ApplicationStatus === 'RUNNING').slice(0, 30);
        const got = await Promise.allSettled(running.map((a) => metricsOf(a.ApplicationName, 900)));
        if (!current()) return;
        running.forEach((a, i) => {
          if (got[i].status === 'fulfilled') state.listMetrics.set(a.ApplicationName, got[i].value);
          else state.listMetrics.delete(a.ApplicationName);
        });
        renderList();
      },
    },
  ]);
}

function renderList() {
  if (state.route.view !== 'list') return;
  const apps = state.apps;
  const body = $('#list-body');
  if (!body) return;
  if (!apps) {
    patch(body, ['loading', state.appsError?.text], () =>
      state.appsError ? errorBox(state.appsError) : h('div', { class: 'rows skeleton' }, [1, 2, 3].map(() => h('div', { class: 'row-skel' }))),
    );
    return;
  }
  const counts = {};
  for (const a of apps) counts[a.ApplicationStatus] = (counts[a.ApplicationStatus] || 0) + 1;
  patch($('#list-sub'), [apps.length], () => (apps.length === 1 ? '1 application' : `${apps.length} applications`));
  patch($('#list-summary'), counts, () =>
    Object.entries(counts)
      .sort((a, b) => statusOrder(a[0]) - statusOrder(b[0]))
      .map(([st, n]) => h('span', { class: `summary-item tone-${tone(st)}` }, h('i', { class: 'dot' }), h('b', null, n), ' ', words(st).toLowerCase())),
  );
  const q = state.filter.trim().toLowerCase();
  const shown = apps
    .filter((a) => !q || a.ApplicationName.toLowerCase().includes(q) || (a.ApplicationStatus || '').toLowerCase().includes(q) || (a.RuntimeEnvironment || '').toLowerCase().includes(q))
    .sort((a, b) => a.ApplicationName.localeCompare(b.ApplicationName));
  const metricKey = shown.map((a) => {
    const m = state.listMetrics.get(a.ApplicationName);
    return m ? [m.CollectedAt, m.History?.length, m.Job?.RecordsInPerSecond] : null;
  });
  patch(body, [shown, metricKey, apps.length === 0, state.highlight], () => {
    if (apps.length === 0) {
      return h('div', { class: 'empty', 'data-testid': 'app-list' },
        h('div', { class: 'empty-art wave' }),
        h('h2', null, 'No applications yet'),
        h('p', { class: 'muted' }, 'Upload a Flink job jar and Weir runs it on a cluster of its own.'),
        h('button', { class: 'btn primary', type: 'button', onclick: createDialog }, 'Create your first application'));
    }
    if (shown.length === 0) return h('div', { class: 'empty small', 'data-testid': 'app-list' }, h('p', { class: 'muted' }, `Nothing matches “${state.filter}”.`));
    return h('div', { class: 'rows', 'data-testid': 'app-list', role: 'list' }, shown.map(appRow));
  });
}

function statusOrder(st) {
  return ['RUNNING', 'STARTING', 'UPDATING', 'AUTOSCALING', 'ROLLING_BACK', 'MAINTENANCE', 'STOPPING', 'FORCE_STOPPING', 'DELETING', 'READY'].indexOf(st) >>> 0;
}

function appRow(a) {
  const name = a.ApplicationName;
  const st = a.ApplicationStatus;
  const m = state.listMetrics.get(name);
  const hist = (m?.History || []).map((p) => [p.Timestamp, p.RecordsInPerSecond]);
  const rate = m?.Job?.RecordsInPerSecond;
  const href = `#/apps/${encodeURIComponent(name)}`;
  const quick = [];
  if (st === 'READY') quick.push(h('button', { class: 'btn small', type: 'button', 'data-testid': 'row-action-run', onclick: (e) => { e.preventDefault(); e.stopPropagation(); doAction('run', name); } }, h('i', { class: 'ico play' }), 'Run'));
  if (st === 'RUNNING') quick.push(h('button', { class: 'btn small', type: 'button', 'data-testid': 'row-action-stop', onclick: (e) => { e.preventDefault(); e.stopPropagation(); doAction('stop', name); } }, h('i', { class: 'ico stop' }), 'Stop'));
  return h(
    'div',
    { class: `row tone-${tone(st)}${state.highlight === name ? ' flash' : ''}`, role: 'listitem', 'data-testid': 'app-row', 'data-app': name, 'data-status': st },
    h('a', { class: 'row-link', href, 'data-testid': 'app-link', 'aria-label': `Open ${name}` }),
    h('div', { class: 'row-main' },
      h('div', { class: 'row-name' }, name),
      h('div', { class: 'row-meta muted' }, a.RuntimeEnvironment ? h('span', { class: 'rt' }, runtimeLabel(a.RuntimeEnvironment)) : null, h('span', null, `v${a.ApplicationVersionId}`), a.ApplicationMode && a.ApplicationMode !== 'STREAMING' ? h('span', null, words(a.ApplicationMode)) : null),
    ),
    h('div', { class: 'row-status' }, badge(st, { testid: 'app-status' })),
    h('div', { class: 'row-spark' },
      st === 'RUNNING' && hist.some((p) => isNum(p[1]))
        ? [sparkline(hist, { cls: 'spark-ok' }), h('span', { class: 'row-rate', title: 'Records in per second' }, fmtCount(rate), h('small', null, ' rec/s'))]
        : h('span', { class: 'muted row-rate-none' }, st === 'RUNNING' ? 'no metrics yet' : '')),
    h('div', { class: 'row-actions' }, quick),
  );
}

// What property weir.placement.cluster asks for: auto (the default), local
// or a registered cluster's name.
function placementOf(d) {
  const groups = d?.ApplicationConfigurationDescription?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions || [];
  const g = groups.find((x) => x.PropertyGroupId === 'weir.placement');
  return g?.PropertyMap?.cluster || 'auto';
}

function runtimeLabel(rt) {
  const m = /^FLINK-(\d+)_(\d+)$/.exec(rt || '');
  return m ? `Flink ${m[1]}.${m[2]}` : rt;
}

// ---------------------------------------------------------------------------
// The registered Flink clusters
// ---------------------------------------------------------------------------

function openClusters() {
  state.app = null;
  crumbs(h('a', { href: '#/', class: 'crumb' }, 'Applications'), h('span', { class: 'crumb current' }, 'Flink clusters'));
  $('#main').replaceChildren(
    h('section', { class: 'page', 'data-testid': 'clusters-page' },
      h('div', { class: 'page-head' },
        h('div', null, h('h1', null, 'Flink clusters'), h('p', { class: 'muted', id: 'clusters-sub' }, ' ')),
      ),
      h('div', { id: 'clusters-body' }),
    ),
  );
  renderClusters();
  schedule([
    {
      name: 'clusters',
      every: SLOW_MS,
      run: async (current) => {
        try {
          const res = await call('ListFlinkClusters', {}, ADMIN);
          if (!current()) return;
          state.clusters = res.FlinkClusterDescriptions || [];
          state.clustersError = null;
        } catch (e) {
          if (!current()) return;
          state.clustersError = e;
          throw e;
        } finally {
          if (current()) renderClusters();
        }
      },
    },
  ]);
}

function renderClusters() {
  if (state.route.view !== 'clusters') return;
  const body = $('#clusters-body');
  if (!body) return;
  const list = state.clusters;
  if (!list) {
    patch(body, ['loading', state.clustersError?.text], () =>
      state.clustersError ? errorBox(state.clustersError) : h('div', { class: 'rows skeleton' }, [1, 2].map(() => h('div', { class: 'row-skel' }))));
    return;
  }
  patch($('#clusters-sub'), [list.length], () =>
    list.length ? `${list.length} registered · applications are placed by their property weir.placement.cluster (auto, local or a name)` : 'Applications run on Weir’s own clusters');
  const sorted = list.slice().sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
  patch(body, [sorted, state.clustersError?.text], () => {
    if (!sorted.length) {
      return h('div', { class: 'empty', 'data-testid': 'clusters' },
        h('div', { class: 'empty-art wave' }),
        h('h2', null, 'No Flink clusters registered'),
        h('p', { class: 'muted' }, 'Register an existing Flink cluster with ', h('code', null, 'weir clusters add NAME --rest-url URL --savepoint-dir DIR'), '.'));
    }
    const usedOf = (used, total) => (isNum(total) ? `${used ?? 0} / ${total}` : `${used ?? 0}`);
    return h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'clusters' },
      h('thead', null, h('tr', null, ['Name', 'REST URL', 'Runtime', 'Slots', 'KPUs', 'Reachable', 'Applications'].map((t, i) => h('th', { class: i === 3 || i === 4 ? 'num' : '' }, t)))),
      h('tbody', null, sorted.map((c) => {
        const up = c.Reachable;
        const apps = c.Applications || [];
        return h('tr', { 'data-testid': 'cluster-row', 'data-cluster': c.Name },
          h('td', null, h('b', null, c.Name)),
          h('td', { class: 'mono' }, c.RestUrl),
          h('td', null, runtimeLabel(c.RuntimeEnvironment), c.FlinkVersion ? h('span', { class: 'muted' }, ` (${c.FlinkVersion})`) : null),
          h('td', { class: 'num' }, isNum(c.TotalSlots) ? h('span', { class: 'slots' }, slotDotsOnly(c.TotalSlots, c.TotalSlots - (c.UsedSlots || 0)), ` ${usedOf(c.UsedSlots, c.TotalSlots)}`) : '–'),
          h('td', { class: 'num' }, usedOf(c.UsedKPUs, c.CapacityKPUs)),
          h('td', { title: c.Error || '' },
            up == null
              ? h('span', { class: 'muted', 'data-testid': 'cluster-reachable', 'data-reachable': '' }, 'not checked yet')
              : h('span', { class: `badge tone-${up ? 'ok' : 'bad'}`, 'data-testid': 'cluster-reachable', 'data-reachable': up ? 'yes' : 'no' },
                h('i', { class: 'dot', 'aria-hidden': 'true' }), up ? 'Reachable' : 'Not answering'),
            c.CheckedAt ? h('span', { class: 'muted' }, ' · ', when(c.CheckedAt)) : null),
          h('td', null, apps.length
            ? apps.map((a, i) => [i ? ', ' : null, h('a', { href: `#/apps/${encodeURIComponent(a)}` }, a)])
            : h('span', { class: 'muted' }, '–')),
        );
      })),
    ));
  });
}

// ---------------------------------------------------------------------------
// Creating an application
// ---------------------------------------------------------------------------

function createDialog() {
  const account = state.accountId || '000000000000';
  openDialog({
    kind: 'create',
    title: 'New application',
    intro: 'Upload a Flink job jar (its manifest names the entry class). Weir stores the code and creates version 1, READY to run.',
    confirm: 'Create application',
    fields: [
      { name: 'name', label: 'Name', required: true, pattern: '[a-zA-Z0-9_.\\-]{1,128}', placeholder: 'my-application', hint: 'Letters, digits, _ . -', autofocus: true },
      { name: 'runtime', label: 'Runtime', type: 'select', value: DEFAULT_RUNTIME, options: RUNTIMES.map((r) => [r, `${runtimeLabel(r)} (${r})`]) },
      { name: 'jar', label: 'Job jar', type: 'file', accept: '.jar,.zip,application/java-archive,application/zip', required: true },
      { name: 'parallelism', label: 'Parallelism', type: 'number', value: 1, min: 1, max: 256, required: true, half: true },
      { name: 'perKpu', label: 'Parallelism per KPU', type: 'number', value: 1, min: 1, max: 8, required: true, half: true, hint: 'Slots per Task Manager' },
      { name: 'autoscaling', label: 'Autoscaling', type: 'checkbox', value: false, hint: 'Let Weir change the parallelism with the load' },
      { name: 'snapshots', label: 'Snapshots', type: 'checkbox', value: true, hint: 'Stop with a snapshot; restore on start' },
      { name: 'description', label: 'Description', advanced: true, placeholder: 'optional' },
      { name: 'role', label: 'Service execution role', advanced: true, value: `arn:aws:iam::${account}:role/weir`, required: true },
      { name: 'properties', label: 'Environment properties (JSON)', type: 'textarea', advanced: true, placeholder: '[{"PropertyGroupId": "SourceConfig", "PropertyMap": {"rate": "100"}}]' },
    ],
    onConfirm: async (v) => {
      const file = v.jar;
      if (!file) throw new ApiError('InvalidArgumentException', 'Choose a jar file');
      if (file.size > MAX_CODE_BYTES) throw new ApiError('InvalidArgumentException', `The jar is ${fmtBytes(file.size)}; the limit is 50 MiB`);
      let groups;
      if (v.properties.trim()) {
        try {
          groups = JSON.parse(v.properties);
          if (!Array.isArray(groups)) throw new Error('expected an array');
        } catch (e) {
          throw new ApiError('InvalidArgumentException', `Environment properties: ${e.message}`);
        }
      }
      const code = await base64Of(file);
      const config = {
        ApplicationCodeConfiguration: { CodeContentType: 'ZIPFILE', CodeContent: { ZipFileContent: code } },
        FlinkApplicationConfiguration: {
          ParallelismConfiguration: {
            ConfigurationType: 'CUSTOM',
            Parallelism: Number(v.parallelism),
            ParallelismPerKPU: Number(v.perKpu),
            AutoScalingEnabled: v.autoscaling,
          },
        },
        ApplicationSnapshotConfiguration: { SnapshotsEnabled: v.snapshots },
      };
      if (groups) config.EnvironmentProperties = { PropertyGroups: groups };
      const body = {
        ApplicationName: v.name.trim(),
        RuntimeEnvironment: v.runtime,
        ServiceExecutionRole: v.role.trim(),
        ApplicationConfiguration: config,
      };
      if (v.description.trim()) body.ApplicationDescription = v.description.trim();
      const res = await call('CreateApplication', body);
      const name = res.ApplicationDetail?.ApplicationName || body.ApplicationName;
      toast(h('span', null, 'Created ', h('b', null, name), ` · version ${res.ApplicationDetail?.ApplicationVersionId ?? 1} · `, badge(res.ApplicationDetail?.ApplicationStatus || 'READY')), 'ok');
      state.highlight = name;
      setTimeout(() => {
        if (state.highlight === name) {
          state.highlight = null;
          renderList();
        }
      }, 4000);
      kick('list');
    },
  });
}

function base64Of(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new ApiError('FileError', `Could not read ${file.name}`));
    r.readAsDataURL(file);
  });
}

// ---------------------------------------------------------------------------
// Dialogs
// ---------------------------------------------------------------------------

let dialogToken = 0;

function closeDialog() {
  const d = $('#dialog');
  if (d && d.open) d.close();
}

// A modal form: `fields` become inputs (data-testid="field-<name>"), the
// confirm button runs `onConfirm(values)`; an error keeps the dialog open and
// shows the error's type and message.
function openDialog({ kind, title, intro, fields = [], confirm = 'Confirm', danger = false, onConfirm, body }) {
  const d = $('#dialog');
  const token = ++dialogToken;
  const inputs = {};
  const field = (f) => {
    const id = `f-${f.name}`;
    let input;
    const common = { id, name: f.name, 'data-testid': `field-${f.name}`, required: f.required, autofocus: f.autofocus };
    if (f.type === 'select') {
      input = h('select', common, f.options.map(([v, l]) => h('option', { value: v, selected: v === f.value }, l)));
    } else if (f.type === 'checkbox') {
      input = h('input', { ...common, type: 'checkbox', checked: !!f.value });
      inputs[f.name] = input;
      return h('label', { class: 'check' }, input, h('span', null, h('b', null, f.label), f.hint ? h('small', { class: 'muted' }, f.hint) : null));
    } else if (f.type === 'textarea') {
      input = h('textarea', { ...common, rows: 3, placeholder: f.placeholder, spellcheck: 'false' });
    } else if (f.type === 'file') {
      input = h('input', { ...common, type: 'file', accept: f.accept });
    } else {
      input = h('input', { ...common, type: f.type || 'text', value: f.value ?? '', min: f.min, max: f.max, pattern: f.pattern, placeholder: f.placeholder, spellcheck: 'false', autocomplete: 'off' });
    }
    inputs[f.name] = input;
    return h('div', { class: `field${f.half ? ' half' : ''}` }, h('label', { for: id }, f.label), input, f.hint ? h('small', { class: 'muted' }, f.hint) : null);
  };
  const plain = fields.filter((f) => !f.advanced).map(field);
  const advanced = fields.filter((f) => f.advanced);
  const error = h('p', { class: 'form-error', 'data-testid': 'dialog-error', role: 'alert', hidden: true });
  const ok = h('button', { class: `btn ${danger ? 'danger' : 'primary'}`, type: 'submit', 'data-testid': 'dialog-confirm' }, confirm);
  const cancel = h('button', { class: 'btn ghost', type: 'button', 'data-testid': 'dialog-cancel', onclick: () => d.close() }, 'Cancel');
  const form = h(
    'form',
    {
      method: 'dialog',
      class: 'dialog-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const values = {};
        for (const [name, input] of Object.entries(inputs)) {
          values[name] = input.type === 'checkbox' ? input.checked : input.type === 'file' ? input.files[0] || null : input.value;
        }
        ok.disabled = true;
        ok.classList.add('loading');
        error.hidden = true;
        try {
          await onConfirm(values);
          if (token === dialogToken) d.close();
        } catch (e) {
          if (token !== dialogToken) return;
          error.textContent = e instanceof ApiError ? e.text : String(e.message || e);
          error.hidden = false;
        } finally {
          ok.disabled = false;
          ok.classList.remove('loading');
        }
      },
    },
    h('h2', null, title),
    intro ? h('p', { class: 'dialog-intro' }, intro) : null,
    body || null,
    h('div', { class: 'fields' }, plain),
    advanced.length ? h('details', { class: 'advanced' }, h('summary', null, 'More settings'), h('div', { class: 'fields' }, advanced.map(field))) : null,
    error,
    h('div', { class: 'dialog-buttons' }, cancel, ok),
  );
  d.dataset.dialog = kind;
  d.replaceChildren(form);
  if (!d.open) d.showModal();
  const focus = form.querySelector('[autofocus]') || ok;
  focus.focus();
}

// Close on a click on the backdrop.
document.addEventListener('click', (e) => {
  const d = $('#dialog');
  if (d && d.open && e.target === d) d.close();
});

// ---------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------

function snapshotName() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `console-${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

const ACTIONS = {
  run: {
    label: 'Run', icon: 'play', from: ['READY'], testid: 'action-run',
    dialog: (name, app) => {
      const snaps = (app?.snapshots || []).filter((x) => x.SnapshotStatus === 'READY');
      const enabled = app?.detail ? snapshotsEnabled(app.detail) : true;
      return {
        title: `Run ${name}?`,
        intro: 'Starts a Flink cluster for the application (a Job Manager and one Task Manager per KPU) and submits its job. STARTING → RUNNING once every task runs.',
        confirm: 'Run',
        fields: [
          {
            name: 'restore', label: 'Restore state from', type: 'select', value: enabled ? 'RESTORE_FROM_LATEST_SNAPSHOT' : 'SKIP_RESTORE_FROM_SNAPSHOT',
            options: [
              ['RESTORE_FROM_LATEST_SNAPSHOT', 'The latest snapshot'],
              ['SKIP_RESTORE_FROM_SNAPSHOT', 'Nothing: start empty'],
              ...snaps.map((x) => [`custom:${x.SnapshotName}`, `Snapshot ${x.SnapshotName}`]),
            ],
          },
          { name: 'allowNonRestored', label: 'Allow non-restored state', type: 'checkbox', value: false, hint: 'Skip state that no operator of the new job claims' },
        ],
      };
    },
    perform: async (name, v) => {
      const restore = v.restore.startsWith('custom:')
        ? { ApplicationRestoreType: 'RESTORE_FROM_CUSTOM_SNAPSHOT', SnapshotName: v.restore.slice(7) }
        : { ApplicationRestoreType: v.restore };
      const res = await call('StartApplication', {
        ApplicationName: name,
        RunConfiguration: {
          ApplicationRestoreConfiguration: restore,
          FlinkRunConfiguration: { AllowNonRestoredState: v.allowNonRestored },
        },
      });
      return { opId: res.OperationId };
    },
  },
  stop: {
    label: 'Stop', icon: 'stop', from: ['RUNNING'], testid: 'action-stop',
    dialog: (name, app) => ({
      title: `Stop ${name}?`,
      intro: app?.detail && !snapshotsEnabled(app.detail)
        ? 'Cancels the job and releases its cluster (snapshots are off: its state is not kept). STOPPING → READY.'
        : 'Stops the job with a snapshot of its state and releases its cluster. STOPPING → READY once the snapshot is taken.',
      confirm: 'Stop',
    }),
    perform: async (name) => ({ opId: (await call('StopApplication', { ApplicationName: name, Force: false })).OperationId }),
  },
  force: {
    label: 'Force stop', icon: 'bolt', from: FORCE_FROM, testid: 'action-force-stop',
    dialog: (name) => ({
      title: `Force stop ${name}?`,
      intro: 'Kills the cluster now, without a snapshot: state since the last snapshot is lost. FORCE_STOPPING → READY in seconds.',
      confirm: 'Force stop',
      danger: true,
    }),
    perform: async (name) => ({ opId: (await call('StopApplication', { ApplicationName: name, Force: true })).OperationId }),
  },
  snapshot: {
    label: 'Snapshot', icon: 'camera', from: ['RUNNING'], testid: 'action-snapshot',
    dialog: (name) => ({
      title: `Snapshot ${name}`,
      intro: 'Takes a savepoint of the running job. The job keeps running; the snapshot is CREATING until Flink has written it.',
      confirm: 'Take snapshot',
      fields: [{ name: 'snapshot', label: 'Snapshot name', value: snapshotName(), required: true, pattern: '[a-zA-Z0-9_.\\-]{1,256}', autofocus: true }],
    }),
    perform: async (name, v) => {
      await call('CreateApplicationSnapshot', { ApplicationName: name, SnapshotName: v.snapshot.trim() });
      return { snapshot: v.snapshot.trim() };
    },
  },
  rollback: {
    label: 'Rollback', icon: 'undo', from: ['RUNNING', 'UPDATING', 'AUTOSCALING'], testid: 'action-rollback',
    enabled: (d) => (d?.ApplicationVersionId || 1) > 1 || 'There is no earlier version',
    dialog: (name, app) => {
      const d = app?.detail;
      const from = d?.ApplicationVersionUpdatedFrom ?? (d ? d.ApplicationVersionId - 1 : null);
      return {
        title: `Roll back ${name}?`,
        intro: `Goes back to the configuration of version ${from ?? 'before'} as a new version, restored from the last snapshot. ROLLING_BACK → RUNNING; the version left is marked ROLLED_BACK.`,
        confirm: 'Roll back',
      };
    },
    perform: async (name, v, app) => {
      const res = await call('RollbackApplication', { ApplicationName: name, CurrentApplicationVersionId: app.detail.ApplicationVersionId });
      return { opId: res.OperationId };
    },
  },
  parallelism: {
    label: 'Parallelism', icon: 'scale', from: ['READY', 'RUNNING'], testid: 'action-parallelism',
    dialog: (name, app) => {
      const p = parallelismOf(app?.detail);
      return {
        title: `Update the parallelism of ${name}`,
        intro: app?.detail?.ApplicationStatus === 'RUNNING'
          ? 'A live update: UPDATING → snapshot → the job restarts at the new parallelism on a cluster that fits, restored → RUNNING.'
          : 'Makes a new version; the next run uses it.',
        confirm: 'Update',
        fields: [
          { name: 'parallelism', label: 'Parallelism', type: 'number', value: p.Parallelism ?? 1, min: 1, max: 256, required: true, half: true, autofocus: true },
          { name: 'perKpu', label: 'Parallelism per KPU', type: 'number', value: p.ParallelismPerKPU ?? 1, min: 1, max: 8, required: true, half: true },
          { name: 'autoscaling', label: 'Autoscaling', type: 'checkbox', value: !!p.AutoScalingEnabled, hint: 'Let Weir scale it with the load' },
        ],
      };
    },
    perform: async (name, v, app) => {
      const res = await call('UpdateApplication', {
        ApplicationName: name,
        CurrentApplicationVersionId: app.detail.ApplicationVersionId,
        ApplicationConfigurationUpdate: {
          FlinkApplicationConfigurationUpdate: {
            ParallelismConfigurationUpdate: {
              ConfigurationTypeUpdate: 'CUSTOM',
              ParallelismUpdate: Number(v.parallelism),
              ParallelismPerKPUUpdate: Number(v.perKpu),
              AutoScalingEnabledUpdate: v.autoscaling,
            },
          },
        },
      });
      return { opId: res.OperationId };
    },
  },
  delete: {
    label: 'Delete', icon: 'trash', from: ['READY', 'RUNNING'], testid: 'action-delete', danger: true,
    dialog: (name) => ({
      title: `Delete ${name}?`,
      intro: 'Stops the application if it runs and deletes it with every version and snapshot. Its log stays readable. This cannot be undone.',
      confirm: 'Delete application',
      danger: true,
      fields: [{ name: 'confirmName', label: `Type ${name} to confirm`, required: true, placeholder: name, autofocus: true }],
    }),
    perform: async (name, v, app) => {
      if (v.confirmName.trim() !== name) throw new ApiError('Confirmation', `Type the name “${name}” to delete it`);
      const d = app?.detail || (await call('DescribeApplication', { ApplicationName: name })).ApplicationDetail;
      await call('DeleteApplication', { ApplicationName: name, CreateTimestamp: d.CreateTimestamp });
      return { deleted: true };
    },
  },
};

function snapshotsEnabled(d) {
  return d?.ApplicationConfigurationDescription?.ApplicationSnapshotConfigurationDescription?.SnapshotsEnabled !== false;
}

function parallelismOf(d) {
  return d?.ApplicationConfigurationDescription?.FlinkApplicationConfigurationDescription?.ParallelismConfigurationDescription || {};
}

function allowed(key, detail) {
  const a = ACTIONS[key];
  const st = detail?.ApplicationStatus;
  if (!st) return 'Loading';
  if (!a.from.includes(st)) return `Not while ${words(st).toLowerCase()} (from ${a.from.map((x) => words(x).toLowerCase()).join(', ')})`;
  if (key === 'snapshot' && !snapshotsEnabled(detail)) return 'Snapshots are off for this application';
  if (a.enabled) {
    const ok = a.enabled(detail);
    if (ok !== true) return ok;
  }
  return true;
}

// Asks for confirmation, performs the action, then shows what it did: a toast
// and (on the application's page) a banner that follows the operation.
function doAction(key, name) {
  const a = ACTIONS[key];
  const app = state.app && state.app.name === name ? state.app : null;
  const spec = a.dialog(name, app);
  openDialog({
    kind: key,
    ...spec,
    onConfirm: async (v) => {
      const before = app?.detail?.ApplicationStatus || state.apps?.find((x) => x.ApplicationName === name)?.ApplicationStatus;
      const out = await a.perform(name, v, app);
      let status = null;
      if (!out.deleted) {
        try {
          status = (await call('DescribeApplication', { ApplicationName: name })).ApplicationDetail?.ApplicationStatus;
        } catch {
          /* shown by the next poll */
        }
      }
      const record = { key, label: a.label, name, at: Date.now(), before, status, ...out };
      if (app && state.app === app) {
        app.action = record;
        if (status && app.detail) app.detail = { ...app.detail, ApplicationStatus: status };
        renderApp();
      }
      if (out.deleted) {
        toast(h('span', null, 'Deleting ', h('b', null, name), '…'), 'info');
        if (state.route.view === 'app') location.hash = '#/';
      } else {
        toast(
          h('span', null, h('b', null, a.label), ` ${name}: accepted`, out.opId ? ` · operation ${short(out.opId)}` : '', out.snapshot ? ` · ${out.snapshot}` : '', ' · now ', badge(status || before)),
          'ok',
        );
      }
      const cached = state.apps?.find((x) => x.ApplicationName === name);
      if (cached && status) cached.ApplicationStatus = status;
      renderList();
      kick();
    },
  });
}

// ---------------------------------------------------------------------------
// One application
// ---------------------------------------------------------------------------

function openApp(name) {
  if (!state.app || state.app.name !== name) state.app = freshApp(name);
  const app = state.app;
  crumbs(h('a', { href: '#/', class: 'crumb' }, 'Applications'), h('span', { class: 'crumb current' }, name));
  const card = (id, title, extra, cls = '') =>
    h('section', { class: `card ${cls}`, id: `card-${id}`, 'data-testid': `card-${id}` },
      h('header', { class: 'card-head' }, h('h2', null, title), h('div', { class: 'card-extra', id: `${id}-extra` }, extra)),
      h('div', { class: 'card-body', id: `${id}-body` }));
  $('#main').replaceChildren(
    h('section', { class: 'page app-page', 'data-testid': 'app-page', 'data-app': name },
      h('div', { id: 'app-head', class: 'app-head' }),
      h('div', { id: 'app-banner' }),
      h('div', { id: 'app-tiles', class: 'tiles' }),
      h('div', { id: 'app-ribbon', class: 'ribbon-wrap' }),
      h('div', { class: 'grid charts' },
        card('throughput', 'Throughput', null, 'chart-card'),
        card('cpu', 'CPU', null, 'chart-card'),
        card('checkpoints', 'Checkpoints', null, 'chart-card')),
      card('cluster', 'Cluster'),
      h('div', { class: 'grid two' }, card('timeline', 'Timeline'), card('operations', 'Operations')),
      h('div', { class: 'grid two' }, card('snapshots', 'Snapshots'), card('versions', 'Versions')),
      h('div', { class: 'grid two wide-left' }, card('log', 'Log'), card('config', 'Configuration')),
    ),
  );
  renderApp();
  schedule([
    {
      name: 'describe',
      every: FAST_MS,
      run: async (current) => {
        try {
          // IncludeAdditionalDetails: Weir adds where it runs (WeirPlacement).
          const res = await call('DescribeApplication', { ApplicationName: name, IncludeAdditionalDetails: true });
          if (!current()) return;
          app.detail = res.ApplicationDetail;
          app.error = null;
          app.gone = false;
          const st = app.detail.ApplicationStatus;
          if (app.lastStatus && app.lastStatus !== st) kick('heavy');
          app.lastStatus = st;
          const arn = app.detail.ApplicationARN;
          if (arn) state.accountId = arn.split(':')[4] || state.accountId;
        } catch (e) {
          if (!current()) return;
          app.error = e;
          if (e.type === 'ResourceNotFoundException') app.gone = true;
          throw e;
        } finally {
          if (current()) renderApp();
        }
      },
    },
    {
      name: 'heavy',
      // Faster while something is in progress, so an operation's end shows soon.
      every: () => (inProgress(app) ? 2000 : SLOW_MS),
      run: async (current) => {
        if (app.gone) return;
        await Promise.allSettled([
          loadMetrics(app, current),
          loadOperations(app, current),
          loadSnapshots(app, current),
          loadVersions(app, current),
          loadTimeline(app, current),
          loadLog(app, current),
        ]);
        if (current()) renderApp();
      },
    },
  ]);
}

function inProgress(app) {
  const st = app.detail?.ApplicationStatus;
  return (st && st !== 'READY' && st !== 'RUNNING') ||
    (app.ops || []).some((o) => o.OperationStatus === 'IN_PROGRESS') ||
    (app.snapshots || []).some((x) => x.SnapshotStatus === 'CREATING');
}

async function loadMetrics(app, current) {
  try {
    const m = await metricsOf(app.name, HOUR_S);
    if (!current()) return;
    app.metrics = m;
    app.metricsError = null;
  } catch (e) {
    if (!current()) return;
    app.metrics = null;
    app.metricsError = e;
  }
}

async function loadOperations(app, current) {
  const res = await call('ListApplicationOperations', { ApplicationName: app.name, Limit: 20 });
  if (!current()) return;
  const list = (res.ApplicationOperationInfoList || []).slice().sort((a, b) => (b.StartTime || 0) - (a.StartTime || 0));
  app.ops = list;
  // Details (failure text, version change) once an operation has ended, and
  // while it runs; ended ones never change again.
  const need = list.filter((o) => {
    const d = app.opDetails.get(o.OperationId);
    return !d || d.OperationStatus === 'IN_PROGRESS' || d.OperationStatus !== o.OperationStatus;
  }).slice(0, 10);
  const got = await Promise.allSettled(need.map((o) => call('DescribeApplicationOperation', { ApplicationName: app.name, OperationId: o.OperationId })));
  if (!current()) return;
  need.forEach((o, i) => {
    if (got[i].status === 'fulfilled') app.opDetails.set(o.OperationId, got[i].value.ApplicationOperationInfoDetails || {});
  });
}

async function loadSnapshots(app, current) {
  const res = await call('ListApplicationSnapshots', { ApplicationName: app.name, Limit: 50 });
  if (!current()) return;
  app.snapshots = (res.SnapshotSummaries || []).slice().sort((a, b) => (b.SnapshotCreationTimestamp || 0) - (a.SnapshotCreationTimestamp || 0));
}

async function loadVersions(app, current) {
  const res = await call('ListApplicationVersions', { ApplicationName: app.name, Limit: 50 });
  if (!current()) return;
  const list = (res.ApplicationVersionSummaries || []).slice().sort((a, b) => b.ApplicationVersionId - a.ApplicationVersionId);
  app.versions = list;
  const need = list.slice(0, 8).filter((v) => !app.versionDetails.has(v.ApplicationVersionId));
  const got = await Promise.allSettled(need.map((v) => call('DescribeApplicationVersion', { ApplicationName: app.name, ApplicationVersionId: v.ApplicationVersionId })));
  if (!current()) return;
  need.forEach((v, i) => {
    if (got[i].status === 'fulfilled') app.versionDetails.set(v.ApplicationVersionId, got[i].value.ApplicationVersionDetail || {});
  });
}

function group(app) {
  return `/aws/kinesis-analytics/${app.name}`;
}

function recordOf(raw) {
  try {
    const r = JSON.parse(raw);
    if (r && typeof r === 'object') return r;
  } catch {
    /* plain text */
  }
  return { message: raw };
}

async function loadTimeline(app, current) {
  try {
    const res = await logs('FilterLogEvents', {
      logGroupName: group(app),
      filterPattern: '?"status changed from" ?"switched from state" ?"updated to version"',
      startFromHead: false,
      limit: 100,
    });
    if (!current()) return;
    app.timeline = (res.events || []).map((e) => ({ ts: e.timestamp, id: e.eventId, ...recordOf(e.message) }));
  } catch (e) {
    if (!current()) return;
    if (e.type === 'ResourceNotFoundException') app.timeline = [];
    else throw e;
  }
}

async function loadLog(app, current) {
  try {
    const res = await logs('GetLogEvents', { logGroupName: group(app), logStreamName: LOG_STREAM, startFromHead: false, limit: 60 });
    if (!current()) return;
    app.log = (res.events || []).map((e) => ({ ts: e.timestamp, ...recordOf(e.message) }));
  } catch (e) {
    if (!current()) return;
    if (e.type === 'ResourceNotFoundException') app.log = [];
    else throw e;
  }
}

// The metrics while the application has a cluster; once it is READY only
// their history still means something.
function liveMetrics(app) {
  const m = app.metrics;
  if (!m || app.detail?.ApplicationStatus !== 'READY') return m;
  return { ...m, Job: null, JobManager: null, TaskManagers: [] };
}

function renderApp() {
  const app = state.app;
  if (!app || state.route.view !== 'app') return;
  const d = app.detail;
  if (!d) {
    patch($('#app-head'), ['loading', app.error?.text], () =>
      app.error ? errorBox(app.error, app.gone ? h('a', { href: '#/', class: 'btn' }, 'Back to the applications') : null) : h('div', { class: 'head-skel' }));
    return;
  }
  if (app.gone) {
    patch($('#app-banner'), ['gone'], () => h('div', { class: 'banner tone-warn' }, `${app.name} no longer exists. `, h('a', { href: '#/' }, 'Back to the applications')));
  }
  renderHead(app);
  renderBanner(app);
  renderTiles(app);
  renderRibbon(app);
  renderCharts(app);
  renderCluster(app);
  renderTimeline(app);
  renderOperations(app);
  renderSnapshots(app);
  renderVersions(app);
  renderLog(app);
  renderConfig(app);
}

// The Flink job's status: from the metrics, else from the newest job line
// of the log (while the application has a cluster).
function jobStatus(app) {
  const m = liveMetrics(app);
  if (m?.Job?.JobStatus) return m.Job.JobStatus;
  if (!app.detail || app.detail.ApplicationStatus === 'READY') return null;
  for (const e of app.timeline || []) {
    const j = /^Job .* switched from state \w+ to (\w+)/.exec(e.message || '');
    if (j) return j[1];
  }
  return null;
}

function renderHead(app) {
  const d = app.detail;
  const p = parallelismOf(d);
  const job = jobStatus(app);
  const kpus = liveMetrics(app)?.Job?.KPUs ?? (p.CurrentParallelism || p.Parallelism ? Math.ceil((p.CurrentParallelism || p.Parallelism) / (p.ParallelismPerKPU || 1)) : null);
  const acts = ['run', 'stop', 'force', 'snapshot', 'rollback', 'parallelism', 'delete'];
  const placed = d.WeirPlacement?.Cluster || null;
  const wanted = placementOf(d);
  const key = [d.ApplicationStatus, d.ApplicationVersionId, job, kpus, p, d.ApplicationDescription, d.RuntimeEnvironment, placed, wanted, acts.map((k) => allowed(k, d))];
  patch($('#app-head'), key, () => [
    h('div', { class: 'app-title' },
      h('div', { class: 'title-line' },
        h('h1', null, app.name),
        badge(d.ApplicationStatus, { testid: 'app-status', big: true })),
      h('div', { class: 'app-meta' },
        h('span', { class: 'meta-item', title: 'Flink job status' }, h('span', { class: 'muted' }, 'Job '), job ? badge(job, { testid: 'job-status' }) : h('span', { class: 'muted', 'data-testid': 'job-status', 'data-status': '' }, d.ApplicationStatus === 'READY' ? 'not running' : '–')),
        h('span', { class: 'meta-item' }, h('span', { class: 'muted' }, 'Runtime '), runtimeLabel(d.RuntimeEnvironment)),
        h('span', { class: 'meta-item', title: 'Where the application runs: a registered Flink cluster, or Weir’s own (local). Property weir.placement.cluster chooses.' },
          h('span', { class: 'muted' }, 'Runs on '),
          placed
            ? (placed === 'local'
              ? h('b', { 'data-testid': 'runs-on', 'data-cluster': placed }, 'local')
              : h('a', { href: '#/clusters', 'data-testid': 'runs-on', 'data-cluster': placed }, h('b', null, placed)))
            : h('span', { class: 'muted', 'data-testid': 'runs-on', 'data-cluster': '' }, d.ApplicationStatus === 'READY' ? `– (${wanted} when started)` : '–')),
        h('span', { class: 'meta-item' }, h('span', { class: 'muted' }, 'Version '), h('b', { 'data-testid': 'app-version' }, d.ApplicationVersionId)),
        h('span', { class: 'meta-item' }, h('span', { class: 'muted' }, 'Parallelism '), h('b', null, p.CurrentParallelism ?? p.Parallelism ?? '–'), p.AutoScalingEnabled ? h('span', { class: 'chip', title: 'Autoscaling is on' }, 'auto') : null),
        h('span', { class: 'meta-item' }, h('span', { class: 'muted' }, 'KPUs '), h('b', null, kpus ?? '–')),
        h('span', { class: 'meta-item' }, h('span', { class: 'muted' }, 'Updated '), when(d.LastUpdateTimestamp || d.CreateTimestamp)),
      ),
      d.ApplicationDescription ? h('p', { class: 'app-desc' }, d.ApplicationDescription) : null,
    ),
    h('div', { class: 'actions', 'data-testid': 'actions' },
      acts.map((k) => {
        const a = ACTIONS[k];
        const ok = allowed(k, d);
        return h('button', {
          class: `btn${a.danger ? ' danger-ghost' : ''}${k === 'run' || k === 'stop' ? ' strong' : ''}`,
          type: 'button',
          'data-testid': a.testid,
          disabled: ok !== true,
          title: ok === true ? a.label : ok,
          onclick: () => doAction(k, app.name),
        }, h('i', { class: `ico ${a.icon}`, 'aria-hidden': 'true' }), a.label);
      }),
      h('button', {
        class: 'btn ghost', type: 'button', 'data-testid': 'action-dashboard',
        disabled: !['RUNNING', 'UPDATING', 'AUTOSCALING', 'ROLLING_BACK', 'MAINTENANCE'].includes(d.ApplicationStatus),
        title: 'Open the Flink dashboard of this application',
        onclick: () => openDashboard(app.name),
      }, h('i', { class: 'ico ext', 'aria-hidden': 'true' }), 'Flink dashboard'),
    ),
  ]);
}

async function openDashboard(name) {
  // Opened before the call so that the popup is not blocked.
  const win = window.open('about:blank', '_blank');
  try {
    const res = await call('CreateApplicationPresignedUrl', { ApplicationName: name, UrlType: 'FLINK_DASHBOARD_URL', SessionExpirationDurationInSeconds: 1800 });
    if (!res.AuthorizedUrl) throw new ApiError('NoUrl', 'The server returned no AuthorizedUrl');
    if (win) {
      win.opener = null;
      win.location.href = res.AuthorizedUrl;
    } else {
      location.href = res.AuthorizedUrl;
    }
  } catch (e) {
    if (win) win.close();
    toast(`Flink dashboard: ${e instanceof ApiError ? e.text : e.message}`, 'bad', 8000);
  }
}

function renderBanner(app) {
  const a = app.action;
  if (!a || app.gone) {
    if (!app.gone) patch($('#app-banner'), ['none'], () => null);
    return;
  }
  const d = app.detail;
  const op = a.opId ? app.opDetails.get(a.opId) || (app.ops || []).find((o) => o.OperationId === a.opId) : null;
  const snap = a.snapshot ? (app.snapshots || []).find((x) => x.SnapshotName === a.snapshot) : null;
  const opStatus = op?.OperationStatus || (a.opId ? 'IN_PROGRESS' : null);
  const snapStatus = snap?.SnapshotStatus || (a.snapshot ? 'CREATING' : null);
  const result = opStatus || snapStatus;
  const done = result && result !== 'IN_PROGRESS' && result !== 'CREATING';
  const failText = op?.OperationFailureDetails?.ErrorInfo?.ErrorString;
  const t = done ? (result === 'SUCCESSFUL' || result === 'READY' ? 'ok' : result === 'FAILED' ? 'bad' : 'idle') : 'busy';
  const endMs = toMs(op?.EndTime);
  const took = done && endMs ? (endMs - a.at) / 1000 : null;
  patch($('#app-banner'), [a, opStatus, snapStatus, d.ApplicationStatus, failText, took != null ? Math.round(took * 10) : null], () =>
    h('div', { class: `banner tone-${t}`, 'data-testid': 'action-result', 'data-state': done ? result : 'IN_PROGRESS', 'data-action': a.key },
      h('div', { class: 'banner-main' },
        h('i', { class: `banner-ico ${done ? (t === 'ok' ? 'is-check' : 'is-dot') : 'is-spin'}`, 'aria-hidden': 'true' }),
        h('b', null, a.label),
        h('span', null, a.opId ? ` · operation ${short(a.opId)} ` : a.snapshot ? ` · snapshot ${a.snapshot} ` : ' '),
        result ? badge(result, { snapshot: !!a.snapshot }) : null,
        h('span', { class: 'muted' }, ' · application '),
        badge(d.ApplicationStatus),
        h('span', { class: 'muted banner-time' }, done && took != null ? ` · took ${fmtSpan(Math.max(0, took))}` : done ? '' : h('span', null, ' · ', h('span', { 'data-since': a.at }, fmtSpan((Date.now() - a.at) / 1000)))),
      ),
      failText ? h('pre', { class: 'fail-text' }, failText) : null,
      h('button', { class: 'icon-btn banner-close', type: 'button', title: 'Dismiss', onclick: () => { app.action = null; renderApp(); } }, '×'),
    ));
}

function tile(label, value, sub, spark, cls = '', testid) {
  return h('div', { class: `tile ${cls}`, 'data-testid': testid },
    h('div', { class: 'tile-label' }, label),
    h('div', { class: 'tile-value' }, value),
    h('div', { class: 'tile-sub muted' }, sub || ' '),
    spark ? h('div', { class: 'tile-spark' }, spark) : null);
}

function hist(app, key) {
  return (app.metrics?.History || []).map((p) => [p.Timestamp, p[key]]);
}

function renderTiles(app) {
  const m = liveMetrics(app);
  const j = m?.Job;
  const key = [m?.CollectedAt, m?.History?.length, j, m?.JobManager, (m?.TaskManagers || []).length, app.metricsError?.type, app.detail.ApplicationStatus];
  patch($('#app-tiles'), key, () => {
    const tms = m?.TaskManagers || [];
    const heapUsed = tms.reduce((a, t) => a + (t.HeapUsed || 0), 0);
    const heapMax = tms.reduce((a, t) => a + (t.HeapMax || 0), 0);
    const slots = tms.reduce((a, t) => a + (t.Slots || 0), 0);
    const free = tms.reduce((a, t) => a + (t.FreeSlots || 0), 0);
    const cpu = avg(tms.map((t) => t.CpuUtilization));
    return [
      tile('Records in', isNum(j?.RecordsInPerSecond) ? h('span', null, fmtCount(j.RecordsInPerSecond), h('small', null, '/s')) : '–', isNum(j?.RecordsOutPerSecond) ? `${fmtCount(j.RecordsOutPerSecond)}/s out` : noMetrics(app), sparkline(hist(app, 'RecordsInPerSecond'), { cls: 'spark-a' }), '', 'tile-records'),
      tile('CPU', fmtPct(cpu ?? (app.detail.ApplicationStatus === 'READY' ? null : lastOf(hist(app, 'CpuUtilization')))), tms.length ? `${tms.length} Task Manager${tms.length === 1 ? '' : 's'}` : noMetrics(app), sparkline(hist(app, 'CpuUtilization'), { cls: 'spark-b', min: 100 }), '', 'tile-cpu'),
      tile('Heap', heapMax ? fmtPct((heapUsed / heapMax) * 100) : '–', heapMax ? `${fmtBytes(heapUsed)} of ${fmtBytes(heapMax)}` : slots ? '' : noMetrics(app), heapMax ? meter(heapUsed / heapMax) : null, '', 'tile-heap'),
      tile('Last checkpoint', fmtMs(j?.LastCheckpointDuration), isNum(j?.LastCheckpointSize) ? `${fmtBytes(j.LastCheckpointSize)}${j.NumberOfFailedCheckpoints ? ` · ${j.NumberOfFailedCheckpoints} failed` : ''}` : j ? 'no checkpoint yet' : noMetrics(app), sparkline(hist(app, 'LastCheckpointDuration'), { cls: 'spark-c' }), j?.NumberOfFailedCheckpoints ? 'warn' : '', 'tile-checkpoint'),
      tile('Uptime', isNum(j?.Uptime) && j.Uptime > 0 ? fmtMs(j.Uptime) : '–', j ? `${j.NumRestarts ?? 0} restart${j.NumRestarts === 1 ? '' : 's'}` : noMetrics(app), slots ? h('div', { class: 'slots-line' }, slotDots(slots, free)) : null, j?.NumRestarts ? 'warn' : '', 'tile-uptime'),
    ];
  });
}

function noMetrics(app) {
  if (app.detail?.ApplicationStatus === 'READY') return 'not running';
  if (app.metricsError) return metricsRefused(app.metricsError) ? 'no metrics on this server' : 'no metrics yet';
  return 'no metrics yet';
}

function avg(xs) {
  const v = xs.filter(isNum);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

function lastOf(points) {
  for (let i = points.length - 1; i >= 0; i--) if (isNum(points[i][1])) return points[i][1];
  return null;
}

function meter(frac, cls = '') {
  const f = Math.max(0, Math.min(1, isNum(frac) ? frac : 0));
  const bar = h('i');
  bar.style.width = `${(f * 100).toFixed(1)}%`;
  return h('div', { class: `meter ${f > 0.9 ? 'hot' : f > 0.75 ? 'warm' : ''} ${cls}` }, bar);
}

function slotDots(total, free) {
  const n = Math.min(total, 32);
  const used = Math.max(0, total - (free || 0));
  return [
    h('span', { class: 'slot-dots', title: `${used} of ${total} slots in use` }, Array.from({ length: n }, (_, i) => h('i', { class: i < used ? 'on' : '' }))),
    h('span', { class: 'muted' }, ` ${used}/${total} slots`),
  ];
}

// A strip of the application's status over the last hour, from the log.
function renderRibbon(app) {
  const now = Date.now();
  const hourAgo = now - HOUR_S * 1000;
  const born = toMs(app.detail.CreateTimestamp) || hourAgo;
  // A young application's strip starts when it was created.
  const from = Math.min(Math.max(hourAgo, born), now - 60 * 1000);
  const changes = (app.timeline || [])
    .map((e) => ({ ts: e.ts, m: /status changed from (\w+) to (\w+)/.exec(e.message || '') }))
    .filter((e) => e.m)
    .sort((a, b) => a.ts - b.ts);
  const minute = Math.floor(now / 60000);
  patch($('#app-ribbon'), [changes.map((c) => [c.ts, c.m[2]]), app.detail.ApplicationStatus, minute, app.timeline == null], () => {
    if (app.timeline == null) return null;
    const segs = [];
    let cur = null;
    let start = Math.max(from, born);
    const before = changes.filter((c) => c.ts < from);
    if (before.length) cur = before[before.length - 1].m[2];
    else if (changes.length) cur = changes.find((c) => c.ts >= from)?.m[1] || null;
    else cur = app.detail.ApplicationStatus;
    for (const c of changes.filter((c) => c.ts >= from)) {
      if (cur) segs.push([start, c.ts, cur]);
      cur = c.m[2];
      start = c.ts;
    }
    segs.push([start, now, app.detail.ApplicationStatus || cur]);
    const bar = h('div', { class: 'ribbon', 'data-testid': 'status-ribbon' },
      segs.filter(([a, b]) => b > a).map(([a, b, st]) => {
        const seg = h('i', { class: `tone-${tone(st)}`, title: `${words(st)} · ${fmtTime(a)} – ${fmtTime(b)} (${fmtSpan((b - a) / 1000)})` });
        seg.style.left = `${((a - from) / (now - from)) * 100}%`;
        seg.style.width = `${Math.max(0.15, ((b - a) / (now - from)) * 100)}%`;
        return seg;
      }));
    return h('div', { class: 'ribbon-box' },
      h('span', { class: 'ribbon-label muted' }, from > hourAgo ? 'Status since created' : 'Status, last hour'),
      bar,
      h('div', { class: 'ribbon-axis muted' }, h('span', null, fmtTime(from)), h('span', null, 'now')));
  });
}

function renderCharts(app) {
  const m = app.metrics;
  const H = m?.History || [];
  const key = [m?.CollectedAt, H.length, H[H.length - 1]?.Timestamp, app.metricsError?.type, app.detail.ApplicationStatus];
  const empty = (why) => h('div', { class: 'chart-empty muted' }, chartEmptyArt(), why || noMetrics(app));
  const has = (k) => H.some((p) => isNum(p[k]));
  patch($('#throughput-body'), key, () =>
    H.length < 2 || !(has('RecordsInPerSecond') || has('RecordsOutPerSecond')) ? empty() : chart({
      id: 'throughput',
      series: [
        { name: 'In', cls: 's-a', points: H.map((p) => [p.Timestamp, p.RecordsInPerSecond]) },
        { name: 'Out', cls: 's-b', points: H.map((p) => [p.Timestamp, p.RecordsOutPerSecond]) },
      ],
      fmt: (v) => fmtCount(v) + '/s',
    }));
  patch($('#cpu-body'), key, () =>
    H.length < 2 || !has('CpuUtilization') ? empty() : chart({
      id: 'cpu',
      series: [{ name: 'CPU', cls: 's-b', points: H.map((p) => [p.Timestamp, p.CpuUtilization]) }],
      fmt: fmtPct,
      minMax: 100,
    }));
  patch($('#checkpoints-body'), key, () =>
    H.length < 2 ? empty() : !has('LastCheckpointDuration') ? empty('no checkpoint yet') : chart({
      id: 'checkpoints',
      series: [{ name: 'Duration', cls: 's-c', points: H.map((p) => [p.Timestamp, p.LastCheckpointDuration]), step: true }],
      fmt: fmtMs,
      extra: (i) => (isNum(H[i]?.LastCheckpointSize) ? `size ${fmtBytes(H[i].LastCheckpointSize)}` : null),
    }));
  const j = liveMetrics(app)?.Job;
  patch($('#throughput-extra'), [j?.RecordsInPerSecond, j?.RecordsOutPerSecond], () =>
    j ? [legend('s-a', 'in', fmtCount(j.RecordsInPerSecond) + '/s'), legend('s-b', 'out', fmtCount(j.RecordsOutPerSecond) + '/s')] : null);
  const cpuNow = lastOf(H.map((p) => [p.Timestamp, p.CpuUtilization]));
  patch($('#cpu-extra'), [cpuNow], () => (isNum(cpuNow) ? legend('s-b', 'now', fmtPct(cpuNow)) : null));
  patch($('#checkpoints-extra'), [j?.LastCheckpointDuration, j?.LastCheckpointSize], () =>
    j ? legend('s-c', 'last', `${fmtMs(j.LastCheckpointDuration)} · ${fmtBytes(j.LastCheckpointSize)}`) : null);
}

function legend(cls, label, value) {
  return h('span', { class: 'legend' }, h('i', { class: `sw ${cls}` }), h('span', { class: 'muted' }, label, ' '), h('b', null, value));
}

function chartEmptyArt() {
  return s('svg', { viewBox: '0 0 120 40', class: 'empty-spark', 'aria-hidden': 'true' },
    s('path', { d: 'M0 30 C15 30 20 18 35 20 S55 34 70 26 S95 8 120 14', fill: 'none' }));
}

// ---------------------------------------------------------------------------
// Charts (SVG)
// ---------------------------------------------------------------------------

function sparkline(points, { cls = 'spark-a', min = 0 } = {}) {
  const pts = points.filter((p) => isNum(p[0]) && isNum(p[1]));
  const W = 120;
  const H = 32;
  if (pts.length < 2) return s('svg', { class: `spark ${cls}`, viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', 'aria-hidden': 'true' });
  const t0 = pts[0][0];
  const t1 = pts[pts.length - 1][0];
  const max = Math.max(min || 0, ...pts.map((p) => p[1] * 1.15)) || 1;
  const x = (t) => ((t - t0) / (t1 - t0 || 1)) * W;
  const y = (v) => H - 2 - (v / max) * (H - 4);
  const line = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)} ${y(p[1]).toFixed(1)}`).join('');
  const area = `${line}L${W} ${H}L0 ${H}Z`;
  return s('svg', { class: `spark ${cls}`, viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', 'aria-hidden': 'true' },
    s('path', { class: 'spark-area', d: area }),
    s('path', { class: 'spark-line', d: line, 'vector-effect': 'non-scaling-stroke' }));
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const e = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (v <= m * e) return m * e;
  return 10 * e;
}

const hover = new Map(); // chart id -> pointer x (px) while the pointer is over it

// An area chart of `series` ([{name, cls, points: [[epoch s, value|null]], step}])
// sized to its container, with a crosshair and values under the pointer.
function chart(opts) {
  const wrap = h('div', { class: 'chart', 'data-testid': `chart-${opts.id}` });
  const draw = () => drawChart(wrap, opts);
  requestAnimationFrame(draw);
  const ro = new ResizeObserver(() => {
    if (!wrap.isConnected) {
      ro.disconnect();
      return;
    }
    if (wrap.__w !== wrap.clientWidth) draw();
  });
  ro.observe(wrap);
  return wrap;
}

function drawChart(wrap, { id, series, fmt, fmtAxis, minMax = 0, extra }) {
  const W = Math.max(200, wrap.clientWidth || 320);
  wrap.__w = wrap.clientWidth;
  const H = 150;
  const m = { l: 46, r: 10, t: 10, b: 22 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const ts = series[0].points.map((p) => p[0]);
  const now = Date.now() / 1000;
  const t1 = Math.max(ts[ts.length - 1] || now, now - 5);
  const t0 = Math.min(ts[0], t1 - 300);
  const vals = series.flatMap((x) => x.points.map((p) => p[1])).filter(isNum);
  const top = Math.max(...vals, 0);
  const vmax = minMax && top <= minMax ? minMax : niceMax(top * 1.05);
  const X = (t) => m.l + ((t - t0) / (t1 - t0 || 1)) * iw;
  const Y = (v) => m.t + ih - (v / vmax) * ih;
  const svg = s('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-label': series.map((x) => x.name).join(', ') });
  const defs = s('defs');
  svg.append(defs);
  // Grid and y labels.
  for (let i = 0; i <= 3; i++) {
    const v = (vmax / 3) * i;
    const y = Y(v);
    svg.append(s('line', { x1: m.l, x2: W - m.r, y1: y, y2: y, class: i ? 'grid' : 'axis' }));
    svg.append(s('text', { x: m.l - 6, y: y + 3.5, class: 'ylab', 'text-anchor': 'end' }, (fmtAxis || fmt)(v).replace(/\/s$/, '')));
  }
  // Time labels: about every 100 px, on round minutes.
  const span = t1 - t0;
  const step = [60, 120, 300, 600, 900, 1800, 3600].find((st) => (st / span) * iw >= 90) || 3600;
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const x = X(t);
    if (x < m.l + 14 || x > W - m.r - 14) continue;
    svg.append(s('line', { x1: x, x2: x, y1: m.t, y2: m.t + ih, class: 'grid v' }));
    svg.append(s('text', { x, y: H - 6, class: 'xlab', 'text-anchor': 'middle' }, new Date(t * 1000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  }
  // Series: an area with a gradient and a line, broken at gaps.
  series.forEach((ser, k) => {
    const gid = `g-${id}-${k}`;
    defs.append(s('linearGradient', { id: gid, x1: 0, y1: 0, x2: 0, y2: 1, class: ser.cls },
      s('stop', { offset: '0%', class: 'stop-top' }), s('stop', { offset: '100%', class: 'stop-bottom' })));
    const runs = [];
    let cur = [];
    for (const [t, v] of ser.points) {
      if (isNum(v)) cur.push([X(t), Y(v)]);
      else if (cur.length) {
        runs.push(cur);
        cur = [];
      }
    }
    if (cur.length) runs.push(cur);
    for (const r of runs) {
      let d = '';
      r.forEach(([x, y], i) => {
        if (!i) d += `M${x.toFixed(1)} ${y.toFixed(1)}`;
        else if (ser.step) d += `H${x.toFixed(1)}V${y.toFixed(1)}`;
        else d += `L${x.toFixed(1)} ${y.toFixed(1)}`;
      });
      if (r.length === 1) d += `h1`;
      const base = Y(0);
      svg.append(s('path', { d: `${d}V${base}H${r[0][0].toFixed(1)}Z`, class: `area ${ser.cls}`, fill: `url(#${gid})` }));
      svg.append(s('path', { d, class: `line ${ser.cls}` }));
    }
  });
  // Hover.
  const cross = s('line', { class: 'cross', y1: m.t, y2: m.t + ih, visibility: 'hidden' });
  const dots = series.map((ser) => s('circle', { r: 3.5, class: `hdot ${ser.cls}`, visibility: 'hidden' }));
  svg.append(cross, ...dots);
  const tip = h('div', { class: 'tip', hidden: true });
  const show = (px) => {
    const t = t0 + ((px - m.l) / iw) * (t1 - t0);
    let best = 0;
    let bd = Infinity;
    ts.forEach((x, i) => {
      const dd = Math.abs(x - t);
      if (dd < bd) {
        bd = dd;
        best = i;
      }
    });
    const x = X(ts[best]);
    cross.setAttribute('x1', x);
    cross.setAttribute('x2', x);
    cross.setAttribute('visibility', 'visible');
    const rows = [h('div', { class: 'tip-time' }, fmtTime(ts[best] * 1000))];
    series.forEach((ser, k) => {
      const v = ser.points[best]?.[1];
      if (isNum(v)) {
        dots[k].setAttribute('cx', x);
        dots[k].setAttribute('cy', Y(v));
        dots[k].setAttribute('visibility', 'visible');
      } else dots[k].setAttribute('visibility', 'hidden');
      rows.push(h('div', { class: 'tip-row' }, h('i', { class: `sw ${ser.cls}` }), `${ser.name} `, h('b', null, isNum(v) ? fmt(v) : '–')));
    });
    const ex = extra && extra(best);
    if (ex) rows.push(h('div', { class: 'tip-row muted' }, ex));
    tip.replaceChildren(...rows);
    tip.hidden = false;
    const left = x + 12 + 150 > W ? x - 12 - 150 : x + 12;
    tip.style.left = `${Math.max(0, left)}px`;
  };
  const hide = () => {
    cross.setAttribute('visibility', 'hidden');
    dots.forEach((d) => d.setAttribute('visibility', 'hidden'));
    tip.hidden = true;
  };
  const capture = s('rect', { x: m.l, y: m.t, width: iw, height: ih, class: 'capture' });
  capture.addEventListener('pointermove', (e) => {
    const px = e.clientX - svg.getBoundingClientRect().left;
    hover.set(id, px);
    show(px);
  });
  capture.addEventListener('pointerleave', () => {
    hover.delete(id);
    hide();
  });
  svg.append(capture);
  wrap.replaceChildren(svg, tip);
  if (hover.has(id)) show(hover.get(id));
}

// ---------------------------------------------------------------------------
// Cluster, timeline, operations, snapshots, versions, log, configuration
// ---------------------------------------------------------------------------

function renderCluster(app) {
  const m = liveMetrics(app);
  const key = [m?.JobManager, m?.TaskManagers, app.metricsError?.type, app.detail.ApplicationStatus];
  patch($('#cluster-extra'), [m?.TaskManagers?.length, m?.IntervalSeconds, m?.MetricsLevel], () =>
    m?.TaskManagers?.length ? h('span', { class: 'muted' }, `${(m.TaskManagers || []).length} Task Manager${(m.TaskManagers || []).length === 1 ? '' : 's'}${m.IntervalSeconds ? ` · every ${m.IntervalSeconds} s` : ''}`) : null);
  patch($('#cluster-body'), key, () => {
    const tms = m?.TaskManagers || [];
    if (!m?.JobManager && !tms.length) {
      return h('div', { class: 'empty small', 'data-testid': 'cluster-empty' }, h('p', { class: 'muted' },
        app.detail.ApplicationStatus === 'READY' ? 'No cluster: the application is not running.' : noMetrics(app) === 'no metrics on this server' ? 'This server reports no metrics.' : 'No metrics yet: they come a few seconds after the cluster starts.'));
    }
    const row = (kind, p, testid) => {
      const used = isNum(p.Slots) ? p.Slots - (p.FreeSlots || 0) : null;
      return h('tr', { 'data-testid': testid, 'data-id': p.Id || '' },
        h('td', null, h('span', { class: `proc ${kind === 'JM' ? 'jm' : 'tm'}` }, kind), h('span', { class: 'proc-id', title: p.Id || '' }, shortId(p.Id))),
        h('td', { class: 'num' }, isNum(p.Slots) ? h('span', { class: 'slots' }, slotDotsOnly(p.Slots, p.FreeSlots), ` ${used}/${p.Slots}`) : h('span', { class: 'muted' }, '–')),
        h('td', { class: 'bar-cell' }, h('div', { class: 'cell-bar' }, meter((p.CpuUtilization || 0) / 100), h('span', null, fmtPct(p.CpuUtilization)))),
        h('td', { class: 'bar-cell' }, h('div', { class: 'cell-bar' }, meter((p.HeapMemoryUtilization ?? (p.HeapMax ? (p.HeapUsed / p.HeapMax) * 100 : 0)) / 100), h('span', { title: `${fmtBytes(p.HeapUsed)} of ${fmtBytes(p.HeapMax)}` }, fmtPct(p.HeapMemoryUtilization ?? (p.HeapMax ? (p.HeapUsed / p.HeapMax) * 100 : null))))),
        h('td', { class: 'num muted-sm' }, `${fmtBytes(p.HeapUsed)} / ${fmtBytes(p.HeapMax)}`),
        h('td', { class: 'num' }, kind === 'JM' ? h('span', { class: 'muted' }, '–') : fmtCount(p.RecordsInPerSecond)),
        h('td', { class: 'num' }, kind === 'JM' ? h('span', { class: 'muted' }, '–') : fmtCount(p.RecordsOutPerSecond)),
        h('td', { class: 'num muted-sm' }, isNum(p.GcCount) ? `${fmtCount(p.GcCount)} · ${fmtMs(p.GcTime)}` : '–'),
        h('td', { class: 'num muted-sm' }, isNum(p.Threads) ? p.Threads : '–'),
      );
    };
    return h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'cluster-table' },
      h('thead', null, h('tr', null, ['Process', 'Slots', 'CPU', 'Heap', 'Heap used', 'In /s', 'Out /s', 'GC', 'Threads'].map((t, i) => h('th', { class: i === 0 || i === 2 || i === 3 ? '' : 'num' }, t)))),
      h('tbody', null,
        m.JobManager ? row('JM', m.JobManager, 'jm-row') : null,
        tms.map((t) => row('TM', t, 'tm-row'))),
    ));
  });
}

function shortId(id) {
  if (!id) return '–';
  return id.length > 22 ? id.slice(0, 10) + '…' + id.slice(-8) : id;
}

function slotDotsOnly(total, free) {
  const used = Math.max(0, total - (free || 0));
  return h('span', { class: 'slot-dots' }, Array.from({ length: Math.min(total, 16) }, (_, i) => h('i', { class: i < used ? 'on' : '' })));
}

function renderTimeline(app) {
  const items = app.timeline;
  patch($('#timeline-body'), [items?.map((e) => e.id || e.ts)], () => {
    if (items == null) return h('div', { class: 'loading-line' });
    if (!items.length) return h('p', { class: 'muted empty-line' }, 'Nothing has happened yet.');
    const own = items.filter((e) => /^(Application \S+ (status changed|updated to version)|Job .* switched from state)/.test(e.message || ''));
    if (!own.length) return h('p', { class: 'muted empty-line' }, 'Nothing has happened yet.');
    return h('ol', { class: 'timeline', 'data-testid': 'timeline' }, own.slice(0, 40).map((e) => {
      const msg = e.message || '';
      let m;
      let body;
      let st = null;
      if ((m = /status changed from (\w+) to (\w+)/.exec(msg))) {
        st = m[2];
        body = h('span', null, badge(m[2]), h('span', { class: 'muted' }, ` from ${words(m[1]).toLowerCase()}`));
      } else if ((m = /^Job (.*) \(([0-9a-f]+)\) switched from state (\w+) to (\w+)/.exec(msg))) {
        st = m[4];
        body = h('span', null, h('span', { class: 'muted' }, 'Job '), badge(m[4]), h('span', { class: 'muted', title: m[2] }, ` ${m[1]} from ${words(m[3]).toLowerCase()}`));
      } else if ((m = /updated to version (\d+)/.exec(msg))) {
        body = h('span', null, h('span', { class: 'chip' }, `v${m[1]}`), h('span', { class: 'muted' }, ' new version'));
      } else return null;
      return h('li', { class: `tl tone-${st ? tone(st) : 'idle'}` }, h('i', { class: 'tl-dot' }), h('div', { class: 'tl-body' }, body, when(e.ts, 'tl-time')));
    }));
  });
}

function renderOperations(app) {
  const ops = app.ops;
  const dk = (ops || []).map((o) => [o.OperationId, o.OperationStatus, app.opDetails.get(o.OperationId)?.OperationStatus, !!app.opDetails.get(o.OperationId)?.OperationFailureDetails]);
  patch($('#operations-body'), [dk], () => {
    if (ops == null) return h('div', { class: 'loading-line' });
    if (!ops.length) return h('p', { class: 'muted empty-line' }, 'No operations yet.');
    return h('ul', { class: 'ops', 'data-testid': 'operations' }, ops.map((o) => {
      const d = app.opDetails.get(o.OperationId) || {};
      const st = d.OperationStatus || o.OperationStatus;
      const fail = d.OperationFailureDetails?.ErrorInfo?.ErrorString;
      const rb = d.OperationFailureDetails?.RollbackOperationId;
      const vc = d.ApplicationVersionChangeDetails;
      const start = toMs(o.StartTime);
      const end = toMs(o.EndTime || d.EndTime);
      return h('li', { class: `op tone-${tone(st)}`, 'data-testid': 'operation', 'data-status': st, 'data-operation': o.Operation },
        h('div', { class: 'op-line' },
          h('b', { class: 'op-name' }, opName(o.Operation)),
          badge(st),
          vc && vc.ApplicationVersionUpdatedFrom !== vc.ApplicationVersionUpdatedTo ? h('span', { class: 'chip' }, `v${vc.ApplicationVersionUpdatedFrom} → v${vc.ApplicationVersionUpdatedTo}`) : null,
          h('span', { class: 'op-time muted' }, when(o.StartTime), end && start ? ` · ${fmtSpan((end - start) / 1000)}` : st === 'IN_PROGRESS' && start ? h('span', null, ' · ', h('span', { 'data-since': start }, fmtSpan((Date.now() - start) / 1000))) : ''),
        ),
        h('div', { class: 'op-id muted', title: o.OperationId }, o.OperationId),
        fail ? h('pre', { class: 'fail-text', 'data-testid': 'operation-failure' }, fail) : null,
        rb ? h('div', { class: 'muted op-rb' }, 'Rolled back by operation ', h('code', null, short(rb, 12))) : null,
      );
    }));
  });
}

function renderSnapshots(app) {
  const list = app.snapshots;
  patch($('#snapshots-extra'), [list?.length], () => (list ? h('span', { class: 'muted' }, `${list.length}`) : null));
  patch($('#snapshots-body'), [list], () => {
    if (list == null) return h('div', { class: 'loading-line' });
    if (!list.length) return h('p', { class: 'muted empty-line' }, snapshotsEnabled(app.detail) ? 'No snapshots yet: a stop takes one, and so does Snapshot.' : 'Snapshots are off for this application.');
    return h('div', { class: 'table-wrap' }, h('table', { class: 'table compact', 'data-testid': 'snapshots' },
      h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Status'), h('th', { class: 'num' }, 'Version'), h('th', null, 'Taken'))),
      h('tbody', null, list.map((x) => h('tr', { 'data-testid': 'snapshot-row', 'data-snapshot': x.SnapshotName },
        h('td', { class: 'mono' }, x.SnapshotName),
        h('td', null, badge(x.SnapshotStatus, { snapshot: true })),
        h('td', { class: 'num' }, `v${x.ApplicationVersionId}`),
        h('td', null, when(x.SnapshotCreationTimestamp)))))));
  });
}

function renderVersions(app) {
  const list = app.versions;
  const cur = app.detail.ApplicationVersionId;
  patch($('#versions-body'), [list, cur, [...app.versionDetails.keys()]], () => {
    if (list == null) return h('div', { class: 'loading-line' });
    return h('ul', { class: 'versions', 'data-testid': 'versions' }, list.map((v) => {
      const d = app.versionDetails.get(v.ApplicationVersionId);
      const p = parallelismOf(d);
      const code = d?.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription;
      return h('li', { class: `version${v.ApplicationVersionId === cur ? ' current' : ''}`, 'data-testid': 'version-row' },
        h('span', { class: 'vnum' }, `v${v.ApplicationVersionId}`),
        h('div', { class: 'vbody' },
          h('div', null, badge(v.ApplicationStatus), v.ApplicationVersionId === cur ? h('span', { class: 'chip accent' }, 'current') : null,
            d?.ApplicationVersionRolledBackFrom ? h('span', { class: 'chip' }, `rollback of v${d.ApplicationVersionRolledBackFrom}`) : d?.ApplicationVersionUpdatedFrom ? h('span', { class: 'muted' }, ` from v${d.ApplicationVersionUpdatedFrom}`) : null),
          d ? h('div', { class: 'muted vmeta' },
            runtimeLabel(d.RuntimeEnvironment),
            ` · parallelism ${p.Parallelism ?? '–'}${p.AutoScalingEnabled ? ' (auto)' : ''}`,
            code?.CodeMD5 ? h('span', { title: `MD5 ${code.CodeMD5}` }, ` · code ${code.CodeMD5.slice(0, 7)}${isNum(code.CodeSize) ? ` (${fmtBytes(code.CodeSize)})` : ''}`) : null,
          ) : null),
        h('span', { class: 'vtime' }, d ? when(d.LastUpdateTimestamp || d.CreateTimestamp) : null));
    }));
  });
}

function renderLog(app) {
  const events = app.log;
  patch($('#log-body'), [events?.length, events?.[events.length - 1]?.ts, events?.[0]?.ts], () => {
    if (events == null) return h('div', { class: 'loading-line' });
    if (!events.length) return h('p', { class: 'muted empty-line' }, 'The log is empty.');
    const box = h('div', { class: 'log', 'data-testid': 'log' }, events.map((e) =>
      h('div', { class: `log-line lvl-${String(e.messageType || 'INFO').toLowerCase()}` },
        h('span', { class: 'log-ts', title: fmtTime(e.ts, true) }, fmtTime(e.ts)),
        h('span', { class: 'log-lvl' }, e.messageType || 'INFO'),
        logMessage(e.message))));
    requestAnimationFrame(() => {
      box.scrollTop = box.scrollHeight;
    });
    return box;
  });
  patch($('#log-extra'), [app.name], () => h('span', { class: 'muted mono small', title: 'aws logs get-log-events --log-group-name … --log-stream-name kinesis-analytics-log-stream' }, group(app)));
}

// Flink's own lines come as "[jobmanager] …" or "[taskmanager <id>] …".
function logMessage(msg) {
  const m = /^\[([^\]]{1,80})\] ([\s\S]*)$/.exec(msg || '');
  if (!m) return h('span', { class: 'log-msg' }, msg);
  const src = m[1].startsWith('jobmanager') ? 'jm' : m[1].startsWith('taskmanager') ? 'tm' : 'other';
  return h('span', { class: 'log-msg' }, h('span', { class: `log-src ${src}`, title: m[1] }, src === 'other' ? m[1] : src.toUpperCase()), m[2]);
}

function renderConfig(app) {
  const d = app.detail;
  const c = d.ApplicationConfigurationDescription || {};
  const f = c.FlinkApplicationConfigurationDescription || {};
  const cp = f.CheckpointConfigurationDescription || {};
  const p = f.ParallelismConfigurationDescription || {};
  const mon = f.MonitoringConfigurationDescription || {};
  const code = c.ApplicationCodeConfigurationDescription?.CodeContentDescription || {};
  const s3 = code.S3ApplicationCodeLocationDescription;
  const maint = d.ApplicationMaintenanceConfigurationDescription || {};
  const groups = c.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions || [];
  const rollback = c.ApplicationSystemRollbackConfigurationDescription?.RollbackEnabled;
  patch($('#config-body'), [d.ApplicationVersionId, d.ConditionalToken, groups], () => {
    const kv = (k, v) => [h('dt', null, k), h('dd', null, v)];
    return [
      h('dl', { class: 'kv' },
        kv('ARN', h('span', { class: 'mono small copy', title: 'Click to copy', onclick: (e) => copy(d.ApplicationARN, e.target) }, d.ApplicationARN)),
        kv('Code', s3 ? h('span', { class: 'mono small' }, `${s3.BucketARN}/${s3.FileKey}`) : h('span', null, `${fmtBytes(code.CodeSize)}`, code.CodeMD5 ? h('span', { class: 'muted mono small' }, ` md5 ${code.CodeMD5}`) : null)),
        kv('Parallelism', `${p.Parallelism ?? '–'} (${p.ParallelismPerKPU ?? 1} per KPU, ${words(p.ConfigurationType || 'DEFAULT').toLowerCase()})${p.AutoScalingEnabled ? ', autoscaling' : ''}`),
        kv('Checkpoints', cp.CheckpointingEnabled === false ? 'off' : `every ${fmtMs(cp.CheckpointInterval)}, min pause ${fmtMs(cp.MinPauseBetweenCheckpoints)}`),
        kv('Snapshots', snapshotsEnabled(d) ? 'on' : 'off'),
        kv('System rollback', rollback ? 'on' : 'off'),
        kv('Monitoring', `${words(mon.MetricsLevel || 'APPLICATION').toLowerCase()} metrics, ${mon.LogLevel || 'INFO'} log`),
        kv('Maintenance', maint.ApplicationMaintenanceWindowStartTime ? `${maint.ApplicationMaintenanceWindowStartTime}–${maint.ApplicationMaintenanceWindowEndTime} UTC` : '–'),
        kv('Created', when(d.CreateTimestamp)),
      ),
      groups.length
        ? h('div', { class: 'props' }, h('h3', null, 'Environment properties'), groups.map((g) =>
          h('div', { class: 'prop-group' }, h('div', { class: 'prop-id' }, g.PropertyGroupId),
            h('dl', { class: 'kv small' }, Object.entries(g.PropertyMap || {}).flatMap(([k, v]) => kv(k, h('span', { class: 'mono' }, v)))))))
        : null,
    ];
  });
}

async function copy(text, el) {
  try {
    await navigator.clipboard.writeText(text);
    el.classList.add('copied');
    setTimeout(() => el.classList.remove('copied'), 1200);
  } catch {
    /* no clipboard on http: the text is selectable */
  }
}

function errorBox(err, extra) {
  return h('div', { class: 'error-box', 'data-testid': 'error', role: 'alert' },
    h('b', null, err.type), err.message && err.message !== err.type ? h('span', null, ` ${err.message}`) : null, extra ? h('div', { class: 'error-extra' }, extra) : null);
}

// First render of the list, for the benchmark (time to the list rendered).
const firstList = new MutationObserver(() => {
  if ($('[data-testid="app-list"]')) {
    performance.mark('weir:list-rendered');
    firstList.disconnect();
  }
});
firstList.observe(document.documentElement, { childList: true, subtree: true });

boot();
