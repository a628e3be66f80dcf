// Kestrel's core loop pressed like a person in two Agents Playgrounds (headless Chromium): the DSL
// Priya Raman makes the team's Pastoral channel her triage channel; the teacher James Whitfield
// records a concern about a pupil and alerts her; its stub appears in the channel, where she opens
// it and assigns it to herself; in her chat she sees her alert arrive, opens the incident from her
// dashboard, adds an action, closes the case with an outcome and finds the closing in the pupil's
// record (its chronology paged with Later).
//
//   node tests/e2e/ui/core_loop.mjs <james-playground-url> <priya-playground-url> <artifacts-dir>
//
// Only clicks and typing in the web UI: never the Playground's HTTP API. Every step waits at most
// 30 s and leaves a screenshot NN-<step>.png in <artifacts-dir>. Any console error or uncaught page
// error during a press fails the run. Run from the repository root (node resolves playwright-core
// from ./node_modules). Exits 0 on success; otherwise prints "core_loop.mjs FAILED: <why>", exit 1.
import { mkdirSync } from 'node:fs';
import { withChromium } from './browser.mjs';
import { chat, runScript } from './chat.mjs';

const STEP_TIMEOUT_MS = 30_000;
const OVERALL_TIMEOUT_MS = 240_000;
const SETTLE_MS = 1_000;
const INCIDENT_TEXT = 'Sam said at break that he has not eaten since yesterday morning.';
const REASON_TEXT = 'Needs met by school support.';
const ACTION_TEXT = 'Spoke with Sam and his mother; breakfast club arranged from tomorrow.';

const [jamesUrl, priyaUrl, artifacts] = process.argv.slice(2);
if (!jamesUrl || !priyaUrl || !artifacts) {
  console.error('usage: node core_loop.mjs <james-url> <priya-url> <artifacts-dir>');
  process.exit(2);
}

const log = (message) => console.log(`core_loop.mjs: ${message}`);

const {
  openPlayground,
  press,
  say,
  pressButton,
  fillAndPress,
  choose,
  expectText,
  expectValue,
  step,
  shots,
} = chat({ artifacts, log, stepTimeoutMs: STEP_TIMEOUT_MS, settleMs: SETTLE_MS });

