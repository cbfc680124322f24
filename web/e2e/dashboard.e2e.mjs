#!/usr/bin/env node
// End-to-end test of the dashboard against the real backend, in Debian's Chromium.
//
// Starts `domcctv serve` itself (fresh SQLite database in a temp dir, demo seed, fast bcrypt, no
// simulator) on a free port, waits for /health, then drives the UI:
//   1. operador@domcctv.cl logs in, searches HJKL42, opens a DETECTED event, documents it with a
//      guide number and sees DOCUMENTED; a second tab on the Live page receives the change over
//      graphql-ws; searching by the guide number finds the event documented; logs out.
//   2. cliente@pacificosur.cl logs in: HJKL42 (Constructora Andes) is not listed, KBWZ93 (Minera
//      Pacífico Sur) is; staff pages are not offered; the ES/EN toggle switches the UI language.
// Screenshots go to e2e/artifacts/ (gitignored). The server is stopped at the end, also on failure.
// Without /usr/bin/chromium (or CHROMIUM_PATH) it FAILS: a missing browser must never pass as a
// skipped test (scripts/test installs Debian's chromium when it runs as root).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = resolve(webDir, '..');
const artifacts = join(webDir, 'e2e', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SERVER_BIN = process.env.DOMCCTV_BIN ?? join(repoDir, '.venv', 'bin', 'domcctv');
const PASSWORD = 'DomCctv-2025!';
const TIMEOUT_MS = 20_000;

if (!existsSync(CHROMIUM)) {
  console.error('='.repeat(72));
  console.error(`FAILED: ${CHROMIUM} is missing, so the browser e2e cannot run.`);
  console.error('Install it (apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary.');
  console.error('='.repeat(72));
  process.exit(1);
}
if (!existsSync(SERVER_BIN)) {
  console.error(`e2e: backend not found at ${SERVER_BIN} (create the venv: pip install -e .)`);
  process.exit(1);
}

const { launchBrowser } = await import('./browser.mjs');

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/** Build web/dist unless it is newer than every source (E2E_SKIP_BUILD=1 reuses any dist). */
function ensureBuilt() {
  const index = join(webDir, 'dist', 'index.html');
  if (existsSync(index) && process.env.E2E_SKIP_BUILD === '1') return;
  const sources = ['src', 'graphql', 'index.html', 'vite.config.ts', 'package-lock.json', 'public'];
  const newest = Math.max(...sources.map((s) => join(webDir, s)).filter(existsSync).map(newestMtime));
  if (existsSync(index) && statSync(index).mtimeMs >= newest) {
    console.log('e2e: reusing web/dist (up to date)');
    return;
  }
  console.log('e2e: building web/dist …');
  const r = spawnSync(join(webDir, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], {
    cwd: webDir,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('vite build failed');
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

async function waitForHealth(base, server, deadlineMs = 90_000) {
  const start = Date.now();
  while (Date.now() - start < deadlineMs) {
    if (server.exitCode !== null) throw new Error(`server exited early (code ${server.exitCode}); see e2e/artifacts/server.log`);
    try {
      const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error('server did not become healthy in time');
}

function startServer(port, dataDir) {
  const env = {
    ...process.env,
    APP_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: `sqlite://${join(dataDir, 'e2e.sqlite3')}`,
    JWT_SECRET: randomBytes(36).toString('base64url'), // 48 characters
    SEED_DEMO_DATA: 'true',
    BCRYPT_ROUNDS: '4',
    // One simulated camera that pushes nothing by itself (rate 0): its RTSP server is the
    // live source of the live-view step; every other step sees only the demo seed.
    SIMULATOR_ENABLED: 'true',
    SIMULATOR_CAMERAS: '1',
    SIMULATOR_RATE: '0',
    REDIS_URL: '',
    HIKCENTRAL_URL: '',
    MEDIA_DIR: join(dataDir, 'media'),
    VIDEO_DIR: join(dataDir, 'video'),
    MAIL_OUTBOX_DIR: join(dataDir, 'outbox'),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'WARNING',
  };
  const log = createWriteStream(join(artifacts, 'server.log'));
  // cwd = the temp dir, so a developer's .env is not picked up.
  const server = spawn(SERVER_BIN, ['serve'], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  return server;
}

async function stopServer(server) {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    server.kill('SIGTERM');
  }
  const timer = new Promise((r) => setTimeout(r, 8000, 'timeout'));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      server.kill('SIGKILL');
    }
  }
}

// ---------------------------------------------------------------------------------------------
let passed = 0;
let currentPage = null;

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
  } catch (err) {
    if (currentPage) {
      const shot = join(artifacts, `failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
      await currentPage.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
      console.error(`  screenshot: ${shot}`);
    }
    console.error(`✗ ${name}\n  ${err?.stack ?? err}`);
    throw err;
  }
  passed += 1;
  console.log(`✓ ${name} (${Date.now() - t0} ms)`);
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function login(page, base, email) {
  await page.goto(`${base}/#/login`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user-menu').waitFor();
}

async function searchPlate(page, plate) {
  await page.getByTestId('nav-events').click();
  await page.getByTestId('search-plate').fill(plate);
  const response = page.waitForResponse((r) => {
    const body = r.request().postDataJSON?.() ?? null;
    return body?.operationName === 'SearchEvents' && body?.variables?.filter?.plate === plate;
  });
  await page.getByTestId('search-submit').click();
  await response;
  // Wait for the table to settle on this search (or for an error to show).
  await page.waitForFunction(
    (p) => {
      if (document.querySelector('.MuiAlert-standardError')) return true;
      const count = document.querySelector('[data-testid="events-count"]')?.textContent ?? '';
      const rows = [...document.querySelectorAll('[data-testid="event-row"]')];
      const settled = !/Cargando|Loading/.test(count);
      return settled && rows.every((r) => r.getAttribute('data-plate') === p);
    },
    plate,
    { timeout: TIMEOUT_MS },
  );
  const alert = page.locator('.MuiAlert-standardError');
  if (await alert.count()) throw new Error(`search failed: ${await alert.first().textContent()}`);
  return page.getByTestId('event-row');
}

const DEAD_LETTER_PLATE = 'ZXRT55';

/** Put one failed read in the server's dead-letter table, as the consumer would after
 * INGEST_MAX_ATTEMPTS failures (the server cannot be made to fail on purpose from the UI). */
function seedDeadLetter(dataDir) {
  const script = `
import asyncio, datetime, sys
from tortoise import Tortoise
from domcctv.db import open_database
from domcctv.models import IngestDeadLetter

async def main():
    await open_database(sys.argv[1])
    now = datetime.datetime.now(datetime.UTC).isoformat()
    await IngestDeadLetter.create(
        natural_key="uuid:E2E-CAM:dead-1", source="push", camera_code="E2E-CAM", attempts=5,
        error="OperationalError: database was down",
        payload={"v": 1, "source": "push", "naturalKey": "uuid:E2E-CAM:dead-1",
                 "cameraCode": "E2E-CAM", "cameraName": "PORTON E2E", "plateText": "${DEAD_LETTER_PLATE}",
                 "confidence": 97.0, "occurredAt": now, "direction": None, "vehicleType": None,
                 "pictures": [], "timeIssue": None, "reportedTime": None, "reportedTimeText": None})
    await Tortoise.close_connections()

asyncio.run(main())
`;
  const python = join(repoDir, '.venv', 'bin', 'python');
  const r = spawnSync(python, ['-c', script, `sqlite://${join(dataDir, 'e2e.sqlite3')}`], {
    cwd: repoDir,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`could not seed a dead letter: ${r.stderr}`);
}

/** Give the newest HJKL42 event two READY clips (real H.264, stored as the capture stores
 * them); returns the event's global id. */
function seedClips(dataDir) {
  const python = join(repoDir, '.venv', 'bin', 'python');
  const r = spawnSync(
    python,
    [join(webDir, 'e2e', 'seed_clips.py'), `sqlite://${join(dataDir, 'e2e.sqlite3')}`, join(dataDir, 'video')],
    { cwd: repoDir, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`could not seed clips: ${r.stderr}`);
  return Buffer.from(`Event:${r.stdout.trim()}`).toString('base64url');
}

/** The <video> elements' state, read in the page. */
async function videoState(page) {
  return page.$$eval('[data-testid="video-element"]', (els) =>
    els.map((v) => ({ time: v.currentTime, paused: v.paused, ready: v.readyState, error: v.error?.code ?? 0 })),
  );
}

async function waitFor(predicate, what, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Search a plate until a row appears (the ingest consumer stores it asynchronously). */
async function searchPlateEventually(page, plate) {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const rows = await searchPlate(page, plate);
    if ((await rows.count()) > 0 || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function logout(page) {
  await page.getByTestId('user-menu').click();
  await page.getByTestId('logout').click();
  await page.getByTestId('login-submit').waitFor();
}

async function run(base, dataDirForSteps) {
  const browser = await launchBrowser();
  try {
    const { context } = browser;
    context.setDefaultTimeout(TIMEOUT_MS);
    const page = context.pages()[0] ?? (await context.newPage());
    currentPage = page;
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const guide = `GD-E2E-${Date.now() % 1_000_000}`;

    await step('operator logs in', async () => {
      await login(page, base, 'operador@domcctv.cl');
      await page.getByTestId('events-table').waitFor();
      assert((await page.getByTestId('nav-users').count()) === 0, 'operator must not see Users');
      assert((await page.getByTestId('nav-audit').count()) === 0, 'operator must not see Audit');
    });

    const live = await context.newPage();
    await step('live tab connects over graphql-ws', async () => {
      await live.goto(`${base}/#/live`);
      await live.locator('[data-testid="live-status"][data-state="connected"]').waitFor();
    });

    await step('operator searches HJKL42', async () => {
      const rows = await searchPlate(page, 'HJKL42');
      assert((await rows.count()) > 0, 'expected HJKL42 events');
    });

    await step('operator documents a DETECTED event', async () => {
      const detected = page.locator('[data-testid="event-row"]', {
        has: page.locator('[data-testid="status-chip"][data-status="DETECTED"]'),
      });
      await detected.first().click();
      await page.getByTestId('metadata-form').waitFor();
      assert((await page.locator('h1 [data-testid="status-chip"]').getAttribute('data-status')) === 'DETECTED', 'event should start DETECTED');
      await page.getByTestId('metadata-guide').fill(guide);
      await page.getByTestId('metadata-submit').click();
      await page.locator('h1 [data-testid="status-chip"][data-status="DOCUMENTED"]').waitFor();
      await page.getByTestId('notification').waitFor();
      await page.screenshot({ path: join(artifacts, 'operator-event-documented.png'), fullPage: true });
    });

    await step('live tab receives the documented event', async () => {
      const item = live.getByTestId('live-item').filter({ hasText: 'HJ·KL·42' });
      await item.first().waitFor();
      await live.screenshot({ path: join(artifacts, 'operator-live.png') });
      await live.close();
    });

    await step('search by guide number finds it DOCUMENTED', async () => {
      await page.getByTestId('nav-events').click();
      await page.getByTestId('search-plate').fill('');
      await page.getByLabel(/N° guía/).fill(guide);
      await page.getByTestId('search-submit').click();
      const row = page.getByTestId('event-row').filter({ hasText: guide });
      await row.first().waitFor();
      assert((await page.getByTestId('event-row').count()) === 1, 'guide number should match one event');
      assert(
        (await row.locator('[data-testid="status-chip"]').getAttribute('data-status')) === 'DOCUMENTED',
        'row should show DOCUMENTED',
      );
      await page.getByRole('button', { name: 'Limpiar' }).click();
    });

    const clipEvent = seedClips(dataDirForSteps);
    await step('operator plays both clips of an event, seeks and zooms to 10x', async () => {
      await page.goto(`${base}/#/events/${encodeURIComponent(clipEvent)}`);
      await page.getByTestId('video-player').waitFor();
      assert((await page.getByTestId('video-tile').count()) === 2, 'both cameras should have a tile');
      await waitFor(async () => (await videoState(page)).every((v) => v.ready >= 1), 'video metadata');
      await page.getByTestId('video-play').click();
      await waitFor(async () => (await videoState(page)).every((v) => !v.paused && v.time > 0.5), 'playback');
      await page.getByTestId('video-play').click();
      await page.locator('[data-testid="video-play"][data-state="paused"]').waitFor();
      const thumbs = page.getByTestId('video-tile').first().getByTestId('video-thumbnail');
      await thumbs.first().waitFor();
      const target = thumbs.nth(3);
      const at = Number(await target.getAttribute('data-at'));
      await target.click();
      await waitFor(async () => {
        const times = (await videoState(page)).map((v) => v.time);
        return Math.abs(times[0] - at) < 0.6;
      }, `seek to ${at}s`);
      await page.getByTestId('video-jump-plate').click();
      const zoom = page.getByTestId('video-zoom').first();
      const zoomIn = zoom.getByTestId('video-zoom-zoom-in');
      for (let i = 0; i < 20 && (await zoomIn.isEnabled()); i += 1) await zoomIn.click();
      assert((await zoom.getAttribute('data-scale')) === '10.00', 'zoom should reach 10x');
      assert(!(await zoomIn.isEnabled()), 'zoom must stop at 10x');
      assert((await videoState(page)).every((v) => v.error === 0), 'no media errors');
      await page.screenshot({ path: join(artifacts, 'operator-event-video.png'), fullPage: true });
      assert((await page.getByTestId('video-download').count()) === 0, 'operators may not download');
    });

    await step('operator logs out', async () => {
      await logout(page);
    });

    await step('Andes client plays its own company clip and may download it', async () => {
      await login(page, base, 'cliente@andes.cl');
      await page.getByTestId('user-menu').waitFor();
      await page.goto(`${base}/#/events/${encodeURIComponent(clipEvent)}`);
      await page.getByTestId('video-player').waitFor();
      await waitFor(async () => (await videoState(page)).every((v) => v.ready >= 1), 'video metadata');
      await page.getByTestId('video-play').click();
      await waitFor(async () => (await videoState(page)).some((v) => v.time > 0.3), 'playback');
      const download = page.getByTestId('video-download').first();
      const href = await download.getAttribute('href');
      assert(href && href.startsWith('/video/'), 'clients hold DOWNLOAD_VIDEOS: a signed link');
      const response = await page.request.get(`${base}${href}`);
      assert(response.status() === 200, `download answered ${response.status()}`);
      assert((response.headers()['content-disposition'] ?? '').includes('attachment'), 'an attachment');
      await logout(page);
    });

    await step('supervisor exports the evidence bundle and downloads the ZIP', async () => {
      await login(page, base, 'supervisor@domcctv.cl');
      await page.getByTestId('user-menu').waitFor();
      await page.goto(`${base}/#/events/${encodeURIComponent(clipEvent)}`);
      await page.getByTestId('video-player').waitFor();
      await page.getByTestId('evidence-export').click();
      await page.getByTestId('evidence-export-overlay').check();
      await page.getByTestId('evidence-export-start').click();
      const panel = page.getByTestId('evidence-export-panel');
      await panel.locator('[data-testid="export-status"][data-phase="ready"]').waitFor({ timeout: 90_000 });
      const href = await panel.getByTestId('export-download').getAttribute('href');
      assert(href && href.startsWith('/video/'), 'a signed download link');
      const response = await page.request.get(`${base}${href}`);
      assert(response.status() === 200, `export download answered ${response.status()}`);
      const body = await response.body();
      assert(body.subarray(0, 2).toString() === 'PK', 'the bundle is a ZIP');
      await page.screenshot({ path: join(artifacts, 'supervisor-evidence-export.png'), fullPage: true });
    });

    await step('supervisor watches the simulated camera live', async () => {
      await page.goto(`${base}/#/live-view`);
      const select = page.locator('[data-testid="live-view-camera"][data-slot="0"]:not([disabled])');
      await select.waitFor();
      const value = await select.evaluate((el) => {
        const option = [...el.options].find((o) => o.textContent.includes('(447)'));
        return option ? option.value : '';
      });
      assert(value, 'the simulated camera 447 should be offered');
      await select.selectOption(value);
      const tile = page.locator('[data-testid="live-view-tile"][data-slot="0"]');
      await tile.locator('xpath=self::*[@data-state="playing"]').waitFor({ timeout: 45_000 });
      await waitFor(
        async () => (await tile.getByTestId('live-view-video').evaluate((v) => v.currentTime)) > 0.5,
        'live frames',
        45_000,
      );
      await page.screenshot({ path: join(artifacts, 'supervisor-live-view.png'), fullPage: true });
      await select.selectOption('');
      await logout(page);
    });

    await step('Pacífico Sur client does not see HJKL42', async () => {
      await login(page, base, 'cliente@pacificosur.cl');
      await page.getByTestId('events-table').waitFor();
      for (const hidden of ['nav-users', 'nav-audit', 'nav-companies']) {
        assert((await page.getByTestId(hidden).count()) === 0, `client must not see ${hidden}`);
      }
      const rows = await searchPlate(page, 'HJKL42');
      assert((await rows.count()) === 0, 'HJKL42 belongs to Constructora Andes: must not be listed');
      await page.getByText('No hay eventos que cumplan los criterios.').waitFor();
    });

    await step("Pacífico Sur client cannot open the Andes event's clips", async () => {
      await page.goto(`${base}/#/events/${encodeURIComponent(clipEvent)}`);
      await page.getByTestId('event-not-found').waitFor();
      assert((await page.getByTestId('video-tile').count()) === 0, 'no clip tile for a foreign event');
      await page.goto(`${base}/#/events`);
      await page.getByTestId('events-table').waitFor();
    });

    await step('Pacífico Sur client sees KBWZ93', async () => {
      const rows = await searchPlate(page, 'KBWZ93');
      assert((await rows.count()) > 0, 'KBWZ93 (Minera Pacífico Sur) must be listed');
      const companies = await page.locator('[data-testid="event-row"] td:nth-child(3)').allTextContents();
      assert(companies.every((c) => c === 'Minera Pacífico Sur'), `unexpected companies: ${companies}`);
      await page.screenshot({ path: join(artifacts, 'client-events.png'), fullPage: true });
    });

    await step('administrator sets a site clip window and who may watch a camera live', async () => {
      await logout(page);
      await login(page, base, 'admin@domcctv.cl');
      await page.getByTestId('user-menu').waitFor();
      await page.goto(`${base}/#/devices`);
      const site = page.getByTestId('devices-site-row').first();
      await site.waitFor();
      await site.getByTestId('devices-site-edit').click();
      await site.getByTestId('devices-site-pre').fill('12');
      await site.getByTestId('devices-site-post').fill('34');
      await site.getByTestId('devices-site-save').click();
      await page.locator('[data-testid="devices-site-row"][data-editing="false"]').first().waitFor();
      assert((await site.getByTestId('devices-site-pre-value').textContent())?.trim() === '12', 'pre-roll saved');
      assert((await site.getByTestId('devices-site-post-value').textContent())?.trim() === '34', 'post-roll saved');
      const camera = page.locator('[data-testid="devices-camera-row"][data-camera-code="447"]');
      await camera.getByTestId('devices-camera-live-companies').click();
      const dialog = page.getByTestId('devices-live-dialog');
      await dialog.getByTestId('devices-live-companies').fill('Constructora');  // names match by prefix
      await page.getByTestId('devices-live-option').filter({ hasText: 'Andes' }).first().click();
      await dialog.getByTestId('devices-live-save').click();
      await dialog.waitFor({ state: 'detached' });
      await page.screenshot({ path: join(artifacts, 'admin-devices.png'), fullPage: true });
      await logout(page);
      // Andes' client now finds the camera in its live view; Pacífico Sur's does not.
      for (const [email, expected] of [['cliente@andes.cl', 1], ['cliente@pacificosur.cl', 0]]) {
        await login(page, base, email);
        await page.getByTestId('user-menu').waitFor();
        await page.goto(`${base}/#/live-view`);
        // The picker stays disabled until the camera list has loaded: count its options only then.
        const select = page.locator('[data-testid="live-view-camera"][data-slot="0"]:not([disabled])');
        await select.waitFor();
        const offered = await select.evaluate((el) => [...el.options].filter((o) => o.textContent.includes('(447)')).length);
        assert(offered === expected, `${email} should be offered camera 447 ${expected} time(s), got ${offered}`);
        await logout(page);
      }
    });

    await step('administrator retries a failed read from the dead-letter page', async () => {
      seedDeadLetter(dataDirForSteps);
      await login(page, base, 'admin@domcctv.cl');
      await page.getByTestId('nav-dead-letters').click();
      const letter = page.locator('[data-testid="dead-letter"][data-status="PENDING"]');
      await letter.first().waitFor();
      await letter.first().getByText('database was down').waitFor();
      await page.screenshot({ path: join(artifacts, 'admin-dead-letters.png'), fullPage: true });
      await letter.first().getByRole('button', { name: 'Reintentar' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Reintentar' }).click();
      await page.getByTestId('notification').filter({ hasText: 'Lectura devuelta a la cola' }).waitFor();
      // The retried read goes through the real ingest queue and becomes an event.
      const rows = await searchPlateEventually(page, DEAD_LETTER_PLATE);
      assert((await rows.count()) === 1, 'the retried read should be stored once');
      await logout(page);
      await login(page, base, 'cliente@pacificosur.cl');
      await page.getByTestId('events-table').waitFor();
    });

    await step('language toggle switches to English and back', async () => {
      await page.getByTestId('lang-en').click();
      await page.getByRole('heading', { name: 'Event search' }).waitFor();
      await page.getByTestId('lang-es').click();
      await page.getByRole('heading', { name: 'Búsqueda de eventos' }).waitFor();
    });

    await step('no uncaught page errors', async () => {
      assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
    });
  } finally {
    await browser.close();
  }
}

async function main() {
  mkdirSync(artifacts, { recursive: true });
  for (const f of readdirSync(artifacts)) {
    if (f.startsWith('failure-')) rmSync(join(artifacts, f), { force: true });
  }
  ensureBuilt();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'domcctv-e2e-'));
  const base = `http://127.0.0.1:${port}`;
  const server = startServer(port, dataDir);
  const stop = async () => {
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => void stop().finally(() => process.exit(130)));
  }
  process.once('exit', () => {
    if (server.exitCode === null && server.signalCode === null) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  let failed = 0;
  try {
    console.log(`e2e: starting backend on ${base}`);
    await waitForHealth(base, server);
    await run(base, dataDir);
  } catch {
    failed = 1;
  } finally {
    await stop();
  }
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
