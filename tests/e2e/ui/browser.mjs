// Headless Debian Chromium for the e2e scripts: one fresh profile per run, offline but for the
// local Playgrounds, removed afterwards whatever happened.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Nothing but the local Playgrounds resolves: the UI must work offline.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

// Runs `body(context)` in a browser context whose every wait is bounded by `stepTimeoutMs`.
export async function withChromium(stepTimeoutMs, body) {
  const profile = mkdtempSync(join(tmpdir(), 'kestrel-e2e-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      timeout: stepTimeoutMs,
    });
    context.setDefaultTimeout(stepTimeoutMs);
    return await body(context);
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}
