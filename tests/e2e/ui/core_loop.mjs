// Kestrel's core loop pressed like a person in two Agents Playgrounds (headless Chromium): the
// teacher James Whitfield records a concern about a pupil and alerts the DSL; the DSL Priya Raman
// sees her alert arrive, opens the incident from her dashboard, assigns it to herself, adds an
// action and closes the case with an outcome.
//
//   node tests/e2e/ui/core_loop.mjs <james-playground-url> <priya-playground-url> <artifacts-dir>
//
// Only clicks and typing in the web UI: never the Playground's HTTP API. Every step waits at most
// 30 s and leaves a screenshot NN-<step>.png in <artifacts-dir>. Any console error or uncaught page
// error during a press fails the run. Run from the repository root (node resolves playwright-core
// from ./node_modules). Exits 0 on success; otherwise prints "core_loop.mjs FAILED: <why>", exit 1.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { withChromium } from './browser.mjs';

const STEP_TIMEOUT_MS = 30_000;
const OVERALL_TIMEOUT_MS = 240_000;
const SETTLE_MS = 1_000;
const INCIDENT_TEXT = 'Sam said at break that he has not eaten since yesterday morning.';
const ACTION_TEXT = 'Spoke with Sam and his mother; breakfast club arranged from tomorrow.';

const [jamesUrl, priyaUrl, artifacts] = process.argv.slice(2);
if (!jamesUrl || !priyaUrl || !artifacts) {
  console.error('usage: node core_loop.mjs <james-url> <priya-url> <artifacts-dir>');
  process.exit(2);
}

const log = (message) => console.log(`core_loop.mjs: ${message}`);
const fail = (message) => {
  console.error(`core_loop.mjs FAILED: ${message}`);
  process.exit(1);
};

// The page's errors, each tagged with the step it happened in ('load' while the page opens).
const errors = [];
let step = 'load';
let shot = 0;

// The sandbox has no internet: the Playground's page fails to fetch its CDN assets (fonts, an
// animation worklet) and its favicon. Those are the machine's, not the app's, and are only logged.
function offlineNoise(message) {
  const where = message.location()?.url ?? '';
  const local = /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(where);
  const failedLoad = /^Failed to load/.test(message.text());
  return failedLoad && (!local || where.endsWith('/favicon.ico'));
}

function watch(page, who) {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (offlineNoise(message)) {
      log(`(${who}, offline, ignored) ${message.text()} ${message.location()?.url ?? ''}`);
      return;
    }
    errors.push({ step, who, text: `console error: ${message.text()}` });
    log(`${who}: console error during "${step}": ${message.text()}`);
  });
  page.on('pageerror', (error) => {
    errors.push({ step, who, text: `page error: ${error.message}` });
    log(`${who}: page error during "${step}": ${error.message}`);
  });
}

