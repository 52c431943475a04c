// omr review page: the queue, one keystroke per decision, undo, the
// supervisor's summary. Every value from the ledger goes into the page as
// text (textContent, value), never as HTML.
'use strict';

const state = { me: null, item: null, skip: [], busy: false, renewTimer: null, multi: new Set(), version: -1, listening: false };

const $ = (id) => document.getElementById(id);
function text(id, s) { $(id).textContent = s == null ? '' : String(s); }
function show(id, on) { $(id).hidden = !on; }
function el(tag, content, cls) {
  const e = document.createElement(tag);
  if (content != null) e.textContent = String(content);
  if (cls) e.className = cls;
  return e;
}

// ---- the page's language: Swedish or English ----------------------------
// Chosen by the server (GET /api/lang): `omr review --lang`, or else the
// browser's Accept-Language. Static text carries data-i18n keys; the script's
// own text goes through t(key, ...values) ({0}, {1} are the values).
const WORDS = {
  en: {
    'nav.queue': 'Queue', 'nav.summary': 'Summary', 'nav.logout': 'Sign out', 'supervisor': ' (supervisor)',
    'login.title': 'Sign in', 'login.name': 'Name', 'login.password': 'Password', 'login.submit': 'Sign in',
    'login.failed': 'Sign-in failed',
    'item.why': 'Why:', 'item.image': 'the scanned page around this item', 'item.waiting': '{0} waiting',
    'legend.outlines': 'Outlines:', 'legend.marked': 'marked', 'legend.unsure': 'unsure', 'legend.blank': 'blank',
    'legend.note': "(the machine's view of each box)",
    'text.read': 'Read by OCR', 'text.corrected': 'Corrected text',
    'match.help': 'No login code could be read on this page. Type the code printed under the QR code; if it is no page of a questionnaire (a cover letter, another form), press Esc and then x.',
    'match.template': 'Questionnaire', 'match.page': 'Page', 'match.code': 'Login code',
    'dup.help': 'This login code came back on more than one paper return. Is this the same paper scanned again (discard it), or a second form that counts (keep it)?',
    'dup.this': 'This return (received {0})', 'dup.first': 'The first return (received {0})',
    'dup.first_alt': "the first return's paper", 'dup.no_first': 'The first return has no scanned paper (a web return?)',
    'history': 'History', 'done.title': 'Nothing is waiting',
    'done.help': 'Every item is decided or being decided by another operator. Press u to undo your last decision, or n to look again.',
    'sum.title': 'Summary', 'sum.waiting': 'Waiting', 'sum.kind': 'kind', 'sum.items': 'items',
    'sum.today': 'Decided today, per operator', 'sum.operator': 'operator', 'sum.decided': 'decided',
    'sum.changed_reading': "changed the machine's reading", 'sum.how_often': "How often operators changed the machine's reading",
    'sum.changed': 'changed', 'sum.share': 'share', 'sum.all': 'all',
    'sum.note': "The share counts each item's latest decision; items the machine never read (pages matched by hand) are left out.",
    'sum.when': 'As of {0} (today is {1}, UTC). {2} items are being reviewed right now.', 'sum.oldest': 'Oldest waiting item: {0}',
    'kind.answer': 'Answer', 'kind.text': 'Comment', 'kind.duplicate': 'Duplicate return', 'kind.unmatched_page': 'Page without a code',
    'kind.foreign_page': 'Page of another questionnaire',
    'where.code': 'code {0}', 'where.page': 'page {0}',
    'machine.read': 'The machine read: {0}', 'machine.nothing': 'nothing', 'machine.confidence': ' (confidence {0})',
    'machine.by': ' · decided by {0}',
    'keys.multi': "Keys: a value's key ticks or unticks it, Enter saves the ticked values, 0 or b: nothing ticked, i: illegible, u: undo, n: skip",
    'keys.single': "Keys: a value's key decides, Enter takes the machine's reading, 0 or b: blank, i: illegible, u: undo, n: skip",
    'keys.text': 'Correct the text; Enter saves (Shift+Enter: new line). Esc leaves the box: then b: nothing written, i: illegible, u: undo, n: skip',
    'keys.match': 'Type the login code and press Enter (Shift+Tab: the page number). Esc leaves the box: then r: turn the image upside down, x: not a questionnaire page (a letter), u: undo, n: skip',
    'keys.foreign': 'Keys: x set the page aside (it belongs to another questionnaire; file it with that survey), r: turn the image upside down, u: undo, n: skip',
    'keys.dup': 'Keys: k keep it as a return of its own, d discard it (the same paper again), u: undo, n: skip',
    'text.title': 'Comment {0}', 'text.conf': 'confidence {0}%', 'text.noconf': 'no confidence',
    'match.title': 'A page whose code could not be read', 'match.said': 'The scanner said: {0}',
    'foreign.title': 'A page of questionnaire {0} (code {1} read)',
    'foreign.detail': 'Its QR code was read: questionnaire {0}, login code {1}{2}. That questionnaire is not among the forms this scan was started with, so it is no page missing a code: set it aside (x) and file it with survey {0}, or scan it again with that template.',
    'foreign.page': ', page {0}',
    'dup.title': 'Login code {0} came back twice', 'dup.detail': 'This return was received {0}; the first {1}.',
    'err.queue': 'The queue could not be read', 'err.saved': 'The decision was not saved', 'err.undo': 'Nothing was undone',
    'undo.nothing': 'Nothing to undo', 'undo.done': 'Undone: decide this item again',
    'err.no_machine': 'The machine has no reading to take: press a value, 0 or i',
    'err.summary': 'The summary could not be read', 'hist.machine': 'machine', 'hist.undone': 'undone',
    'fill.ink': 'ink {0}', 'state.blank': 'blank', 'state.marked': 'marked', 'state.unsure': 'unsure', 'state.solid': 'solid',
  },
  sv: {
    'nav.queue': 'Kö', 'nav.summary': 'Översikt', 'nav.logout': 'Logga ut', 'supervisor': ' (arbetsledare)',
    'login.title': 'Logga in', 'login.name': 'Namn', 'login.password': 'Lösenord', 'login.submit': 'Logga in',
    'login.failed': 'Inloggningen misslyckades',
    'item.why': 'Varför:', 'item.image': 'den skannade sidan runt det här ärendet', 'item.waiting': '{0} väntar',
    'legend.outlines': 'Ramar:', 'legend.marked': 'ikryssad', 'legend.unsure': 'osäker', 'legend.blank': 'tom',
    'legend.note': '(maskinens bedömning av varje ruta)',
    'text.read': 'Tolkat med OCR', 'text.corrected': 'Rättad text',
    'match.help': 'Ingen inloggningskod kunde läsas på sidan. Skriv koden som står under QR-koden; är det ingen sida ur en enkät (ett följebrev, en annan blankett), tryck Esc och sedan x.',
    'match.template': 'Enkät', 'match.page': 'Sida', 'match.code': 'Inloggningskod',
    'dup.help': 'Inloggningskoden kom tillbaka på mer än ett pappersexemplar. Är det samma papper skannat igen (kasta det) eller ett andra formulär som räknas (behåll det)?',
    'dup.this': 'Det här exemplaret (mottaget {0})', 'dup.first': 'Det första exemplaret (mottaget {0})',
    'dup.first_alt': 'det första exemplarets papper', 'dup.no_first': 'Det första exemplaret har inget skannat papper (svar via webben?)',
    'history': 'Historik', 'done.title': 'Inget väntar',
    'done.help': 'Alla ärenden är avgjorda eller hos en annan granskare. Tryck u för att ångra ditt senaste beslut eller n för att titta igen.',
    'sum.title': 'Översikt', 'sum.waiting': 'Väntar', 'sum.kind': 'slag', 'sum.items': 'ärenden',
    'sum.today': 'Avgjort i dag, per granskare', 'sum.operator': 'granskare', 'sum.decided': 'avgjorda',
    'sum.changed_reading': 'ändrade maskinens tolkning', 'sum.how_often': 'Hur ofta granskarna ändrade maskinens tolkning',
    'sum.changed': 'ändrade', 'sum.share': 'andel', 'sum.all': 'alla',
    'sum.note': 'Andelen räknar varje ärendes senaste beslut; ärenden maskinen aldrig tolkade (sidor kopplade för hand) är inte med.',
    'sum.when': 'Läget {0} (i dag är {1}, UTC). {2} ärenden granskas just nu.', 'sum.oldest': 'Äldsta väntande ärende: {0}',
    'kind.answer': 'Svar', 'kind.text': 'Kommentar', 'kind.duplicate': 'Dubblett', 'kind.unmatched_page': 'Sida utan kod',
    'kind.foreign_page': 'Sida ur en annan enkät',
    'where.code': 'kod {0}', 'where.page': 'sida {0}',
    'machine.read': 'Maskinen läste: {0}', 'machine.nothing': 'inget', 'machine.confidence': ' (säkerhet {0})',
    'machine.by': ' · avgjort av {0}',
    'keys.multi': 'Tangenter: ett värdes tangent kryssar i eller ur, Enter sparar de ikryssade, 0 eller b: inget ikryssat, i: oläsligt, u: ångra, n: hoppa över',
    'keys.single': 'Tangenter: ett värdes tangent avgör, Enter tar maskinens tolkning, 0 eller b: tomt, i: oläsligt, u: ångra, n: hoppa över',
    'keys.text': 'Rätta texten; Enter sparar (Skift+Enter: ny rad). Esc lämnar rutan: sedan b: inget skrivet, i: oläsligt, u: ångra, n: hoppa över',
    'keys.match': 'Skriv inloggningskoden och tryck Enter (Skift+Tab: sidnumret). Esc lämnar rutan: sedan r: vänd bilden upp och ned, x: ingen enkätsida (ett brev), u: ångra, n: hoppa över',
    'keys.foreign': 'Tangenter: x lägg sidan åt sidan (den hör till en annan enkät; arkivera den med den undersökningen), r: vänd bilden, u: ångra, n: hoppa över',
    'keys.dup': 'Tangenter: k behåll som ett eget svar, d kasta (samma papper igen), u: ångra, n: hoppa över',
    'text.title': 'Kommentar {0}', 'text.conf': 'säkerhet {0} %', 'text.noconf': 'ingen säkerhet',
    'match.title': 'En sida vars kod inte kunde läsas', 'match.said': 'Skannern sa: {0}',
    'foreign.title': 'En sida ur enkäten {0} (koden {1} läst)',
    'foreign.detail': 'QR-koden lästes: enkäten {0}, inloggningskod {1}{2}. Den enkäten är inte bland formulären den här skanningen startades med, så sidan saknar ingen kod: lägg den åt sidan (x) och arkivera den med undersökningen {0}, eller skanna den igen med den mallen.',
    'foreign.page': ', sida {0}',
    'dup.title': 'Inloggningskoden {0} kom tillbaka två gånger', 'dup.detail': 'Det här exemplaret togs emot {0}; det första {1}.',
    'err.queue': 'Kön kunde inte läsas', 'err.saved': 'Beslutet sparades inte', 'err.undo': 'Inget ångrades',
    'undo.nothing': 'Inget att ångra', 'undo.done': 'Ångrat: avgör ärendet igen',
    'err.no_machine': 'Maskinen har ingen tolkning att ta: tryck ett värde, 0 eller i',
    'err.summary': 'Översikten kunde inte läsas', 'hist.machine': 'maskinen', 'hist.undone': 'ångrat',
    'fill.ink': 'bläck {0}', 'state.blank': 'tom', 'state.marked': 'ikryssad', 'state.unsure': 'osäker', 'state.solid': 'ifylld',
  },
};
let LANG = 'en';
function t(key, ...values) {
  const s = (WORDS[LANG] && WORDS[LANG][key]) || WORDS.en[key] || key.replace(/^state\./, '');
  return s.replace(/\{(\d)\}/g, (m, i) => (values[i] == null ? '' : String(values[i])));
}
function applyLang(lang) {
  LANG = WORDS[lang] ? lang : 'en';
  document.documentElement.lang = LANG;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-alt]')) e.alt = t(e.dataset.i18nAlt);
}

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (method === 'POST') {
    opts.headers['Content-Type'] = 'application/json';
    if (state.me) opts.headers['X-CSRF-Token'] = state.me.csrf;
    opts.body = JSON.stringify(body || {});
  }
  const r = await fetch(path, opts);
  let data = {};
  try { data = await r.json(); } catch (e) { data = {}; }
  if (r.status === 401 && path !== '/api/login') { signedOut(); }
  return { status: r.status, ok: r.ok, data };
}

