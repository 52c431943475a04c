// tests/e2e/review.e2e.js — the review page in a real browser (Debian's
// chromium, driven by playwright-core). A ledger is filled with flagged items
// over real scans, `omr review` serves it, an operator signs in and resolves
// the whole queue (at least 50 items) with the keyboard alone, undoes one
// decision and decides it again, and the ledger and exports then hold every
// decision with the operator's name. A comment holding markup must show as
// text. A screenshot of the page is kept in samples/review-page.png.
//
// The ledger comes from `omr scan --db` over synthetic filled scans when the
// scanner writes a ledger; otherwise from SQL over forms printed by
// `omr render` (the rows the scanner would write). The output ends in one
// line "N passed, N failed".
'use strict';

const { chromium } = require('playwright-core');
const { spawn, spawnSync, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const OMR = path.resolve(ROOT, process.env.OMR_BIN || 'build/omr');
const OMR_SAMPLES = path.resolve(ROOT, process.env.OMR_SAMPLES_BIN || 'build/omr-samples');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOT = path.join(ROOT, 'samples', 'review-page.png');
const SHOT_SV = path.join(ROOT, 'samples', 'review-page-sv.png');
const SHOT_DUP = path.join(ROOT, 'samples', 'review-duplicate.png');
const SHOT_FOREIGN_SV = path.join(ROOT, 'samples', 'review-foreign-page-sv.png');
const FOREIGN_REASON = 'page of questionnaire "bib-2025" (code QQ7R4T2K), which is not among the templates this scan was started with';
const PASSWORD = 'e2e-operator-password';
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> & "quotes"';
const MIN_ITEMS = 50;

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; console.log('ok - ' + name); } else { failed++; console.log('FAIL - ' + name + (detail ? ': ' + detail : '')); }
  return ok;
}

