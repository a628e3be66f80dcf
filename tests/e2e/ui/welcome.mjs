// Opens the Agents Playground in headless Chromium, sends "help" as the current user and saves a
// full-page screenshot of the chat once Kestrel's welcome card has rendered.
//
//   node tests/e2e/ui/welcome.mjs <playground-url> <screenshot.png>
//
// Exits 0 on success; on any failure or timeout prints one line starting "welcome.mjs FAILED:" and
// exits 1 (tests/e2e/test_playground_ui.py runs it and shows this output).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const WELCOME_TITLE = 'Kestrel: safeguarding concerns, inside Teams';
const TIMEOUT_MS = 30_000;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Everything but the local Playground resolves nowhere: the test must not reach the internet.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

const [url, screenshotPath] = process.argv.slice(2);
if (!url || !screenshotPath) {
  console.error('usage: node welcome.mjs <playground-url> <screenshot.png>');
  process.exit(2);
}

function log(message) {
  console.log(`welcome.mjs: ${message}`);
}

async function run() {
  const profile = mkdtempSync(join(tmpdir(), 'kestrel-e2e-chromium-'));
  let context;
  // A hard stop, whatever hangs (browser launch included).
  const watchdog = setTimeout(() => {
    console.error(`welcome.mjs FAILED: no result within ${(TIMEOUT_MS * 2) / 1000} s`);
    process.exit(1);
  }, TIMEOUT_MS * 2);
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      timeout: TIMEOUT_MS,
    });
    context.setDefaultTimeout(TIMEOUT_MS);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    log(`opening ${url}`);
    await page.goto(url, { waitUntil: 'domcontentloaded' });

    const textbox = page.locator('[data-lexical-editor="true"][role="textbox"]');
    await textbox.waitFor({ state: 'visible' });
    await textbox.click();
    await page.keyboard.type('help');
    await page.getByRole('button', { name: 'Send Message' }).click();
    log('sent "help"');

    const card = page.locator('.ac-adaptiveCard', { hasText: WELCOME_TITLE }).last();
    await card.waitFor({ state: 'visible' });
    await card.scrollIntoViewIfNeeded();
    log('welcome card rendered');

    await page.screenshot({ path: screenshotPath, fullPage: true });
    log(`screenshot saved to ${screenshotPath}`);
  } finally {
    clearTimeout(watchdog);
    if (context) await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

run().then(
  () => process.exit(0),
  (error) => {
    const message = (error && error.message ? error.message : String(error)).split('\n')[0];
    console.error(`welcome.mjs FAILED: ${message}`);
    process.exit(1);
  },
);