function signedOut() {
  state.me = null;
  state.item = null;
  show('nav', false); show('queue', false); show('summary', false); show('login', true);
  $('login-name').focus();
}

async function start() {
  const l = await api('GET', '/api/lang');
  applyLang(l.ok && l.data.lang ? l.data.lang : 'en');
  const r = await api('GET', '/api/me');
  if (!r.ok) { signedOut(); return; }
  signedIn(r.data);
}

function signedIn(me) {
  state.me = me;
  show('login', false); show('nav', true);
  text('who', me.operator + (me.role === 'supervisor' ? t('supervisor') : ''));
  show('nav-summary', me.role === 'supervisor');
  route();
  listen();
}

// ---- hearing the queue change -------------------------------------------
// One long poll at a time: /api/events answers when the review queue changed
// on any station sharing the ledger (or after 20 s with the same version).
// Only then does the page count again, fetch the summary, or ask for an item
// while nothing was waiting; it never polls the whole queue.

function pause(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

async function listen() {
  if (state.listening) return;
  state.listening = true;
  while (state.me) {
    let r;
    try { r = await api('GET', '/api/events?since=' + state.version); } catch (e) { r = null; }
    if (!state.me) break;
    if (!r || !r.ok) { await pause(3000); continue; }
    const changed = state.version >= 0 && r.data.version !== state.version;
    state.version = r.data.version;
    document.body.dataset.queueVersion = String(r.data.version);
    if (changed) queueChanged(r.data);
  }
  state.listening = false;
}

function queueChanged(d) {
  if (state.item) text('waiting', t('item.waiting', d.waiting));
  if (!$('summary').hidden) loadSummary();
  else if (!state.item && !state.busy) next();
}

function route() {
  if (!state.me) return;
  if (location.hash === '#summary' && state.me.role === 'supervisor') {
    show('queue', false); show('summary', true); loadSummary();
  } else {
    show('summary', false); show('queue', true);
    if (!state.item) next();
  }
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  text('login-error', '');
  const r = await api('POST', '/api/login', { name: $('login-name').value, password: $('login-password').value });
  $('login-password').value = '';
  if (!r.ok) { text('login-error', r.data.error || t('login.failed')); return; }
  signedIn(r.data);
});

