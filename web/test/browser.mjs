// Browser tests of the web app in headless Chromium (Debian's chromium, driven by playwright-core; no browser is
// downloaded). Run by cmd/gridgov/web_test.go against a server with the demo city; also runnable by hand:
//
//   BASE_URL=http://127.0.0.1:8080 TOKEN_DISPATCHER=… TOKEN_PLANNER=… TOKEN_FIELD=… node web/test/browser.mjs
//
// Every page must load without console errors and draw map features; a report sent through the resident's form
// must appear on the open dispatcher page without a reload, its photo shown to the reporter and the dispatcher;
// changing the planner's filter must change the hotspot tiles requested. Screenshots of each page go to OUT_DIR
// (default test-output/web).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const base = process.env.BASE_URL;
const out = process.env.OUT_DIR || 'test-output/web';
const exe = process.env.CHROMIUM || '/usr/bin/chromium';
if (!base) { console.error('BASE_URL is required'); process.exit(2); }
fs.mkdirSync(out, { recursive: true });

// WebGL without a GPU: SwiftShader through ANGLE. Chromium refuses software WebGL unless told it is acceptable.
export const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', '--disable-dev-shm-usage'];

const results = [];
let failed = 0;
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    results.push(`FAIL ${name}: ${e && e.stack || e}`);
  }
  console.log(results[results.length - 1]);
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const browser = await chromium.launch({ executablePath: exe, headless: true, args: FLAGS });
const consoleErrors = [];

async function newPage(label, opts = {}) {
  const ctx = await browser.newContext({ viewport: opts.viewport || { width: 1200, height: 760 }, deviceScaleFactor: 1,
    isMobile: !!opts.mobile, hasTouch: !!opts.mobile, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
    geolocation: { latitude: 36.6797, longitude: 118.4771 }, permissions: ['geolocation'] });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${label}: ${m.text()} ${JSON.stringify(m.location())}`); });
  page.on('pageerror', (e) => consoleErrors.push(`${label}: uncaught ${e.message}`));
  return page;
}

// mapReady waits until the page's map has loaded, drawn and gone idle, and returns how many features it shows.
async function mapReady(page, min = 1) {
  await page.waitForFunction(() => window.GG && window.GG.map && window.GG.map.loaded(), null, { timeout: 30000 });
  await page.evaluate(() => new Promise((res) => {
    const m = window.GG.map;
    if (m.areTilesLoaded() && !m.isMoving()) { m.once('idle', res); m.triggerRepaint(); } else m.once('idle', res);
    setTimeout(res, 15000);
  }));
  const n = await page.evaluate(() => window.GG.map.queryRenderedFeatures().length);
  assert(n >= min, `the map shows ${n} features, want at least ${min}`);
  return n;
}
async function shot(page, name) { await page.screenshot({ path: path.join(out, name + '.png') }); }
// photoShown waits until a thumbnail under root has loaded its image (read with the token, from an object URL).
async function photoShown(page, root) {
  await page.waitForFunction((sel) => {
    const img = document.querySelector(sel + ' .photo-strip img');
    return img && img.complete && img.naturalWidth > 0;
  }, root, { timeout: 15000 });
}

const tokens = { dispatcher: process.env.TOKEN_DISPATCHER, planner: process.env.TOKEN_PLANNER, field: process.env.TOKEN_FIELD };
let caseId = null;
let dispatcher = null;

await step('landing page draws the city', async () => {
  const page = await newPage('landing');
  await page.goto(base + '/');
  const n = await mapReady(page);
  await page.getByRole('link', { name: /调度员/ }).waitFor();
  await shot(page, 'landing');
  // the English switch
  await page.click('.lang button[data-lang=en]');
  await page.getByRole('link', { name: /Dispatcher/ }).waitFor();
  await page.click('.lang button[data-lang=zh]');
  console.log(`     landing: ${n} features`);
  await page.context().close();
});

await step('dispatcher page signs in from the link and shows live cases', async () => {
  dispatcher = await newPage('dispatch');
  await dispatcher.goto(base + '/dispatch#token=' + tokens.dispatcher);
  assert(!(await dispatcher.evaluate(() => window.location.hash)), 'the token stays out of the address bar');
  await dispatcher.waitForSelector('.view-dispatch[data-live=on]', { timeout: 20000 });
  await dispatcher.waitForSelector('#case-list li[data-id]', { timeout: 20000 });
  await mapReady(dispatcher);
  const pts = await dispatcher.evaluate(() => window.GG.map.queryRenderedFeatures({ layers: ['case-point', 'case-cluster'] }).length);
  assert(pts > 0, 'open cases are drawn on the map');
  await shot(dispatcher, 'dispatch');
});

await step('a resident reports through the form (phone)', async () => {
  const page = await newPage('report', { viewport: { width: 390, height: 844 }, mobile: true });
  await page.goto(base + '/report');
  await mapReady(page);
  await page.waitForSelector('#category optgroup option', { state: 'attached' });
  // use the device's location (granted, in the demo city), then move the pin by tapping the map
  await page.click('#use-location');
  await page.waitForSelector('#located', { timeout: 15000 });
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + box.width / 2 + 20, box.y + box.height / 2 + 10);
  await page.waitForSelector('#located', { timeout: 15000 });
  const where = await page.textContent('#located');
  assert(/网格/.test(where) && /党/.test(where), 'the pin resolves to a grid and a party unit: ' + where);
  await page.selectOption('#category', 'street_light').catch(async () => {
    const v = await page.$eval('#category optgroup option', (o) => o.value);
    await page.selectOption('#category', v);
  });
  await page.fill('#description', '浏览器测试：楼前路灯不亮，晚上很暗。');
  // a 2×2 PNG, downscaled to JPEG by the page before upload
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==', 'base64');
  await page.setInputFiles('#photo', { name: 'photo.png', mimeType: 'image/png', buffer: png });
  await page.waitForSelector('.preview img');
  await shot(page, 'report');
  await page.click('#submit');
  await page.waitForSelector('#case-no', { timeout: 20000 });
  caseId = Number(await page.textContent('#case-no'));
  assert(caseId > 0, 'a case number');
  await shot(page, 'report-done');

  await page.click('a[href="/my"]');
  await page.waitForSelector(`.my-case[data-id="${caseId}"]`, { timeout: 15000 });
  // the reporter opens the case and sees its photo
  if ((await page.getAttribute(`.my-case[data-id="${caseId}"] .card-head`, 'aria-expanded')) !== 'true') {
    await page.click(`.my-case[data-id="${caseId}"] .card-head`);
  }
  await photoShown(page, `.my-case[data-id="${caseId}"]`);
  await shot(page, 'my');
  await page.context().close();
});

await step('the new case appears on the open dispatcher page without a reload', async () => {
  assert(caseId, 'a case was reported');
  await dispatcher.waitForSelector(`#case-list li[data-id="${caseId}"]`, { timeout: 20000 });
  await dispatcher.click(`#case-list li[data-id="${caseId}"] button`);
  await dispatcher.waitForSelector('#case-actions button[data-action=hear]', { timeout: 15000 });
  await photoShown(dispatcher, '#case-panel');
  await dispatcher.click('#case-actions button[data-action=hear]');
  await dispatcher.selectOption('form[data-action=hear] select[name=classification]', 'pending');
  await dispatcher.click('form[data-action=hear] button[type=submit]');
  await dispatcher.waitForSelector('#case-actions button[data-action=dispatch]', { timeout: 15000 });
  await mapReady(dispatcher);
  await shot(dispatcher, 'dispatch-case');
  await dispatcher.context().close();
});

