#!/usr/bin/env node
// Screenshot tour of the dashboard against a running server, for looking at the UI:
//   BASE_URL=http://127.0.0.1:8765 node e2e/screenshots.mjs [email] [width] [height]
// Writes e2e/artifacts/tour-*.png (gitignored).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser.mjs';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:8765';
const [email = 'admin@domcctv.cl', width = '1440', height = '900'] = process.argv.slice(2);
const password = process.env.DEMO_PASSWORD ?? 'DomCctv-2025!';
const out = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
mkdirSync(out, { recursive: true });

const browser = await launchBrowser({ viewport: { width: Number(width), height: Number(height) } });
try {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('pageerror', (e) => console.error('pageerror:', e.message));
  page.on('console', (m) => m.type() === 'error' && console.error('console:', m.text()));
  await page.goto(`${base}/#/login`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user-menu').waitFor();
  const tag = `${email.split('@')[0]}-${width}`;
  for (const route of (process.env.ROUTES ?? '/events,/live,/companies,/users,/audit,/preferences').split(',')) {
    await page.goto(`${base}/#${route}`);
    await page.waitForTimeout(Number(process.env.WAIT_MS ?? 1500));
    const file = join(out, `tour-${tag}${route.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await page.screenshot({ path: file, fullPage: process.env.FULL_PAGE === '1' });
    console.log(file);
  }
} finally {
  await browser.close();
}