$('logout').addEventListener('click', async () => { await api('POST', '/api/logout'); signedOut(); });
window.addEventListener('hashchange', route);

// ---- the queue ----------------------------------------------------------

async function next() {
  const r = await api('POST', '/api/next', { skip: state.skip });
  if (!r.ok) { text('status', r.data.error || t('err.queue')); return; }
  showItem(r.data.item);
}

function kindName(kind) {
  return WORDS.en['kind.' + kind] ? t('kind.' + kind) : kind;
}

function showItem(item) {
  state.item = item;
  state.multi = new Set();
  text('item-error', '');
  text('status', '');
  clearInterval(state.renewTimer);
  if (!item) {
    show('item', false); show('done', true);
    $('item').dataset.itemId = '';
    document.body.dataset.itemId = 'none';
    return;
  }
  show('done', false); show('item', true);
  $('item').dataset.itemId = String(item.id);
  document.body.dataset.itemId = String(item.id);
  text('item-kind', kindName(item.kind === 'unmatched_page' && item.read_template ? 'foreign_page' : item.kind));
  const where = [];
  if (item.code) where.push(t('where.code', item.code));
  if (item.template) where.push(item.template);
  if (item.page) where.push(t('where.page', item.page));
  if (item.file) where.push(item.file + (item.file_page ? ' #' + item.file_page : ''));
  text('item-where', where.join(' · '));
  text('waiting', t('item.waiting', item.waiting));
  text('item-reason', item.reason);
  text('item-section', item.question && item.question.section ? item.question.section : '');
  $('item-image').src = '/api/items/' + item.id + '/image.png';
  $('item-image').classList.remove('upside-down');
  show('legend', item.kind === 'answer');
  show('options', false); show('text-box', false); show('match-box', false); show('dup-box', false);
  show('foreign-box', false); show('dup-first-figure', false); show('image-caption', false);
  document.querySelector('.work').classList.toggle('pair', item.kind === 'duplicate');
  $('options').replaceChildren();
  text('machine', '');
  if (item.kind === 'answer') showAnswer(item);
  else if (item.kind === 'text') showText(item);
  else if (item.kind === 'unmatched_page' && item.read_template) showForeign(item);
  else if (item.kind === 'unmatched_page') showMatch(item);
  else if (item.kind === 'duplicate') showDuplicate(item);
  showHistory(item);
  state.renewTimer = setInterval(renew, 60000);
}

