// The Agents Playground's web UI in headless Chromium: type "help" as the current user, wait for
// Kestrel's welcome card to answer it, save a full-page screenshot.
//
//   node tests/e2e/ui/welcome.mjs <playground-url> <screenshot.png>
//
// Run from the repository root (node resolves playwright-core from ./node_modules). Exits 0 on
// success; on any failure or timeout prints "welcome.mjs FAILED: <why>" and exits 1.
import { withChromium } from './browser.mjs';
import { chat } from './chat.mjs';

const WELCOME_TITLE = 'Kestrel: safeguarding concerns, inside Teams';
const STEP_TIMEOUT_MS = 30_000;
const OVERALL_TIMEOUT_MS = 60_000;
const SETTLE_MS = 1_000;

const [url, screenshotPath] = process.argv.slice(2);
if (!url || !screenshotPath) {
  console.error('usage: node welcome.mjs <playground-url> <screenshot.png>');
  process.exit(2);
}

const log = (message) => console.log(`welcome.mjs: ${message}`);
const fail = (message) => {
  console.error(`welcome.mjs FAILED: ${message}`);
  process.exit(1);
};

// Every page load installs the app again, and Kestrel greets each install with the same welcome
// card: `say` waits until no more cards arrive before typing, so that the one answering "help"
// is new, and checks the compose box holds "help" before sending it.
const { waitForChatToSettle, say } = chat({
  artifacts: '',
  log,
  stepTimeoutMs: STEP_TIMEOUT_MS,
  settleMs: SETTLE_MS,
});

// What the chat shows, for a failure's log: how many cards, and the start of the last few.
async function describeChat(page) {
  const texts = await page
    .locator('.ac-adaptiveCard')
    .evaluateAll((cards) => cards.map((card) => card.innerText.replace(/\s+/g, ' ').slice(0, 80)));
  return `${texts.length} card(s); the last: ${JSON.stringify(texts.slice(-3))}`;
}

async function run() {
  await withChromium(STEP_TIMEOUT_MS, async (context) => {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    log(`opening ${url}`);
    await page.goto(url, { waitUntil: 'domcontentloaded' });

    const textbox = page.locator('[data-lexical-editor="true"][role="textbox"]');
    await textbox.waitFor({ state: 'visible' });
    const before = await waitForChatToSettle(page);
    log(`chat settled with ${before} card(s) from the install`);
    if (await page.getByRole('dialog').isVisible()) {
      log('a dialog covers the page: closing it with Escape');
      await page.keyboard.press('Escape');
    }

    let card;
    try {
      card = await say(page, 'help', new RegExp(WELCOME_TITLE));
    } catch (error) {
      log(`no welcome card answered "help": ${await describeChat(page)}`);
      const failed = screenshotPath.replace(/\.png$/, '-failed.png');
      await page.screenshot({ path: failed, fullPage: true }).catch(() => {});
      log(`the page as it was: ${failed}`);
      throw error;
    }
    log('sent "help"');
    await card.scrollIntoViewIfNeeded();
    await card.getByRole('button', { name: 'My dashboard' }).waitFor({ state: 'visible' });
    log('the welcome card answered "help"');

    await page.screenshot({ path: screenshotPath, fullPage: true });
    log(`screenshot saved to ${screenshotPath}`);
  });
}

const watchdog = setTimeout(
  () => fail(`no result within ${OVERALL_TIMEOUT_MS / 1000} s`),
  OVERALL_TIMEOUT_MS,
);
run().then(
  () => {
    clearTimeout(watchdog);
    process.exit(0);
  },
  (error) => fail(String(error?.message ?? error).split('\n')[0]),
);