await step('the planner filter changes the hotspot tiles requested', async () => {
  const page = await newPage('planner');
  const tiles = [];
  page.on('request', (r) => { if (r.url().includes('/tiles/hotspots/')) tiles.push(r.url()); });
  await page.goto(base + '/planner#token=' + tokens.planner);
  await mapReady(page);
  await page.waitForSelector('#kpi-table tbody tr', { timeout: 20000 });
  await page.waitForSelector('#hot-list li', { timeout: 20000 });
  const hex = await page.evaluate(() => window.GG.map.queryRenderedFeatures({ layers: ['hot-fill'] }).length);
  assert(hex > 0, 'hotspot hexagons are drawn');
  assert(tiles.length > 0 && tiles.every((u) => !u.includes('category=')), 'tiles first come unfiltered');
  await shot(page, 'planner');
  const before = tiles.length;
  const cat = await page.$eval('#p-category option:nth-child(2)', (o) => o.value);
  await page.selectOption('#p-category', cat);
  await page.waitForFunction((n) => n, null, { timeout: 100 }).catch(() => {});
  const deadline = Date.now() + 15000;
  while (!tiles.slice(before).some((u) => u.includes('category=' + cat)) && Date.now() < deadline) await page.waitForTimeout(100);
  assert(tiles.slice(before).some((u) => u.includes('category=' + cat)), `tiles with category=${cat} are requested`);
  await mapReady(page, 0);
  await page.context().close();
});

await step('field staff see their nearest tasks in route order', async () => {
  const page = await newPage('field', { viewport: { width: 390, height: 844 }, mobile: true });
  await page.goto(base + '/field#token=' + tokens.field);
  await mapReady(page);
  await page.waitForSelector('#task-list li', { timeout: 20000 });
  const n = await page.locator('#task-list li[data-id]').count();
  assert(n > 0, 'tasks are listed');
  await page.waitForFunction(() => window.GG.map.getSource('route') && window.GG.map.querySourceFeatures('route').length > 0, null, { timeout: 10000 });
  await mapReady(page);
  await shot(page, 'field');
  await page.click('#task-list li[data-id] button');
  await page.waitForSelector('#task-panel .action-form, #task-panel .actions', { timeout: 15000 });
  await shot(page, 'field-task');
  await page.context().close();
});

await step('no console errors on any page', async () => {
  assert(consoleErrors.length === 0, 'console errors:\n' + consoleErrors.join('\n'));
});

await browser.close();
const passed = results.filter((r) => r.startsWith('ok')).length;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