function percent(x) { return x == null ? '' : Math.round(x * 100) + '%'; }

function showAnswer(item) {
  const q = item.question || { options: [], type: 'single' };
  text('item-title', (q.id ? q.id + ': ' : '') + (q.text || item.item));
  const machine = item.machine_value == null ? t('machine.nothing') : item.machine_value;
  text('machine', t('machine.read', machine) +
    (item.confidence != null ? t('machine.confidence', percent(item.confidence)) : '') +
    (item.confirmed_by ? t('machine.by', item.confirmed_by) : ''));
  const chosen = new Set(item.machine_value ? String(item.machine_value).split(' ') : []);
  if (q.type === 'multi') state.multi = new Set(chosen);
  for (const o of q.options) {
    const li = el('li');
    li.dataset.value = o.value;
    li.appendChild(el('kbd', o.key));
    li.appendChild(el('span', o.label || o.value, 'label'));
    li.appendChild(el('span', '= ' + o.value, 'value'));
    if (o.fill != null) li.appendChild(el('span', t('fill.ink', percent(o.fill)) + (o.decision ? ', ' + t('state.' + o.decision) : ''), 'fill'));
    if (chosen.has(o.value)) li.classList.add('machine');
    $('options').appendChild(li);
  }
  markMulti();
  show('options', true);
  text('keys-help', t(q.type === 'multi' ? 'keys.multi' : 'keys.single'));
}

