// The Agents Playground's chat pressed like a person, for the e2e scripts: opening a Playground,
// typing a line and finding the card that answers it, pressing a card's button and waiting for it
// to be drawn again, choosing in a drop-down, and one step at a time with a screenshot each
// (NN-<step>.png in <artifacts>), failing on any console or page error the step caused.
import { join } from 'node:path';

// `log(message)` prints a line; every wait is bounded by `stepTimeoutMs`.
export function chat({ artifacts, log, stepTimeoutMs = 30_000, settleMs = 1_000 }) {
  const STEP_TIMEOUT_MS = stepTimeoutMs;
  const SETTLE_MS = settleMs;
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

  // Types a line in the chat and returns the card that answers it: the first new card whose text
  // matches `answer` (an alert arriving at the same moment is a new card too, and is passed over).
  async function say(page, text, answer) {
    const cards = page.locator('.ac-adaptiveCard');
    const before = await waitForChatToSettle(page);
    await typeLine(page, text);
    await page.getByRole('button', { name: 'Send Message' }).click();
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    for (let index = before; ; ) {
      await cards.nth(index).waitFor({ state: 'visible', timeout: Math.max(1, deadline - Date.now()) });
      if (answer.test(await cards.nth(index).innerText())) return cards.nth(index);
      index += 1;
    }
  }

  // Types the line into the compose box and checks it holds exactly that: a key pressed before
  // the editor has focus is lost, and "elp" would be answered, wrongly, as not understood.
  async function typeLine(page, text) {
    const textbox = page.locator('[data-lexical-editor="true"][role="textbox"]');
    for (let attempt = 1; ; attempt += 1) {
      await textbox.click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Backspace');
      await page.keyboard.type(text);
      const typed = (await textbox.innerText()).trim();
      if (typed === text) return;
      if (attempt === 3) throw new Error(`the compose box holds "${typed}", not "${text}"`);
      log(`(the compose box held "${typed}", not "${text}": typing it again)`);
    }
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

  // The Playground draws every card of the chat again whenever a new card arrives (an alert, the
  // greeting of another page) and its forms lose what was typed; Teams keeps it. Fills the form
  // with `fill`, checks with `filled` that it still holds it, then presses `title`. When a new card
  // came in between, the form is filled again (at most 3 times); input lost with no new card
  // fails the step.
  async function fillAndPress(page, card, title, fill, filled) {
    const cards = page.locator('.ac-adaptiveCard');
    for (let attempt = 1; ; attempt += 1) {
      const before = await cards.count();
      await fill();
      if (await filled()) break;
      const arrived = (await cards.count()) - before;
      if (arrived <= 0 || attempt === 3) {
        throw new Error(`the form lost what was typed before "${title}" (${arrived} new cards)`);
      }
      log(`(${arrived} new card(s) arrived and the Playground drew the form again: filling it again)`);
      await waitForChatToSettle(page);
    }
    await pressButton(page, card, title);
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

  return {
    openPlayground,
    waitForChatToSettle,
    press,
    say,
    pressButton,
    fillAndPress,
    choose,
    expectText,
    expectValue,
    step: () => step,
    shots: () => shot,
  };
}

// Runs the script's `run`, exiting 0 when it resolves; on a failure, or when it takes longer than
// `timeoutMs`, prints "<name> FAILED: <why> (step "<step>")" and exits 1.
export function runScript(name, run, step, timeoutMs) {
  const fail = (message) => {
    console.error(`${name} FAILED: ${message}`);
    process.exit(1);
  };
  const watchdog = setTimeout(
    () => fail(`no result within ${timeoutMs / 1000} s (step "${step()}")`),
    timeoutMs,
  );
  run().then(
    () => {
      clearTimeout(watchdog);
      process.exit(0);
    },
    (error) => fail(`${String(error?.message ?? error).split('\n')[0]} (step "${step()}")`),
  );
}