function sqlite(db, query, json) {
  const args = json ? ['-json', db, query] : ['-batch', '-bail', db, query];
  const out = execFileSync('sqlite3', ['-cmd', '.timeout 10000', ...args], { encoding: 'utf8' });
  if (!json) return out;
  return out.trim() ? JSON.parse(out) : [];
}
const q = (s) => "'" + String(s).replace(/'/g, "''") + "'";

function omr(args, input) {
  const r = spawnSync(OMR, args, { input: input || '', encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0 && r.status !== 1) throw new Error('omr ' + args.join(' ') + ' failed (' + r.status + '): ' + r.stderr);
  return r;
}

function helpOf(command) {
  const r = spawnSync(OMR, [command, '--help'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout + r.stderr : '';
}

// ---- the ledger -----------------------------------------------------------

// Real scans: synthetic filled and degraded forms, read by `omr scan --db`.
function ledgerFromScans(dir, db) {
  const gen = path.join(dir, 'gen');
  execFileSync(OMR_SAMPLES, ['make', '--template', 'ekb-2024', '--count', '60', '--seed', '4242', '--out', gen, '--quick'],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  const out = path.join(dir, 'out');
  omr(['scan', '--template', 'ekb-2024', '--db', db, '--out', out, '--no-ocr', path.join(gen, 'scans')]);
  // what is on each scanned page, as the generator drew it
  const manifest = new Map();
  const lines = fs.readFileSync(path.join(gen, 'manifest.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  for (const line of lines) {
    const [file, index, code, , page, kind] = line.split(',');
    manifest.set(file + '#' + index, { code, page: Number(page), kind });
  }
  // served as the README starts it: --store names the scans' folder only; the
  // comment crops under --out must be served all the same
  return { out, store: [gen], manifest, source: 'omr scan --db over 60 synthetic scanned forms (omr-samples)' };
}

// The rows the scanner writes, made with SQL over forms printed by omr render.
function ledgerFromSql(dir, db) {
  const store = path.join(dir, 'store');
  fs.mkdirSync(store);
  const codes = [];
  for (let i = 1; i <= 12; i++) codes.push('E2E' + String(i).padStart(5, '0'));
  fs.writeFileSync(path.join(dir, 'codes.txt'), codes.join('\n') + '\n');
  omr(['render', 'ekb-2024', '--codes', path.join(dir, 'codes.txt'), '--format', 'png', '--dpi', '150', '--out', store]);
  const geometry = JSON.parse(omr(['template', 'geometry', 'ekb-2024']).stdout);
  const single = geometry.questions.filter((x) => x.type !== 'multi');
  const multi = geometry.questions.filter((x) => x.type === 'multi');
  const pageOf = {};
  for (const p of geometry.pages) for (const b of p.boxes) pageOf[b.question] = p.page;
  const s = 150 / 25.4;
  const transform = JSON.stringify({ m: [s, 0, 0, 0, s, 0], turns: 0 });
  const at = '2026-11-20T08:00:00Z';
  let sqlText = 'BEGIN;\n';
  codes.forEach((code, n) => {
    sqlText += `INSERT INTO returns(template, code, created_at) VALUES ('ekb-2024', ${q(code)}, ${q(at)});\n`;
    const ret = n + 1;
    for (const page of [1, 2]) {
      const file = path.join(store, `${code}-p${page}.png`);
      if (n === 11 && page === 2) continue; // comes without a code: below
      sqlText += `INSERT INTO scan_files(sha256, original_name, stored_path, size, state, received_at) VALUES (${q('sha-' + code + page)}, ${q(code + '-p' + page + '.png')}, ${q(file)}, ${fs.statSync(file).size}, 'done', ${q(at)});\n`;
      sqlText += `INSERT INTO pages(file_id, file_page, status, template, code, page, return_id, transform) VALUES (last_insert_rowid(), 1, 'read', 'ekb-2024', ${q(code)}, ${page}, ${ret}, ${q(transform)});\n`;
    }
    for (let k = 0; k < 4; k++) {
      const qq = k === 3 && n % 3 === 0 ? multi[n % multi.length] : single[(n * 4 + k) % single.length];
      if (n === 11 && pageOf[qq.id] === 2) continue;
      const machine = qq.values[(n + k) % qq.values.length];
      sqlText += `INSERT OR IGNORE INTO answers(return_id, question, value, machine_value, status, reason, confidence) VALUES (${ret}, ${q(qq.id)}, ${q(machine)}, ${q(machine)}, 'review', 'two boxes marked', 0.3);\n`;
      sqlText += `INSERT INTO review_items(return_id, item, kind, reason, created_at) VALUES (${ret}, ${q(qq.id)}, 'answer', ${q(qq.id + ': two boxes marked')}, ${q(at)});\n`;
    }
    if (n < 11) {
      const ocr = n === 2 ? XSS : 'Handläggaren var vänlig ' + n;
      sqlText += `INSERT INTO texts(return_id, field, text, machine_text, confidence, status) VALUES (${ret}, 'comment', ${q(ocr)}, ${q(ocr)}, 41, 'review');\n`;
      sqlText += `INSERT INTO review_items(return_id, item, kind, reason, created_at) VALUES (${ret}, 'comment', 'text', 'comment: OCR confidence 41 below 60', ${q(at)});\n`;
    }
  });
  // page 2 of the last code: its QR code could not be read
  const lost = path.join(store, `${codes[11]}-p2.png`);
  sqlText += `INSERT INTO scan_files(sha256, original_name, stored_path, size, state, received_at) VALUES ('sha-lost', 'lost.png', ${q(lost)}, 1, 'rejected', ${q(at)});\n`;
  sqlText += `INSERT INTO pages(file_id, file_page, status, reason) VALUES (last_insert_rowid(), 1, 'rejected', 'no QR code found in any corner');\n`;
  sqlText += `INSERT INTO review_items(page_id, item, kind, reason, created_at) VALUES (last_insert_rowid(), 'page', 'unmatched_page', 'no QR code found in any corner', ${q(at)});\n`;
  // the same code came back twice
  sqlText += `INSERT INTO returns(template, code, created_at, duplicate_of) VALUES ('ekb-2024', ${q(codes[0])}, '2026-11-21T08:00:00Z', 1);\n`;
  sqlText += `INSERT INTO review_items(return_id, item, kind, reason, created_at) VALUES (last_insert_rowid(), 'duplicate', 'duplicate', 'a second paper return of this code', '2026-11-21T08:00:00Z');\n`;
  sqlText += 'COMMIT;\n';
  sqlite(db, sqlText);
  const manifest = new Map([['lost.png#1', { code: codes[11], page: 2, kind: 'form' }]]);
  return { out: store, store: [store], manifest, source: 'SQL rows over 12 forms printed by omr render (the scanner writes no ledger yet)' };
}

// ---- the server -----------------------------------------------------------

function startServer(db, out, stores) {
  const args = ['review', '--db', db, '--listen', '127.0.0.1:0', '--out', out];
  for (const s of stores) args.push('--store', s);
  const child = spawn(OMR, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('omr review did not start: ' + stderr)), 20000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /serving (http:\/\/[^/]+\/)/.exec(out);
      if (m && /nothing outside is served/.test(out)) { clearTimeout(timer); resolve({ child, url: m[1], stdout: out, stderr: () => stderr }); }
    });
    child.on('exit', (code) => reject(new Error('omr review exited ' + code + ': ' + stderr)));
  });
}

// ---- the operator ---------------------------------------------------------

async function currentId(page) {
  return page.evaluate(() => document.body.dataset.itemId || '');
}

async function waitForItemChange(page, before) {
  try {
    await page.waitForFunction((b) => document.body.dataset.itemId && document.body.dataset.itemId !== b, before, { timeout: 15000 });
  } catch (e) {
    const said = await page.evaluate(() => [document.getElementById('item-kind').textContent,
      document.getElementById('item-error').textContent, document.getElementById('status').textContent, 'focus=' + (document.activeElement && document.activeElement.id), 'text=' + document.getElementById('text-edit').value].join(' | '));
    throw new Error('item ' + before + ' stayed on the page (' + said + ')');
  }
  return currentId(page);
}

async function itemJson(page, id) {
  return page.evaluate(async (i) => (await fetch('/api/items/' + i)).json(), id);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omr-e2e-'));
  const db = path.join(dir, 'omr.db');
  let server = null;
  let context = null;
  let userData = null;
  try {
    // the operators (this also creates the ledger)
    omr(['review', 'user', 'add', 'anna', '--db', db], PASSWORD + '\n');
    omr(['review', 'user', 'add', 'sara', '--supervisor', '--db', db], PASSWORD + '\n');
    const scanner = helpOf('scan');
    const fixture = /--db/.test(scanner) && fs.existsSync(OMR_SAMPLES) ? ledgerFromScans(dir, db) : ledgerFromSql(dir, db);
    console.log('# ledger: ' + fixture.source);
    // a comment whose text is markup, to be shown as text
    sqlite(db, `UPDATE texts SET machine_text = ${q(XSS)}, text = ${q(XSS)} WHERE rowid = (SELECT t.rowid FROM texts t JOIN review_items r ON r.return_id = t.return_id AND r.item = t.field AND r.kind = 'text' ORDER BY t.rowid LIMIT 1)`);
    // a second paper return of a code already returned (its page: a scan of the
    // same form), and a page of another questionnaire whose code was read
    const firstRet = sqlite(db, "SELECT r.id, r.code, r.template, p.id AS page_id, p.file_id, p.file_page FROM returns r JOIN pages p ON p.return_id = r.id AND p.page = 1 WHERE r.duplicate_of IS NULL ORDER BY r.id LIMIT 1", true)[0];
    const copyFile = (tag) => `INSERT INTO scan_files(sha256, original_name, stored_path, size, state, received_at)
        SELECT ${q(tag)} || sha256, ${q(tag)} || original_name, stored_path, size, state, '2026-11-22T09:00:00Z' FROM scan_files WHERE id = ${firstRet.file_id};`;
    sqlite(db, `BEGIN;
      INSERT INTO returns(template, code, created_at, duplicate_of) VALUES (${q(firstRet.template)}, ${q(firstRet.code)}, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+1 hour'), ${firstRet.id});
      ${copyFile('again-')}
      INSERT INTO pages(file_id, file_page, status, template, code, page, return_id, transform)
        SELECT last_insert_rowid(), file_page, 'read', template, code, page, (SELECT max(id) FROM returns), transform FROM pages WHERE id = ${firstRet.page_id};
      INSERT INTO review_items(return_id, item, kind, reason, created_at) VALUES ((SELECT max(id) FROM returns), 'duplicate', 'duplicate', 'a second paper return of this code', '2026-11-22T09:00:00Z');
      ${copyFile('foreign-')}
      INSERT INTO pages(file_id, file_page, status, reason) VALUES (last_insert_rowid(), ${firstRet.file_page}, 'rejected', ${q(FOREIGN_REASON)});
      INSERT INTO review_items(page_id, item, kind, reason, created_at) VALUES (last_insert_rowid(), 'page', 'unmatched_page', ${q(FOREIGN_REASON)}, '2026-11-22T09:00:00Z');
      COMMIT;`);
    const crops = Number(sqlite(db, "SELECT count(*) AS n FROM texts WHERE crop_path IS NOT NULL", true)[0].n);
    console.log('# ' + crops + ' comment crops under --out');
    const waiting = Number(sqlite(db, "SELECT count(*) AS n FROM review_items WHERE state = 'open'", true)[0].n);
    check('the ledger holds at least ' + MIN_ITEMS + ' flagged items', waiting >= MIN_ITEMS, waiting + ' items');

    server = await startServer(db, fixture.out, fixture.store);
    check('omr review names every folder it serves, the --out folder too', server.stdout.includes(fs.realpathSync(fixture.out)) || server.stdout.includes(fixture.out), server.stdout);
    userData = fs.mkdtempSync(path.join(os.tmpdir(), 'omr-e2e-chromium-'));
    context = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] || await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('dialog', (d) => { pageErrors.push('dialog: ' + d.message()); d.dismiss(); });

    // the page in Swedish, for a browser that asks for it (Accept-Language)
    {
      const sv = await context.newPage();
      await sv.setExtraHTTPHeaders({ 'Accept-Language': 'sv-SE,sv;q=0.9,en;q=0.5' });
      await sv.goto(server.url);
      await sv.waitForSelector('#login-name', { state: 'visible' });
      const loginSv = await sv.textContent('#login h2');
      await sv.fill('#login-name', 'anna');
      await sv.fill('#login-password', PASSWORD);
      await sv.press('#login-password', 'Enter');
      await sv.waitForFunction(() => document.body.dataset.itemId, null, { timeout: 15000 });
      await sv.waitForFunction(() => { const i = document.getElementById('item-image'); return i.complete && i.naturalWidth > 0; }, null, { timeout: 15000 }).catch(() => {});
      const words = await sv.evaluate(() => ({ lang: document.documentElement.lang, nav: document.getElementById('nav-queue').textContent,
        out: document.getElementById('logout').textContent, keys: document.getElementById('keys-help').textContent,
        why: document.querySelector('.reason span').textContent, waiting: document.getElementById('waiting').textContent }));
      check('the page is in Swedish for a browser asking for Swedish', loginSv === 'Logga in' && words.lang === 'sv' && words.nav === 'Kö' &&
        words.out === 'Logga ut' && words.why === 'Varför:' && /väntar/.test(words.waiting) && /Tangenter|Rätta|Skriv/.test(words.keys), JSON.stringify({ loginSv, words }));
      // the screenshot: an answer, with its crop (skip what comes before it)
      for (let k = 0; k < 12; k++) {
        const id = await currentId(sv);
        const it = await itemJson(sv, id);
        if (it.kind === 'answer') break;
        if (it.kind === 'unmatched_page' && it.read_template) await sv.screenshot({ path: SHOT_FOREIGN_SV, fullPage: true });
        await sv.keyboard.press('Escape');
        await sv.keyboard.press('n');
        await waitForItemChange(sv, id);
      }
      await sv.waitForFunction(() => { const i = document.getElementById('item-image'); return i.complete && i.naturalWidth > 0; }, null, { timeout: 15000 }).catch(() => {});
      const legendSv = await sv.textContent('#legend');
      check('the legend is in Swedish too', /ikryssad/.test(legendSv) && /osäker/.test(legendSv), legendSv);
      await sv.screenshot({ path: SHOT_SV, fullPage: true });
      const en = await context.newPage();
      await en.setExtraHTTPHeaders({ 'Accept-Language': 'en-GB,en;q=0.9' });
      await en.goto(server.url);
      await en.waitForFunction(() => document.documentElement.lang === 'en' && document.getElementById('nav-queue').textContent === 'Queue', null, { timeout: 15000 })
        .then(() => check('and in English for a browser asking for English', true), (e) => check('and in English for a browser asking for English', false, String(e)));
      await en.close();
      await sv.close();
      await context.clearCookies();
    }

    // sign in with the keyboard
    await page.goto(server.url);
    await page.waitForSelector('#login-name', { state: 'visible' });
    await page.keyboard.type('anna');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.body.dataset.itemId, null, { timeout: 15000 });
    check('the operator signs in with the keyboard', !(await page.isVisible('#login')));
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'omr_session');
    check('the session cookie is HttpOnly and SameSite=Strict', session && session.httpOnly && session.sameSite === 'Strict',
      JSON.stringify(session));

    // a change without the CSRF token, from the page itself, is refused
    const forged = await page.evaluate(async () => {
      const id = Number(document.body.dataset.itemId);
      const r = await fetch('/api/decide', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ item: id, choice: 'blank' }) });
      return r.status;
    });
    check('a change without the CSRF token is refused', forged === 403, 'status ' + forged);

    // work the queue with the keyboard alone
    const expected = new Map(); // item id -> {kind, ...}
    let decided = 0;
    let shot = false;
    let sawXss = false;
    let undoChecked = false;
    let sawCrop = false, cropFailures = 0, sawDuplicate = false, sawForeign = false;
    // the page listens for queue changes (one long poll on /api/events)
    await page.waitForFunction(() => document.body.dataset.queueVersion, null, { timeout: 15000 });
    const versionBefore = await page.evaluate(() => document.body.dataset.queueVersion);
    const started = Date.now();
    for (let n = 0; n < 400; n++) {
      const id = await currentId(page);
      if (id === 'none') break;
      const item = await itemJson(page, id);
      if (item.kind === 'answer' && !shot) {
        await page.waitForFunction(() => { const i = document.getElementById('item-image'); return i.complete && i.naturalWidth > 0; }, null, { timeout: 15000 });
        // the box states: told apart by shape (border style) as well as colour,
        // each colour at least 4.5:1 against the white behind it (WCAG AA)
        const legend = await page.evaluate(() => ['k-marked', 'k-unsure', 'k-blank'].map((k) => {
          const st = getComputedStyle(document.querySelector('.' + k));
          return { style: st.borderTopStyle, colour: st.color };
        }));
        const lum = (rgb) => { const c = rgb.match(/\d+/g).slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
          return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
        const ratios = legend.map((l) => 1.05 / (lum(l.colour) + 0.05));
        check('box states differ by shape as well as colour, every colour at AA contrast',
          new Set(legend.map((l) => l.style)).size === 3 && ratios.every((r) => r >= 4.5), JSON.stringify({ legend, ratios }));
        await page.screenshot({ path: SHOT, fullPage: true });
        shot = true;
      }
      let exp = null;
      if (item.kind === 'answer') {
        const q1 = item.question;
        const keys = q1.options.map((o) => o.key);
        if (q1.type === 'multi') {
          await page.keyboard.press(keys[0]);
          if (n % 2) await page.keyboard.press(keys[keys.length - 1]);
          const ticked = await page.$$eval('#options li.ticked', (lis) => lis.map((li) => li.dataset.value));
          await page.keyboard.press('Enter');
          exp = { kind: 'answer', value: ticked.length ? ticked.join(' ') : null, return_id: item.return_id, question: q1.id, outcome: ticked.length ? 'value' : 'blank' };
        } else if (n % 11 === 5) {
          await page.keyboard.press('i');
          exp = { kind: 'answer', value: null, outcome: 'illegible' };
        } else if (n % 4 === 0 && item.machine_value != null) {
          await page.keyboard.press('Enter');
          exp = { kind: 'answer', value: item.machine_value, outcome: 'value' };
        } else if (n % 4 === 2) {
          await page.keyboard.press('0');
          exp = { kind: 'answer', value: null, outcome: 'blank' };
        } else {
          const o = q1.options[n % q1.options.length];
          await page.keyboard.press(o.key);
          exp = { kind: 'answer', value: o.value, outcome: 'value' };
        }
        Object.assign(exp, { return_id: item.return_id, question: q1.id });
      } else if (item.kind === 'text') {
        {
          const loaded = await page.waitForFunction(() => { const i = document.getElementById('item-image'); return i.complete && i.naturalWidth > 0; }, null, { timeout: 10000 }).then(() => true, () => false);
          if (!loaded) cropFailures++;
          else sawCrop = true;
        }
        if (item.machine_text === XSS && !sawXss) {
          const shown = await page.textContent('#ocr-text');
          const boxValue = await page.inputValue('#text-edit');
          const injected = await page.evaluate(() => ({ flag: window.__xss, imgs: document.querySelectorAll('#ocr-text img, #item img:not(#item-image):not(#dup-first)').length, scripts: document.querySelectorAll('#item script').length }));
          sawXss = check('a comment holding markup is shown as text', shown === XSS && boxValue === XSS &&
            injected.flag === undefined && injected.imgs === 0 && injected.scripts === 0, JSON.stringify({ shown, injected }));
        }
        // the text box has the focus: correct the text and press Enter
        await page.keyboard.press('Control+A');
        const corrected = 'Checked in review ' + n + ': "bra" <ok> & klart';
        await page.keyboard.type(corrected);
        await page.keyboard.press('Enter');
        exp = { kind: 'text', value: corrected, return_id: item.return_id, field: item.item, outcome: 'text' };
      } else if (item.kind === 'duplicate') {
        if (item.first_image && !sawDuplicate) {
          const both = await page.waitForFunction(() => {
            const a = document.getElementById('item-image'), b = document.getElementById('dup-first');
            return a.complete && a.naturalWidth > 0 && b.complete && b.naturalWidth > 0 && !document.getElementById('dup-first-figure').hidden;
          }, null, { timeout: 15000 }).then(() => true, () => false);
          const boxes = await page.evaluate(() => [document.getElementById('item-image'), document.getElementById('dup-first')].map((e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; }));
          const caption = await page.textContent('#dup-first-caption');
          sawDuplicate = check('a duplicate return shows the first return\'s paper beside the new one', both && boxes[1].x >= boxes[0].x + boxes[0].w - 1 &&
            Math.abs(boxes[0].y - boxes[1].y) < 40 && boxes[1].h > 50 && /first return/.test(caption), JSON.stringify({ both, boxes, caption }));
          await page.screenshot({ path: SHOT_DUP, fullPage: true });
        }
        await page.keyboard.press('k');
        exp = { kind: 'duplicate', value: 'keep', outcome: 'keep' };
      } else if (item.kind === 'unmatched_page' && item.page_reason === FOREIGN_REASON) {
        const seen = await page.evaluate(() => ({ title: document.getElementById('item-title').textContent,
          kind: document.getElementById('item-kind').textContent,
          foreign: !document.getElementById('foreign-box').hidden, match: !document.getElementById('match-box').hidden,
          detail: document.getElementById('foreign-detail').textContent }));
        sawForeign = check('a page of another questionnaire says which (template and code read) and asks for no code',
          seen.foreign && !seen.match && /bib-2025/.test(seen.title) && /QQ7R4T2K/.test(seen.title) && !/could not be read/.test(seen.title + seen.kind),
          JSON.stringify(seen));
        await page.keyboard.press('x');
        exp = { kind: 'unmatched_page', value: 'not_form', outcome: 'not_form' };
      } else if (item.kind === 'unmatched_page') {
        // the code is printed under the QR code on the page image; the test knows it
        // (the test knows it from the generator's manifest). The code box has
        // the focus; the page number is one Shift+Tab back.
        const truth = fixture.manifest.get(path.basename(item.file || '') + '#' + item.file_page);
        if (truth && truth.kind === 'form') {
          await page.keyboard.type(truth.code);
          await page.keyboard.press('Shift+Tab');
          await page.keyboard.press('Control+A');
          await page.keyboard.type(String(truth.page));
          await page.keyboard.press('Enter');
          exp = { kind: 'unmatched_page', value: 'ekb-2024:' + truth.code + ':' + truth.page, outcome: 'match', code: truth.code, page: truth.page };
        } else {
          // a cover letter or a blank sheet: no page of a questionnaire
          await page.keyboard.press('Escape');
          await page.keyboard.press('x');
          exp = { kind: 'unmatched_page', value: 'not_form', outcome: 'not_form' };
        }
      } else {
        await page.keyboard.press('n');
      }
      const next = await waitForItemChange(page, id);
      if (exp) { expected.set(Number(id), exp); decided++; }

      // once: take the decision back and decide again with another value
      // (a single-choice answer: one key decides it again; a multi-choice one
      // takes its ticks and Enter, which the loop above already covers)
      if (!undoChecked && exp && exp.kind === 'answer' && item.question.type !== 'multi' && decided >= 10) {
        undoChecked = true;
        await page.keyboard.press('Escape'); // out of a text box, if the next item has one
        await page.keyboard.press('u');
        const back = await waitForItemChange(page, next);
        const reopened = await itemJson(page, back);
        check('u takes the last decision back and shows its item again', Number(back) === Number(id) && reopened.state === 'open',
          back + ' vs ' + id);
        const other = reopened.question.options.find((o) => o.value !== exp.value);
        await page.keyboard.press(other.key);
        await waitForItemChange(page, back);
        expected.set(Number(id), Object.assign({}, exp, { value: other.value, outcome: 'value', redecided: true }));
      }
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`# ${decided} items decided in ${seconds.toFixed(1)} s with the keyboard`);
    check('the operator resolved at least ' + MIN_ITEMS + ' items with the keyboard alone', decided >= MIN_ITEMS, decided + ' decided');
    check('the queue is empty at the end', await page.isVisible('#done'));
    const heard = await page.waitForFunction((b) => document.body.dataset.queueVersion !== b, versionBefore, { timeout: 5000 })
      .then(() => true, () => false);
    check('the page heard the queue change through /api/events', heard, 'version ' + versionBefore);
    check('the comment with markup came up', sawXss);
    check('every comment crop is shown (the --out folder is served besides --store)', sawCrop && cropFailures === 0, cropFailures + ' broken');
    check('the duplicate return came up', sawDuplicate);
    check('the page of another questionnaire came up', sawForeign);
    check('no script error and no dialog on the page', pageErrors.length === 0, pageErrors.join('; '));

    // the ledger: every decision, with the operator's name
    const answers = sqlite(db, 'SELECT return_id, question, value, confirmed_by, confirmed_at FROM answers', true);
    const texts = sqlite(db, 'SELECT return_id, field, text, confirmed_by, confirmed_at FROM texts', true);
    const decisions = sqlite(db, 'SELECT d.review_item_id AS item, d.operator, d.final_value, l.outcome FROM decisions d JOIN review_decision_log l ON l.decision_id = d.id ORDER BY d.id', true);
    const byKey = new Map(answers.map((a) => [a.return_id + '/' + a.question, a]));
    const textByKey = new Map(texts.map((t) => [t.return_id + '/' + t.field, t]));
    let wrong = [];
    for (const [id, exp] of expected) {
      const last = decisions.filter((d) => d.item === id).pop();
      if (!last || last.operator !== 'anna' || last.outcome !== exp.outcome || (last.final_value ?? null) !== exp.value) {
        wrong.push(id + ': decision ' + JSON.stringify(last) + ' expected ' + JSON.stringify(exp));
        continue;
      }
      if (exp.kind === 'answer') {
        const a = byKey.get(exp.return_id + '/' + exp.question);
        if (!a || (a.value ?? null) !== exp.value || a.confirmed_by !== 'anna' || !/^\d{4}-\d\d-\d\dT/.test(a.confirmed_at || ''))
          wrong.push(id + ': answer ' + JSON.stringify(a) + ' expected ' + JSON.stringify(exp));
      } else if (exp.kind === 'text') {
        const t = textByKey.get(exp.return_id + '/' + exp.field);
        if (!t || t.text !== exp.value || t.confirmed_by !== 'anna') wrong.push(id + ': text ' + JSON.stringify(t));
      }
    }
    check('the ledger holds every decision with the operator\'s name (answers.value, confirmed_by, confirmed_at; texts; decisions)',
      wrong.length === 0 && expected.size === decided, wrong.slice(0, 5).join('\n  '));
    const redecided = [...expected].find(([, e]) => e.redecided);
    const history = redecided ? decisions.filter((d) => d.item === redecided[0]).map((d) => d.outcome) : [];
    check('an item decided twice keeps both decisions and the undo', history.length === 3 && history[1] === 'undo', JSON.stringify(history));
    for (const [, exp] of expected) {
      if (exp.outcome !== 'match') continue;
      const joined = sqlite(db, `SELECT count(*) AS n FROM pages p JOIN returns r ON r.id = p.return_id WHERE r.code = ${q(exp.code)} AND p.page = ${exp.page} AND p.status = 'read'`, true);
      check('a page without a code joined its form after the code was typed', joined[0].n >= 1);
    }
    const setAside = [...expected.values()].filter((e) => e.outcome === 'not_form').length;
    if (setAside) console.log(`# ${setAside} page(s) without a code set aside as no questionnaire page (cover letters)`);

    // the exports
    const exportHelp = helpOf('export');
    if (/--db/.test(exportHelp)) {
      const outDir = path.join(dir, 'export');
      const args = ['export', '--db', db, '--out', outDir];
      const r = spawnSync(OMR, args, { encoding: 'utf8', cwd: ROOT });
      const csvPath = path.join(outDir, 'records.csv');
      if (check('omr export writes records.csv from the ledger', (r.status === 0 || r.status === 1) && fs.existsSync(csvPath), r.stderr)) {
        const rowsCsv = parseCsv(fs.readFileSync(csvPath, 'utf8'));
        const header = rowsCsv[0];
        const codeOf = new Map(sqlite(db, 'SELECT id, code FROM returns', true).map((x) => [x.id, x.code]));
        const returnsOf = new Map();
        for (const code of codeOf.values()) returnsOf.set(code, (returnsOf.get(code) || 0) + 1);
        let compared = 0;
        const bad = [];
        for (const [, exp] of expected) {
          if (exp.kind !== 'answer') continue;
          const code = codeOf.get(exp.return_id);
          const rowsOf = rowsCsv.filter((row) => row[header.indexOf('code')] === code);
          // one return, one row: a code with several returns cannot be told apart in records.csv
          if (rowsOf.length !== 1 || returnsOf.get(code) !== 1) continue;
          const row = rowsOf[0];
          compared++;
          const question = header.indexOf(exp.question);
          const confirmed = (row[header.indexOf('confirmed')] || '').split(' ');
          if (question >= 0 && (row[question] || '') !== (exp.value || '')) bad.push(code + ' ' + exp.question + ': ' + row[question] + ' expected ' + exp.value);
          if (header.indexOf('confirmed') >= 0 && !confirmed.includes(exp.question)) bad.push(code + ' ' + exp.question + ' not in confirmed');
        }
        check('records.csv holds the operator\'s decisions and marks them confirmed (' + compared + ' answers compared)',
          bad.length === 0 && compared >= 0.8 * [...expected.values()].filter((e) => e.kind === 'answer').length,
          bad.slice(0, 5).join('\n  '));
        console.log('# exports checked with omr export (records.csv) and in the ledger');
      }
    } else {
      console.log('# exports checked in the ledger with SQL (omr export does not exist yet)');
    }

    // the supervisor's summary
    const sup = await context.newPage();
    await context.clearCookies();
    await sup.goto(server.url + '#summary');
    await sup.waitForSelector('#login-name', { state: 'visible' });
    await sup.keyboard.type('sara');
    await sup.keyboard.press('Tab');
    await sup.keyboard.type(PASSWORD);
    await sup.keyboard.press('Enter');
    await sup.waitForSelector('#summary-operators tbody tr', { timeout: 15000 });
    const opRows = await sup.$$eval('#summary-operators tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    const anna = opRows.find((r) => r[0] === 'anna');
    check('the summary shows what the operator decided today', anna && Number(anna[1]) === decided, JSON.stringify(opRows));
    const share = await sup.$$eval('#summary-changed tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    check('the summary shows the share of machine readings changed', share.some((r) => r[0] === 'all' && /%$/.test(r[3])), JSON.stringify(share));
    await sup.screenshot({ path: path.join(dir, 'summary.png'), fullPage: true });
    if (process.env.OMR_E2E_KEEP) fs.copyFileSync(path.join(dir, 'summary.png'), process.env.OMR_E2E_KEEP);
  } catch (e) {
    check('the browser test ran to its end', false, e && e.stack ? e.stack : String(e));
  } finally {
    if (context) await context.close().catch(() => {});
    if (userData) fs.rmSync(userData, { recursive: true, force: true });
    if (server) {
      const code = await new Promise((resolve) => {
        server.child.once('exit', (c, sig) => resolve(c === null ? sig : c));
        server.child.kill('SIGTERM');
        setTimeout(() => server.child.kill('SIGKILL'), 10000);
      });
      check('omr review stops cleanly on SIGTERM', code === 0, 'exit ' + code + '\n' + server.stderr());
    }
    if (!process.env.OMR_E2E_KEEP_DIR) fs.rmSync(dir, { recursive: true, force: true });
    else console.log('# kept ' + dir);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// RFC 4180 CSV into rows of fields.
function parseCsv(textIn) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < textIn.length; i++) {
    const c = textIn[i];
    if (quoted) {
      if (c === '"' && textIn[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && textIn[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

main();
