// Drives Debian's chromium (headless, through puppeteer-core) through the web console, as a person
// would, for tests/Node.Tests/Console/ConsoleBrowserTests.cs. Prints "ok STEP: detail" per step and
// "need transact" when it waits for the test to write on another node (it then waits for a line on
// stdin). Every wait is for a condition, with a generous timeout; no step sleeps.
//
//   node console-check.mjs --url URL --node ID --peer ID --function NS/FN --shots DIR
//   node console-check.mjs --url URL --measure N     (load times of the Node page, in ms, as JSON: from the
//   navigation to the node id on screen, each in a fresh browser context, so nothing is cached)
import puppeteer from 'puppeteer-core';
import { createInterface } from 'node:readline';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const arg = name => { const i = process.argv.indexOf('--' + name); return i > 0 ? process.argv[i + 1] : undefined; };
const url = arg('url');
const timeout = Number(arg('timeout') || 90_000);
const shots = arg('shots');
const say = line => process.stdout.write(line + '\n');

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // Root in a container or namespace: chromium's sandbox needs user namespaces it may not get.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 860 });
  page.setDefaultTimeout(timeout);
  const errors = [];
  page.on('pageerror', e => errors.push(e.message));

  if (arg('measure')) {
    const runs = Number(arg('measure'));
    const times = [];
    const served = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.createBrowserContext();
      const p = await context.newPage();
      const start = performance.now();
      await p.goto(url, { waitUntil: 'domcontentloaded' });
      await p.waitForFunction(() => document.querySelector('#node-id')?.textContent.length > 0, { timeout });
      times.push(performance.now() - start);
      // How much of it the server and the wire took: the end of the last response the page fetched
      // (the document, its script and style, /api/status), from the navigation's start.
      served.push(await p.evaluate(() => Math.max(...performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).map(e => e.responseEnd))));
      await context.close();
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    say(JSON.stringify({ runs, median_ms: Math.round(median(times)), max_ms: Math.round(sorted[runs - 1]), times_ms: times.map(Math.round),
      last_response_median_ms: Math.round(median(served)), last_response_ms: served.map(Math.round) }));
    process.exit(0);
  }

  const node = arg('node');
  const peer = arg('peer');
  const fn = arg('function');
  if (shots) mkdirSync(shots, { recursive: true });
  const shot = async name => { if (shots) await page.screenshot({ path: join(shots, name + '.png'), fullPage: true }); };
  const textOf = sel => page.$eval(sel, e => e.textContent);
  const waitText = (sel, text) => page.waitForFunction(
    (s, t) => [...document.querySelectorAll(s)].some(e => e.textContent.includes(t)), { timeout }, sel, text);
  const setValue = (sel, value) => page.$eval(sel, (e, v) => { e.value = v; e.dispatchEvent(new Event('input', { bubbles: true })); }, value);

  // 1. Load with the token: the server sets the cookie and sends the browser on to "/".
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  if (new URL(page.url()).search.includes('token')) throw new Error(`the token stayed in the address: ${page.url()}`);
  await waitText('#node-id', node);
  say(`ok node: ${await textOf('#node-id')}; ${await textOf('#log-size')}; ${await textOf('#index-lag')}`);
  await shot('node');

  // The page's own API calls ride on the cookie; without it the server says 401.
  const bare = await page.evaluate(async () => (await fetch('/api/status', { credentials: 'omit' })).status);
  if (bare !== 401) throw new Error(`a request without the token got ${bare}, not 401`);
  say('ok no-token: 401');

  // 2. Peers: the node in the other namespace, connected.
  await page.click('#nav-peers');
  await page.waitForSelector(`#peers-connected tr[data-node="${peer}"]`);
  say(`ok peers: ${(await textOf(`#peers-connected tr[data-node="${peer}"]`)).replace(/\s+/g, ' ').trim()}`);
  await shot('peers');

  // 3. Log: a page of entries with the DAG.
  await page.click('#nav-log');
  await page.waitForSelector('#log-entries tr');
  say(`ok log: ${await textOf('#log-range')}; ${await page.$$eval('svg.dag circle', c => c.length)} nodes drawn`);
  await shot('log');

  // 4. Query: run one and read its table.
  await page.click('#nav-query');
  await page.waitForSelector('#query-editor');
  await setValue('#query-editor', '[:find ?name\n :where [?p :person/name ?name]]');
  await page.click('#query-run');
  await waitText('#query-table td', 'Ann');
  const rows = await page.$$eval('#query-table tr', trs => trs.map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent)));
  say(`ok query: ${JSON.stringify(rows)}`);
  await page.click('#query-explain');
  await page.waitForSelector('#query-plan');
  say(`ok explain: ${(await textOf('#query-plan')).split('\n')[0]}`);
  await shot('query');

  // 5. Live: subscribe, then a row written on the other node arrives with no reload.
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.click('#query-live');
  await waitText('#query-live-note', 'waiting for changes');
  say('need transact');
  const go = await lines.next();
  if (go.done) throw new Error('the test closed stdin before it transacted');
  await waitText('#query-table td', 'Bob');
  if (!(await page.evaluate(() => window.__sameDocument === true))) throw new Error('the page reloaded');
  say(`ok live: ${await textOf('#query-live-note')}; rows ${JSON.stringify(await page.$$eval('#query-table td', tds => tds.map(t => t.textContent)))}`);
  await shot('query-live');
  await page.click('#query-live');

  // 6. Code: the function's source, history, blame and a diff.
  await page.click('#nav-code');
  await page.waitForSelector(`a[data-def="${fn}"]`);
  await page.click(`a[data-def="${fn}"]`);
  await page.waitForSelector('#code-source');
  say(`ok source: ${JSON.stringify(await textOf('#code-source'))}`);
  await page.click('#code-tab-history');
  await page.waitForFunction(() => document.querySelectorAll('#code-history tr[data-entry]').length >= 2, { timeout });
  say(`ok history: ${await page.$$eval('#code-history tr[data-entry]', trs => trs.map(t => t.textContent.replace(/\s+/g, ' ').trim()).join(' | '))}`);
  await shot('code-history');
  await page.click('#code-tab-blame');
  await page.waitForSelector('#code-blame tr');
  say(`ok blame: ${await page.$$eval('#code-blame tr', trs => trs.map(t => t.textContent.replace(/\s+/g, ' ').trim()).join(' | '))}`);
  await shot('code-blame');
  await page.click('#code-tab-diff');
  await page.waitForSelector('#code-diff');
  say(`ok diff: ${JSON.stringify(await textOf('#code-diff'))}`);
  await shot('code-diff');

  // 7. Services: the output of the service, live.
  await page.click('#nav-services');
  await waitText('#services-output', fn.split('/')[0] + '/');
  say(`ok services: ${(await textOf('#services')).replace(/\s+/g, ' ').trim()}`);
  await shot('services');

  if (errors.length) throw new Error('the page threw: ' + errors.join('; '));
  say('ok done');
} catch (e) {
  say(`FAILED: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  process.exit(process.exitCode ?? 0);
}