async function openPlayground(browser, url, who) {
  const page = await browser.newPage();
  watch(page, who);
  log(`${who}: opening ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.locator('[data-lexical-editor="true"][role="textbox"]').waitFor({ state: 'visible' });
  await waitForChatToSettle(page);
  if (await page.getByRole('dialog').isVisible()) await page.keyboard.press('Escape');
  return page;
}

// Every page load installs the app again and Kestrel greets it: wait until no more cards arrive.
async function waitForChatToSettle(page) {
  const cards = page.locator('.ac-adaptiveCard');
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let count = await cards.count();
  let stableSince = Date.now();
  while (Date.now() - stableSince < SETTLE_MS) {
    if (Date.now() > deadline) throw new Error('the chat kept changing for 30 s');
    await page.waitForTimeout(200);
    const now = await cards.count();
    if (now !== count) [count, stableSince] = [now, Date.now()];
  }
  return count;
}

// One step: run it, check its outcome, keep a screenshot, and fail on any error it caused.
async function press(page, name, action) {
  step = name;
  log(`step ${shot + 1}: ${name}`);
  shot += 1;
  const file = join(artifacts, `${String(shot).padStart(2, '0')}-${name.replace(/\W+/g, '-')}.png`);
  try {
    await action();
    await page.waitForTimeout(300); // errors logged just after the outcome still belong to it
  } finally {
    await page.screenshot({ path: file, fullPage: true }).catch(() => {}); // a failure's too
  }
  const caused = errors.filter((error) => error.step === name);
  if (caused.length) {
    throw new Error(`"${name}" logged ${caused.map((e) => `${e.who}: ${e.text}`).join('; ')}`);
  }
}

// Types a line in the chat and returns the card that answers it (the first new card).
async function say(page, text) {
  const cards = page.locator('.ac-adaptiveCard');
  const before = await waitForChatToSettle(page);
  await page.locator('[data-lexical-editor="true"][role="textbox"]').click();
  await page.keyboard.type(text);
  await page.getByRole('button', { name: 'Send Message' }).click();
  await cards.nth(before).waitFor({ state: 'visible' });
  return cards.nth(before);
}

// Presses a card's button and waits for the card to be drawn again with the bot's answer (each
// drawing gives the card's elements new ids), so that what follows sees the new card.
async function pressButton(page, card, title, button = null) {
  const [index, before] = await card.evaluate((element) => [
    [...document.querySelectorAll('.ac-adaptiveCard')].indexOf(element),
    element.querySelector('[id^="__ac-"]')?.id,
  ]);
  const answered = page.waitForResponse(
    (response) =>
      response.url().includes('/_conversation/v1/') && response.request().method() === 'POST',
  );
  await (button ?? card.getByRole('button', { name: title, exact: true })).click();
  const response = await answered;
  if (!response.ok()) throw new Error(`pressing "${title}" answered HTTP ${response.status()}`);
  try {
    await page.waitForFunction(
      ([i, drawn]) => {
        const now = document.querySelectorAll('.ac-adaptiveCard')[i];
        return now && now.querySelector('[id^="__ac-"]')?.id !== drawn;
      },
      [index, before],
    );
  } catch {
    throw new Error(`pressing "${title}" did not change the card within 30 s`);
  }
}

// Opens a drop-down of the card by its label (typing to narrow it, or with its arrow) and picks the
// option. A multi-select drop-down lists its options as menu item check boxes.
async function choose(page, card, label, typed, option) {
  // The Playground redraws a card in place after a press: a box opened while it redraws can
  // come up empty, so an empty list is closed and opened once more before it counts as missing.
  const options = page
    .locator('[role="option"], [role="menuitemcheckbox"]')
    .filter({ hasText: option });
  for (let attempt = 1; ; attempt += 1) {
    if (typed) {
      const box = card.getByRole('combobox', { name: label, exact: true });
      await box.click();
      await box.fill('');
      await page.keyboard.type(typed);
    } else {
      await card.getByRole('button', { name: `Open ${label}`, exact: true }).click();
    }
    try {
      await options.first().waitFor({ state: 'visible', timeout: attempt === 1 ? 10_000 : 30_000 });
      break;
    } catch {
      if (attempt === 1) {
        await page.keyboard.press('Escape');
        await page.waitForTimeout(SETTLE_MS);
        continue;
      }
      const shown = await page.locator('[role="option"], [role="menuitemcheckbox"]').allInnerTexts();
      throw new Error(`"${label}" offers no ${option} (it offers: ${shown.join(', ') || 'nothing'})`);
    }
  }
  await options.first().click();
}

async function expectText(card, pattern, what) {
  try {
    await card.filter({ hasText: pattern }).waitFor({ state: 'visible' });
  } catch {
    const shown = (await card.innerText().catch(() => '(no card)')).replace(/\s+/g, ' ');
    throw new Error(`${what}: the card does not show ${pattern}; it shows: ${shown.slice(0, 600)}`);
  }
}

async function expectValue(input, pattern, what) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let value = await input.inputValue();
  while (!pattern.test(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: the box shows "${value}", not ${pattern}`);
    await input.page().waitForTimeout(200);
    value = await input.inputValue();
  }
}