function markMulti() {
  for (const li of $('options').children) li.classList.toggle('ticked', state.multi.has(li.dataset.value));
}

function showText(item) {
  text('item-title', t('text.title', item.item) + (item.prompt ? ': ' + item.prompt : ''));
  text('ocr-text', item.machine_text == null ? '' : item.machine_text);
  text('ocr-confidence', item.confidence == null ? t('text.noconf') : t('text.conf', Math.round(item.confidence)));
  $('text-edit').value = item.text == null ? (item.machine_text == null ? '' : item.machine_text) : item.text;
  show('text-box', true);
  text('keys-help', t('keys.text'));
  $('text-edit').focus();
}

function showMatch(item) {
  text('item-title', t('match.title'));
  // a group (item "pages 1 3"): one form whose codes all failed; the item's
  // reason names every page, and the code typed lands them all
  const said = (item.item || '').startsWith('pages') ? item.reason : item.page_reason;
  text('machine', said ? t('match.said', said) : '');
  const sel = $('match-template');
  sel.replaceChildren();
  for (const t of item.templates || []) {
    const o = el('option', t.id + (t.title ? ' — ' + t.title : ''));
    o.value = t.id;
    sel.appendChild(o);
  }
  if (item.template) sel.value = item.template;
  $('match-page').value = item.page || 1;
  $('match-code').value = '';
  show('match-box', true);
  text('keys-help', t('keys.match'));
  $('match-code').focus();
}

