// Headless Debian Chromium driven by playwright-core, one isolated context per person.

import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM } from './chromium.js';
import { BASE } from './livedesk.js';

export const OUTPUT = new URL('../../test-output/', import.meta.url);

/** Chromium flags for a closed network: nothing phones home, nothing is downloaded. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

export async function launch() {
  mkdirSync(OUTPUT, { recursive: true });
  // Playwright gives every launch a fresh, empty user data directory of its own.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', ...FLAGS] });
}

/**
 * A person with their own browser context, signed in through the dev login page and looking at
 * `page` ('viewer', 'agent' or 'supervisor'). Every dialog is recorded (and dismissed): a chat
 * text that ran as script would show up here.
 */
export async function person(browser, { sub, name, page, tags = [], extraRoles = '', query = '' }) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const tab = await context.newPage();
  const dialogs = [];
  const errors = [];
  tab.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  tab.on('pageerror', (e) => errors.push(e.message));
  await tab.goto(`${BASE}/login.html?page=${page}`);
  await tab.fill('input[name=sub]', sub);
  await tab.fill('input[name=name]', name);
  for (const tag of tags) await tab.check(`input[name=tags][value=${tag}]`);
  if (extraRoles) await tab.fill('input[name=extraRoles]', extraRoles);
  await tab.click('button[type=submit]');
  await tab.waitForURL(`**/${page}.html`);
  if (query) await tab.goto(`${BASE}/${page}.html${query}`);
  await tab.waitForSelector('body[data-ready=true]');
  return { context, page: tab, dialogs, errors };
}

export async function screenshot(tab, name) {
  await tab.screenshot({ path: new URL(`${name}.png`, OUTPUT).pathname, fullPage: true });
}