async function teacherRecordsAConcern(page) {
  let form;
  await press(page, 'james types add incident', async () => {
    form = await say(page, 'add incident', /Add incident/);
    await expectText(form, /Add incident/, 'add incident');
  });
  // One press fewer: `add incident` answers with the form itself.
  await form.getByRole('button', { name: 'Record incident' }).waitFor();
  const student = form.getByRole('combobox', { name: 'Student' });
  const incident = form.getByLabel(/^Incident \(what happened/);
  const pastoral = form.getByRole('checkbox', { name: 'Categories Pastoral', exact: true });
  const written = async () =>
    /^Sam Taylor \(Year 8, 8B\)$/.test(await student.inputValue()) &&
    (await incident.inputValue()) === INCIDENT_TEXT &&
    (await pastoral.isChecked());
  const write = async () => {
    if (!/^Sam Taylor/.test(await student.inputValue())) {
      await choose(page, form, 'Student', 'Sam', /^Sam Taylor \(Year 8, 8B\)$/);
      await expectValue(student, /^Sam Taylor \(Year 8, 8B\)$/, 'the pupil chosen');
    }
    await incident.fill(INCIDENT_TEXT);
    await pastoral.check();
    await choose(page, form, 'Alert staff members', '', /^Priya Raman/);
    await page.keyboard.press('Escape'); // a multi-select stays open after a pick
  };
  await press(page, 'james finds the pupil Sam', async () => {
    const name = form.getByLabel("Or type the pupil's name and press Find");
    await fillAndPress(
      page,
      form,
      'Find pupil',
      () => name.fill('Sam'),
      async () => (await name.inputValue()) === 'Sam',
    );
    await choose(page, form, 'Student', 'Sam', /^Sam Taylor \(Year 8, 8B\)$/);
    await expectValue(student, /^Sam Taylor \(Year 8, 8B\)$/, 'the pupil chosen');
  });
  await press(page, 'james writes the incident', write);
  let reference;
  await press(page, 'james records the incident', async () => {
    // What was written is written again only if a new card emptied the form since.
    const again = async () => {
      if (await written()) return;
      log('(a new card emptied the form: writing it again)');
      await write();
    };
    await fillAndPress(page, form, 'Record incident', again, written);
    await expectText(form, /Recorded as K-\d+/, 'Record incident');
    reference = (await form.innerText()).match(/K-\d+/)[0];
  });
  log(`james recorded ${reference}`);
  return reference;
}

// In the channel, a new post: "@Kestrel triage here" (the mention picked from the list).
async function dslChoosesTheTriageChannel(page) {
  await press(page, 'priya opens the pastoral channel', async () => {
    await page.getByText('Pastoral', { exact: true }).click();
    await page.getByRole('group').filter({ hasText: 'Start a new post' }).waitFor();
  });
  await press(page, 'priya types triage here in the channel', async () => {
    const newPost = page.getByRole('group').filter({ hasText: 'Start a new post' });
    await newPost.getByRole('textbox').click();
    await page.keyboard.type('@Kes');
    await page.getByRole('menuitem').filter({ hasText: 'Kestrel' }).first().click();
    await page.keyboard.type(' triage here');
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    const answer = /is now Kestrel Demo Academy's triage channel/;
    await page.locator('.ac-adaptiveCard').filter({ hasText: answer }).first().waitFor();
  });
}

// The stub Teams keeps names nobody; Open shows her (the DSL) the details and Assign to me, and
// assigning updates the stub for everyone in the channel.
async function dslTriagesInTheChannel(page, reference) {
  const post = page
    .locator('.ac-adaptiveCard')
    .filter({ hasText: new RegExp(`New concern ${reference}\\b`) })
    .first();
  await press(page, 'priya sees the new concern in the channel', async () => {
    await post.waitFor();
    const stored = await post.innerText();
    if (/Sam|Taylor|Pastoral|eaten/.test(stored)) throw new Error(`the post says: ${stored}`);
    await expectText(post, /by James Whitfield: not yet assigned/, 'the post');
  });
  await press(page, 'priya opens it in the channel', async () => {
    await pressButton(page, post, 'Open');
    await expectText(post, /S\. T\.: Pastoral \(Open\)/, 'Open');
  });
  await press(page, 'priya assigns it to herself in the channel', async () => {
    await pressButton(page, post, 'Assign to me');
    await expectText(post, /: assigned to Priya Raman at /, 'the post, updated for everyone');
  });
  await press(page, 'priya goes back to her chat', async () => {
    await page.getByText('Personal Chat', { exact: true }).click();
    await page.locator('[data-lexical-editor="true"][role="textbox"]').waitFor();
  });
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
    card = await say(page, 'dashboard', /My dashboard/);
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
    await expectText(card, /Assigned to Priya Raman/, 'Open'); // in the channel, before
  });
  await press(page, 'priya opens add action', async () => {
    await pressButton(page, card, 'Add action');
    await card.getByRole('button', { name: 'Save action', exact: true }).waitFor();
  });
  await press(page, 'priya saves an action', async () => {
    const taken = card.getByLabel('Action taken');
    await fillAndPress(
      page,
      card,
      'Save action',
      () => taken.fill(ACTION_TEXT),
      async () => (await taken.inputValue()) === ACTION_TEXT,
    );
    await expectText(card, /Action added/, 'Save action');
    await card.getByRole('button', { name: 'Change status', exact: true }).waitFor();
  });
  await press(page, 'priya opens change status', async () => {
    await pressButton(page, card, 'Change status');
    await expectText(card, new RegExp(`Change status of ${reference}`), 'Change status');
  });
  await press(page, 'priya closes the case', async () => {
    const closed = card.getByRole('radio', { name: /Closed$/ });
    const reason = card.getByLabel(/^Reason for the decision/);
    const close = async () => {
      await closed.check();
      await choose(page, card, 'Outcome (to close)', '', /^No further action$/);
      await reason.fill(REASON_TEXT);
    };
    const chosen = async () => (await closed.isChecked()) && (await reason.inputValue()) === REASON_TEXT;
    await fillAndPress(page, card, 'Save', close, chosen);
    await expectText(card, /Status\s*Closed/, 'Save'); // a fact row (no space between)
    await card.getByRole('button', { name: 'Change status', exact: true }).waitFor();
  });
  return card;
}

// From the incident to Sam's record: the chronology is decided and paged by the database, and
// the case's last entry, its closing with the reason decrypted, is on the last page (Later).
async function dslReadsThePupilsRecord(page, card, reference) {
  await press(page, 'priya opens the pupil record', async () => {
    await card.getByRole('button', { name: /^(More options|\.\.\.)$/ }).click(); // overflow
    const item = page.getByRole('menuitem', { name: 'Pupil record', exact: true });
    await pressButton(page, card, 'Pupil record', item);
    await expectText(card, /Chronology \(\d+ entries, oldest first\)/, 'Pupil record');
  });
  const closed = new RegExp(`${reference} closed: No further action`);
  for (let turned = 0; !(await card.filter({ hasText: closed }).count()); turned += 1) {
    if (turned === 20) throw new Error(`no page of the chronology shows ${closed}`);
    await press(page, `priya turns to the chronology's page ${turned + 2}`, async () => {
      await pressButton(page, card, 'Later');
    });
  }
  await press(page, 'priya reads the closing in the chronology', async () => {
    await expectText(card, REASON_TEXT, 'the closing entry');
  });
}

async function run() {
  mkdirSync(artifacts, { recursive: true });
  await withChromium(STEP_TIMEOUT_MS, async (context) => {
    const james = await openPlayground(context, jamesUrl, 'james');
    const priya = await openPlayground(context, priyaUrl, 'priya');
    await dslChoosesTheTriageChannel(priya);
    const reference = await teacherRecordsAConcern(james);
    await dslTriagesInTheChannel(priya, reference);
    const card = await dslClosesTheCase(priya, reference);
    await dslReadsThePupilsRecord(priya, card, reference);
    log(`${reference} recorded by James and closed by Priya, ${shots()} screenshots in ${artifacts}`);
  });
}

runScript('core_loop.mjs', run, step, OVERALL_TIMEOUT_MS);