// A page whose QR code WAS read, of a questionnaire this scan was not started
// with: it is not asked for under a wrong form; it is set aside (x).
function showForeign(item) {
  text('item-title', t('foreign.title', item.read_template, item.read_code));
  text('machine', item.page_reason ? t('match.said', item.page_reason) : '');
  text('foreign-detail', t('foreign.detail', item.read_template, item.read_code,
    item.read_page ? t('foreign.page', item.read_page) : ''));
  show('foreign-box', true);
  text('keys-help', t('keys.foreign'));
}

function showDuplicate(item) {
  text('item-title', t('dup.title', item.code || ''));
  text('dup-detail', t('dup.detail', item.received || '?', item.first_received || '?'));
  show('dup-box', true);
  // the first return's paper beside the new one: the same paper twice, or a second form?
  text('image-caption', t('dup.this', item.received || '?'));
  show('image-caption', true);
  const first = $('dup-first');
  first.onerror = () => { show('dup-first', false); text('dup-first-caption', t('dup.no_first')); };
  show('dup-first', true);
  first.src = item.first_image || '';
  text('dup-first-caption', t('dup.first', item.first_received || '?'));
  show('dup-first-figure', true);
  text('keys-help', t('keys.dup'));
}

function showHistory(item) {
  const list = $('history-list');
  list.replaceChildren();
  for (const h of item.history || []) {
    const s = h.decided_at + ' ' + h.operator + ': ' + (h.final_value == null ? '(' + h.outcome + ')' : h.final_value) +
      ' (' + t('hist.machine') + ': ' + (h.machine_value == null ? t('machine.nothing') : h.machine_value) + ')' +
      (h.undone_at ? ' — ' + t('hist.undone') + ' ' + h.undone_at : '');
    list.appendChild(el('li', s));
  }
  text('history-count', (item.history || []).length);
}

async function decide(choice, value, extra) {
  if (!state.item || state.busy) return;
  state.busy = true;
  const body = Object.assign({ item: state.item.id, choice, value }, extra || {});
  const r = await api('POST', '/api/decide', body);
  state.busy = false;
  if (!r.ok) {
    const message = r.data.error || t('err.saved');
    text('item-error', message);
    // taken or decided meanwhile: the next item now (the queue has changed)
    if (r.status === 409) { await next(); text(state.item ? 'item-error' : 'status', message); }
    return;
  }
  await next();
}

async function undo() {
  if (state.busy) return;
  state.busy = true;
  const r = await api('POST', '/api/undo');
  state.busy = false;
  if (!r.ok) { text('item-error', r.data.error || t('err.undo')); return; }
  if (!r.data.item) { text('status', t('undo.nothing')); return; }
  state.skip = state.skip.filter((id) => id !== r.data.item.id);
  showItem(r.data.item);
  text('status', t('undo.done'));
}

async function skip() {
  if (state.busy) return;
  if (state.item) {
    state.skip.push(state.item.id);
    await api('POST', '/api/release', { item: state.item.id });
  } else {
    state.skip = [];
  }
  await next();
}

// The lease is renewed while the operator is at work; an operator who walks
// away lets it run out, and the item goes back to the queue.
let lastActivity = Date.now();
for (const ev of ['keydown', 'mousemove', 'mousedown', 'input']) {
  document.addEventListener(ev, () => { lastActivity = Date.now(); }, { passive: true });
}

async function renew() {
  if (!state.item || Date.now() - lastActivity > 8 * 60000) return;
  const r = await api('POST', '/api/renew', { item: state.item.id });
  if (r.status === 409) { await next(); text(state.item ? 'item-error' : 'status', r.data.error); }
}

function valueForKey(key) {
  const q = state.item && state.item.question;
  if (!q) return null;
  const o = q.options.find((o) => o.key === key);
  return o ? o.value : null;
}

