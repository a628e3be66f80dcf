// A colleague turned off and on again like a person, in the Agents Playground (headless Chromium):
// the administrator Helen Carter types `admin`, opens Staff and scopes, chooses Sarah Lloyd from the
// drop-down, switches Active off and saves (the drop-down then says she was turned off here), then
// switches it on again and saves.
//
//   node tests/e2e/ui/admin_staff.mjs <helen-playground-url> <artifacts-dir>
//
// Only clicks and typing in the web UI. Every step waits at most 30 s and leaves a screenshot
// NN-<step>.png in <artifacts-dir>; any console or page error a step causes fails the run. Run
// from the repository root. Exits 0 on success; otherwise prints "admin_staff.mjs FAILED: <why>".
import { mkdirSync } from 'node:fs';
import { withChromium } from './browser.mjs';
import { chat, runScript } from './chat.mjs';

const STEP_TIMEOUT_MS = 30_000;
const OVERALL_TIMEOUT_MS = 90_000;
const COLLEAGUE = 'Sarah Lloyd';

const [helenUrl, artifacts] = process.argv.slice(2);
if (!helenUrl || !artifacts) {
  console.error('usage: node admin_staff.mjs <helen-url> <artifacts-dir>');
  process.exit(2);
}

const log = (message) => console.log(`admin_staff.mjs: ${message}`);
const { openPlayground, press, say, pressButton, choose, expectText, step, shots } = chat({
  artifacts,
  log,
  stepTimeoutMs: STEP_TIMEOUT_MS,
});

// Switches the colleague's Active toggle to `on` and saves; the card then says so.
async function switchActive(page, card, on) {
  const active = card.getByRole('checkbox', { name: /^Active: uses Kestrel/ });
  if ((await active.isChecked()) !== on) await active.click();
  if ((await active.isChecked()) !== on) throw new Error(`Active did not switch ${on ? 'on' : 'off'}`);
  await pressButton(page, card, 'Save role');
  await expectText(card, new RegExp(`${COLLEAGUE}: saved\\.`), 'Save role');
}

async function administratorTurnsAColleagueOffAndOn(page) {
  let card;
  await press(page, 'helen types admin', async () => {
    card = await say(page, 'admin', /Administration/);
    await pressButton(page, card, 'Open administration');
    await expectText(card, /Staff and scopes/, 'Open administration');
  });
  await press(page, 'helen opens staff', async () => {
    await pressButton(page, card, 'Staff and scopes');
    await card.getByRole('button', { name: 'Open', exact: true }).waitFor();
  });
  await press(page, `helen opens ${COLLEAGUE}`, async () => {
    await choose(page, card, 'Colleague', '', new RegExp(`^${COLLEAGUE} \\(Staff\\)$`));
    await pressButton(page, card, 'Open');
    await card.getByRole('button', { name: 'Save role', exact: true }).waitFor();
  });
  await press(page, `helen turns ${COLLEAGUE} off`, async () => {
    await switchActive(page, card, false);
    await expectShown(card, `${COLLEAGUE} (Staff, turned off here)`);
  });
  await press(page, `helen turns ${COLLEAGUE} on again`, async () => {
    await switchActive(page, card, true);
    await expectShown(card, `${COLLEAGUE} (Staff)`);
  });
}

// The colleague drop-down's box shows `title`. (Read from the box: the Playground's open list can
// keep an earlier drawing's options, seen listing her as turned off after she was on again.)
async function expectShown(card, title) {
  const box = card.getByRole('combobox', { name: 'Colleague', exact: true });
  const shown = async () => (await box.inputValue().catch(() => '')).trim();
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while ((await shown()) !== title) {
    if (Date.now() > deadline) throw new Error(`Colleague shows "${await shown()}", not "${title}"`);
    await card.page().waitForTimeout(200);
  }
}

async function run() {
  mkdirSync(artifacts, { recursive: true });
  await withChromium(STEP_TIMEOUT_MS, async (context) => {
    const helen = await openPlayground(context, helenUrl, 'helen');
    await administratorTurnsAColleagueOffAndOn(helen);
    log(`${COLLEAGUE} turned off and on by Helen, ${shots()} screenshots in ${artifacts}`);
  });
}

runScript('admin_staff.mjs', run, step, OVERALL_TIMEOUT_MS);
