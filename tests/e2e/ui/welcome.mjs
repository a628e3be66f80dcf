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
// card: wait until no more cards arrive before typing, so that the one answering "help" is new.
const { waitForChatToSettle } = chat({
  artifacts: '',
  log,
  stepTimeoutMs: STEP_TIMEOUT_MS,
  settleMs: SETTLE_MS,
});

// Marks (data-e2e="welcome-reply") the first welcome card that comes after the last "help" the
// user sent; true once there is one.
function markWelcomeReply({ title }) {
  const isSentHelp = (node) =>
    node.textContent.trim() === 'help' &&
    !node.parentElement.closest('[contenteditable="true"], .ac-adaptiveCard');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let sent = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (isSentHelp(node)) sent = node;
  }
  if (!sent) return false;
  const reply = [...document.querySelectorAll('.ac-adaptiveCard')].find(
    (card) =>
      card.innerText.includes(title) &&
      sent.compareDocumentPosition(card) & Node.DOCUMENT_POSITION_FOLLOWING,
  );
  if (!reply) return false;
  reply.setAttribute('data-e2e', 'welcome-reply');
  return true;
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

    await textbox.click();
    await page.keyboard.type('help');
    await page.getByRole('button', { name: 'Send Message' }).click();
    log('sent "help"');

    await page.waitForFunction(markWelcomeReply, { title: WELCOME_TITLE });
    const card = page.locator('.ac-adaptiveCard[data-e2e="welcome-reply"]');
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