document.addEventListener('keydown', (ev) => {
  if (!state.me || $('queue').hidden || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const item = state.item;
  const target = ev.target;
  const inField = target && (target.tagName === 'TEXTAREA' || target.tagName === 'INPUT' || target.tagName === 'SELECT');
  if (inField) {
    if (ev.key === 'Escape') { target.blur(); ev.preventDefault(); return; }
    if (ev.key === 'Enter' && !ev.shiftKey && item) {
      ev.preventDefault();
      if (item.kind === 'text' && target.id === 'text-edit') decide('text', $('text-edit').value);
      else if (item.kind === 'unmatched_page') decide('match', $('match-code').value.trim(),
        { template: $('match-template').value, page: parseInt($('match-page').value, 10) || 1 });
    }
    return;
  }
  const key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
  if (key === 'u' || key === 'Backspace') { ev.preventDefault(); undo(); return; }
  if (key === 'n' || key === 'ArrowRight') { ev.preventDefault(); skip(); return; }
  if (!item) return;
  if (item.kind === 'answer') {
    const multi = item.question && item.question.type === 'multi';
    const v = valueForKey(key);
    if (v != null) {
      ev.preventDefault();
      if (multi) {
        if (state.multi.has(v)) state.multi.delete(v); else state.multi.add(v);
        markMulti();
      } else {
        decide('value', v);
      }
      return;
    }
    if (key === '0' || key === 'b') { ev.preventDefault(); decide('blank'); return; }
    if (key === 'i') { ev.preventDefault(); decide('illegible'); return; }
    if (key === 'Enter') {
      ev.preventDefault();
      if (multi) {
        const order = item.question.options.map((o) => o.value).filter((v) => state.multi.has(v));
        if (order.length) decide('value', order.join(' ')); else decide('blank');
      } else if (item.machine_value != null) {
        decide('value', item.machine_value);
      } else {
        text('item-error', t('err.no_machine'));
      }
    }
    return;
  }
  if (item.kind === 'text') {
    if (key === 'b' || key === '0') { ev.preventDefault(); decide('blank'); return; }
    if (key === 'i') { ev.preventDefault(); decide('illegible'); return; }
    if (key === 'Enter') { ev.preventDefault(); decide('text', $('text-edit').value); return; }
    if (key === 'e') { ev.preventDefault(); $('text-edit').focus(); }
    return;
  }
  if (item.kind === 'duplicate') {
    if (key === 'k') { ev.preventDefault(); decide('keep'); return; }
    if (key === 'd') { ev.preventDefault(); decide('discard'); return; }
    return;
  }
  if (item.kind === 'unmatched_page' && item.read_template) {
    if (key === 'x') { ev.preventDefault(); decide('not_form'); return; }
    if (key === 'r') { ev.preventDefault(); $('item-image').classList.toggle('upside-down'); return; }
    return;
  }
  if (item.kind === 'unmatched_page') {
    if (key === 'x') { ev.preventDefault(); decide('not_form'); return; }
    if (key === 'r') { ev.preventDefault(); $('item-image').classList.toggle('upside-down'); return; }
    if (key === 'e' || key === 'Enter') { ev.preventDefault(); $('match-code').focus(); }
  }
});

// ---- the supervisor's summary -------------------------------------------

function row(cells) {
  const tr = el('tr');
  for (const c of cells) tr.appendChild(el('td', c));
  return tr;
}

async function loadSummary() {
  const r = await api('GET', '/api/summary');
  if (!r.ok) { text('summary-when', r.data.error || t('err.summary')); return; }
  const s = r.data;
  text('summary-when', t('sum.when', s.now, s.today, s.being_reviewed));
  const w = $('summary-waiting').tBodies[0];
  w.replaceChildren();
  for (const [k, n] of Object.entries(s.waiting)) w.appendChild(row([kindName(k), n]));
  w.appendChild(row([t('sum.all'), s.waiting_total]));
  text('summary-oldest', s.oldest_waiting ? t('sum.oldest', s.oldest_waiting) : '');
  const o = $('summary-operators').tBodies[0];
  o.replaceChildren();
  for (const op of s.operators) o.appendChild(row([op.operator, op.decided_today, op.changed_today]));
  const c = $('summary-changed').tBodies[0];
  c.replaceChildren();
  for (const k of ['answer', 'text']) {
    if (s.machine_changed[k]) {
      const m = s.machine_changed[k];
      c.appendChild(row([kindName(k), m.decided, m.changed, percent(m.share)]));
    }
  }
  c.appendChild(row([t('sum.all'), s.machine_changed.decided, s.machine_changed.changed, percent(s.machine_changed.share)]));
}

start();
