import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(),'p-')), {executablePath:'/usr/bin/chromium', headless:true, args:['--headless','--no-sandbox','--disable-gpu','--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1']});
const page = ctx.pages()[0];
await page.goto(process.argv[2]);
await page.locator('.ac-adaptiveCard').first().waitFor();
await page.waitForTimeout(2000);
const html = await page.evaluate(() => {
  const card = document.querySelector('.ac-adaptiveCard');
  let el = card; const chain=[];
  while (el && el !== document.body) { chain.push(el.tagName + ' ' + [...el.attributes].map(a=>a.name+'="'+a.value.slice(0,80)+'"').join(' ')); el = el.parentElement; }
  return chain.join('\n');
});
console.log(html);
const items = await page.evaluate(() => [...document.querySelectorAll('[data-tid], [role="listitem"], [role="log"], [role="list"]')].slice(0,40).map(e=>e.tagName+' '+(e.getAttribute('data-tid')||'')+' role='+(e.getAttribute('role')||'')+' '+e.className.toString().slice(0,60)+' :: '+e.innerText.slice(0,60).replace(/\n/g,' | ')));
console.log(items.join('\n'));
await ctx.close();
