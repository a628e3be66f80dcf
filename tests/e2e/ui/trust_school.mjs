// A trust's DSL in the Agents Playground's web UI (headless Chromium): Esther Adjei, the DSL of
// both demo schools, types `school`, sees both schools with the one she works in marked, presses
// Work in Kestrel Demo Primary, and her dashboard is then that school's.
//
//   node tests/e2e/ui/trust_school.mjs <esther-playground-url> <artifacts-dir>
//
// Only clicks and typing in the web UI. Every step waits at most 30 s and leaves a screenshot
// NN-<step>.png in <artifacts-dir>; any console or page error a step causes fails the run. Run
// from the repository root. Exits 0 on success; otherwise prints "trust_school.mjs FAILED: <why>".
import { mkdirSync } from 'node:fs';
import { withChromium } from './browser.mjs';
import { chat, runScript } from './chat.mjs';

const STEP_TIMEOUT_MS = 30_000;
const OVERALL_TIMEOUT_MS = 90_000;
const FIRST = 'Kestrel Demo Academy';
const SECOND = 'Kestrel Demo Primary';

const [estherUrl, artifacts] = process.argv.slice(2);
if (!estherUrl || !artifacts) {
  console.error('usage: node trust_school.mjs <esther-url> <artifacts-dir>');
  process.exit(2);
}

const log = (message) => console.log(`trust_school.mjs: ${message}`);
const { openPlayground, press, say, pressButton, expectText, step, shots } = chat({
  artifacts,
  log,
  stepTimeoutMs: STEP_TIMEOUT_MS,
});

async function dslSwitchesSchool(page) {
  let card;
  await press(page, 'esther types school', async () => {
    card = await say(page, 'school', /Your schools/);
    await expectText(card, new RegExp(`${FIRST} \\(working here\\)`), 'school');
    await expectText(card, new RegExp(SECOND), 'school');
  });
  await press(page, 'esther works in the second school', async () => {
    await pressButton(page, card, `Work in ${SECOND}`);
    await expectText(card, new RegExp(`You now work in ${SECOND}\\.`), `Work in ${SECOND}`);
    await expectText(card, new RegExp(`${SECOND} \\(working here\\)`), `Work in ${SECOND}`);
  });
  await press(page, 'esther opens her dashboard there', async () => {
    await say(page, 'dashboard', new RegExp(`My dashboard: ${SECOND}`));
  });
}

async function run() {
  mkdirSync(artifacts, { recursive: true });
  await withChromium(STEP_TIMEOUT_MS, async (context) => {
    const esther = await openPlayground(context, estherUrl, 'esther');
    await dslSwitchesSchool(esther);
    log(`Esther works in ${SECOND}, ${shots()} screenshots in ${artifacts}`);
  });
}

runScript('trust_school.mjs', run, step, OVERALL_TIMEOUT_MS);
