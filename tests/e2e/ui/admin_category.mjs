// Administration pressed like a person in two Agents Playgrounds (headless Chromium): the
// administrator Helen Carter types `admin`, opens Categories and adds one; the teacher James
// Whitfield then types `add incident` and his form offers it.
//
//   node tests/e2e/ui/admin_category.mjs <helen-playground-url> <james-playground-url> <artifacts-dir>
//
// Only clicks and typing in the web UI. Every step waits at most 30 s and leaves a screenshot
// NN-<step>.png in <artifacts-dir>; any console or page error a step causes fails the run. Run
// from the repository root. Exits 0 on success; otherwise prints "admin_category.mjs FAILED: <why>".
import { mkdirSync } from 'node:fs';
import { withChromium } from './browser.mjs';
import { chat, runScript } from './chat.mjs';

const STEP_TIMEOUT_MS = 30_000;
const OVERALL_TIMEOUT_MS = 90_000;
const CATEGORY = 'Online safety';

const [helenUrl, jamesUrl, artifacts] = process.argv.slice(2);
if (!helenUrl || !jamesUrl || !artifacts) {
  console.error('usage: node admin_category.mjs <helen-url> <james-url> <artifacts-dir>');
  process.exit(2);
}

const log = (message) => console.log(`admin_category.mjs: ${message}`);
const { openPlayground, press, say, pressButton, fillAndPress, expectText, step, shots } = chat({
  artifacts,
  log,
  stepTimeoutMs: STEP_TIMEOUT_MS,
});

async function administratorAddsACategory(page) {
  let card;
  await press(page, 'helen types admin', async () => {
    card = await say(page, 'admin', /Administration/);
    await pressButton(page, card, 'Open administration');
    await expectText(card, /Categories: Add, rename/, 'Open administration');
  });
  await press(page, 'helen opens categories', async () => {
    await pressButton(page, card, 'Categories');
    await card.getByRole('button', { name: 'Add category', exact: true }).waitFor();
  });
  await press(page, 'helen adds a category', async () => {
    const name = card.getByLabel('Name', { exact: true });
    const colour = card.getByLabel('Colour (#RRGGBB)');
    const fill = async () => {
      await name.fill(CATEGORY);
      await colour.fill('#0EA5E9');
    };
    const filled = async () =>
      (await name.inputValue()) === CATEGORY && (await colour.inputValue()) === '#0EA5E9';
    await fillAndPress(page, card, 'Add category', fill, filled);
    await expectText(card, new RegExp(`${CATEGORY} added: the forms offer it now`), 'Add category');
  });
}

async function teacherIsOfferedIt(page) {
  await press(page, 'james opens add incident', async () => {
    const form = await say(page, 'add incident', /Add incident/);
    const box = form.getByRole('checkbox', { name: `Categories ${CATEGORY}`, exact: true });
    await box.waitFor();
  });
}

async function run() {
  mkdirSync(artifacts, { recursive: true });
  await withChromium(STEP_TIMEOUT_MS, async (context) => {
    const helen = await openPlayground(context, helenUrl, 'helen');
    await administratorAddsACategory(helen);
    const james = await openPlayground(context, jamesUrl, 'james');
    await teacherIsOfferedIt(james);
    log(`${CATEGORY} added by Helen and offered to James, ${shots()} screenshots in ${artifacts}`);
  });
}

runScript('admin_category.mjs', run, step, OVERALL_TIMEOUT_MS);