async function teacherRecordsAConcern(page) {
  let form;
  await press(page, 'james types add incident', async () => {
    form = await say(page, 'add incident');
    await expectText(form, /Add incident/, 'add incident');
  });
  // `add incident` answers with a stub to open the form (or, once one press fewer, the form).
  if (await form.getByRole('button', { name: 'Open the form', exact: true }).count()) {
    await press(page, 'james opens the form', async () => {
      await pressButton(page, form, 'Open the form');
      await form.getByRole('button', { name: 'Record incident' }).waitFor();
    });
  }
  await press(page, 'james finds the pupil Sam', async () => {
    await form.getByLabel("Or type the pupil's name and press Find").fill('Sam');
    await pressButton(page, form, 'Find pupil');
    await choose(page, form, 'Student', 'Sam', /^Sam Taylor \(Year 8, 8B\)$/);
    const student = form.getByRole('combobox', { name: 'Student' });
    await expectValue(student, /^Sam Taylor \(Year 8, 8B\)$/, 'the pupil chosen');
  });
  await press(page, 'james writes the incident', async () => {
    await form.getByLabel(/^Incident \(what happened/).fill(INCIDENT_TEXT);
    await form.getByRole('checkbox', { name: 'Categories Pastoral', exact: true }).check();
    await choose(page, form, 'Alert staff members', '', /^Priya Raman/);
    await page.keyboard.press('Escape'); // a multi-select stays open after a pick
  });
  let reference;
  await press(page, 'james records the incident', async () => {
    await pressButton(page, form, 'Record incident');
    await expectText(form, /Recorded as K-\d+/, 'Record incident');
    reference = (await form.innerText()).match(/K-\d+/)[0];
  });
  log(`james recorded ${reference}`);
  return reference;
}

// Her alert message is left alone: Kestrel replaces a sent alert ("Concern read", a fresh stub)
// once the case changes, and that would replace whatever she had opened in it (see the report).
async function dslClosesTheCase(page, reference) {
  const cards = page.locator('.ac-adaptiveCard');
  await press(page, 'priya receives the alert', async () => {
    await cards.filter({ hasText: new RegExp(`${reference}\\b`) }).first().waitFor();
  });
  let card;
  await press(page, 'priya opens her dashboard', async () => {
    card = await say(page, 'dashboard');
    if (await card.getByRole('button', { name: 'Open my dashboard', exact: true }).count()) {
      await pressButton(page, card, 'Open my dashboard');
    }
    await expectText(card, new RegExp(`${reference} Sam Taylor: Pastoral`), 'dashboard');
  });
  await press(page, 'priya opens the incident', async () => {
    const row = card
      .getByRole('button', { name: 'Open', exact: true })
      .filter({ hasText: new RegExp(`^${reference} `) })
      .first();
    await pressButton(page, card, `the row of ${reference}`, row);
    await expectText(card, /Assign to me/, 'Open');
  });
  await press(page, 'priya assigns it to herself', async () => {
    await pressButton(page, card, 'Assign to me');
    await expectText(card, /Assigned to Priya Raman/, 'Assign to me');
  });
  await press(page, 'priya opens add action', async () => {
    await pressButton(page, card, 'Add action');
    await card.getByRole('button', { name: 'Save action', exact: true }).waitFor();
  });
  await press(page, 'priya saves an action', async () => {
    await card.getByLabel('Action taken').fill(ACTION_TEXT);
    await pressButton(page, card, 'Save action');
    await expectText(card, /Action added/, 'Save action');
    await card.getByRole('button', { name: 'Change status', exact: true }).waitFor();
  });
  await press(page, 'priya opens change status', async () => {
    await pressButton(page, card, 'Change status');
    await expectText(card, new RegExp(`Change status of ${reference}`), 'Change status');
  });
  await press(page, 'priya closes the case', async () => {
    await card.getByRole('radio', { name: /Closed$/ }).check();
    await choose(page, card, 'Outcome (to close)', '', /^No further action$/);
    await card.getByLabel(/^Reason for the decision/).fill('Needs met by school support.');
    await pressButton(page, card, 'Save');
    await expectText(card, /Status\s*Closed/, 'Save'); // a fact row (no space between)
    await card.getByRole('button', { name: 'Change status', exact: true }).waitFor();
  });
}

async function run() {
  mkdirSync(artifacts, { recursive: true });
  await withChromium(STEP_TIMEOUT_MS, async (context) => {
    const james = await openPlayground(context, jamesUrl, 'james');
    const priya = await openPlayground(context, priyaUrl, 'priya');
    const reference = await teacherRecordsAConcern(james);
    await dslClosesTheCase(priya, reference);
    log(`${reference} recorded by James and closed by Priya, ${shot} screenshots in ${artifacts}`);
  });
}

const watchdog = setTimeout(
  () => fail(`no result within ${OVERALL_TIMEOUT_MS / 1000} s (step "${step}")`),
  OVERALL_TIMEOUT_MS,
);
run().then(
  () => {
    clearTimeout(watchdog);
    process.exit(0);
  },
  (error) => fail(`${String(error?.message ?? error).split('\n')[0]} (step "${step}")`),
);
