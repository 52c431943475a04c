// omr review page: the queue, one keystroke per decision, undo, the
// supervisor's summary. Every value from the ledger goes into the page as
// text (textContent, value), never as HTML.
'use strict';

const state = { me: null, item: null, skip: [], busy: false, renewTimer: null, multi: new Set() };

const $ = (id) => document.getElementById(id);
function text(id, s) { $(id).textContent = s == null ? '' : String(s); }
function show(id, on) { $(id).hidden = !on; }
function el(tag, content, cls) {
  const e = document.createElement(tag);
  if (content != null) e.textContent = String(content);
  if (cls) e.className = cls;
  return e;
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
  const r = await api('GET', '/api/me');
  if (!r.ok) { signedOut(); return; }
  signedIn(r.data);
}

function signedIn(me) {
  state.me = me;
  show('login', false); show('nav', true);
  text('who', me.operator + (me.role === 'supervisor' ? ' (supervisor)' : ''));
  show('nav-summary', me.role === 'supervisor');
  route();
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
  if (!r.ok) { text('login-error', r.data.error || 'Sign-in failed'); return; }
  signedIn(r.data);
});

$('logout').addEventListener('click', async () => { await api('POST', '/api/logout'); signedOut(); });
window.addEventListener('hashchange', route);

// ---- the queue ----------------------------------------------------------

async function next() {
  const r = await api('POST', '/api/next', { skip: state.skip });
  if (!r.ok) { text('status', r.data.error || 'The queue could not be read'); return; }
  showItem(r.data.item);
}

function kindName(kind) {
  return { answer: 'Answer', text: 'Comment', duplicate: 'Duplicate return', unmatched_page: 'Page without a code' }[kind] || kind;
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
  text('item-kind', kindName(item.kind));
  const where = [];
  if (item.code) where.push('code ' + item.code);
  if (item.template) where.push(item.template);
  if (item.page) where.push('page ' + item.page);
  if (item.file) where.push(item.file + (item.file_page ? ' #' + item.file_page : ''));
  text('item-where', where.join(' · '));
  text('waiting', item.waiting + ' waiting');
  text('item-reason', item.reason);
  text('item-section', item.question && item.question.section ? item.question.section : '');
  $('item-image').src = '/api/items/' + item.id + '/image.png';
  $('item-image').classList.remove('upside-down');
  show('legend', item.kind === 'answer');
  show('options', false); show('text-box', false); show('match-box', false); show('dup-box', false);
  $('options').replaceChildren();
  text('machine', '');
  if (item.kind === 'answer') showAnswer(item);
  else if (item.kind === 'text') showText(item);
  else if (item.kind === 'unmatched_page') showMatch(item);
  else if (item.kind === 'duplicate') showDuplicate(item);
  showHistory(item);
  state.renewTimer = setInterval(renew, 60000);
}

function percent(x) { return x == null ? '' : Math.round(x * 100) + '%'; }

function showAnswer(item) {
  const q = item.question || { options: [], type: 'single' };
  text('item-title', (q.id ? q.id + ': ' : '') + (q.text || item.item));
  const machine = item.machine_value == null ? 'nothing' : item.machine_value;
  text('machine', "The machine read: " + machine +
    (item.confidence != null ? ' (confidence ' + percent(item.confidence) + ')' : '') +
    (item.confirmed_by ? ' · decided by ' + item.confirmed_by : ''));
  const chosen = new Set(item.machine_value ? String(item.machine_value).split(' ') : []);
  if (q.type === 'multi') state.multi = new Set(chosen);
  for (const o of q.options) {
    const li = el('li');
    li.dataset.value = o.value;
    li.appendChild(el('kbd', o.key));
    li.appendChild(el('span', o.label || o.value, 'label'));
    li.appendChild(el('span', '= ' + o.value, 'value'));
    if (o.fill != null) li.appendChild(el('span', 'ink ' + percent(o.fill) + (o.decision ? ', ' + o.decision : ''), 'fill'));
    if (chosen.has(o.value)) li.classList.add('machine');
    $('options').appendChild(li);
  }
  markMulti();
  show('options', true);
  const help = q.type === 'multi'
    ? 'Keys: a value\'s key ticks or unticks it, Enter saves the ticked values, 0 or b: nothing ticked, i: illegible, u: undo, n: skip'
    : 'Keys: a value\'s key decides, Enter takes the machine\'s reading, 0 or b: blank, i: illegible, u: undo, n: skip';
  text('keys-help', help);
}

function markMulti() {
  for (const li of $('options').children) li.classList.toggle('ticked', state.multi.has(li.dataset.value));
}

function showText(item) {
  text('item-title', 'Comment ' + item.item + (item.prompt ? ': ' + item.prompt : ''));
  text('ocr-text', item.machine_text == null ? '' : item.machine_text);
  text('ocr-confidence', item.confidence == null ? 'no confidence' : 'confidence ' + Math.round(item.confidence) + '%');
  $('text-edit').value = item.text == null ? (item.machine_text == null ? '' : item.machine_text) : item.text;
  show('text-box', true);
  text('keys-help', 'Correct the text; Enter saves (Shift+Enter: new line). Esc leaves the box: then b: nothing written, i: illegible, u: undo, n: skip');
  $('text-edit').focus();
}

function showMatch(item) {
  text('item-title', 'A page whose code could not be read');
  text('machine', item.page_reason ? 'The scanner said: ' + item.page_reason : '');
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
  text('keys-help', 'Type the login code and press Enter (Shift+Tab: the page number). Esc leaves the box: then r: turn the image upside down, x: not a questionnaire page (a letter), u: undo, n: skip');
  $('match-code').focus();
}

function showDuplicate(item) {
  text('item-title', 'Login code ' + (item.code || '') + ' came back twice');
  text('dup-detail', 'This return was received ' + (item.received || '?') + '; the first ' + (item.first_received || '?') + '.');
  show('dup-box', true);
  text('keys-help', 'Keys: k keep it as a return of its own, d discard it (the same paper again), u: undo, n: skip');
}

function showHistory(item) {
  const list = $('history-list');
  list.replaceChildren();
  for (const h of item.history || []) {
    const s = h.decided_at + ' ' + h.operator + ': ' + (h.final_value == null ? '(' + h.outcome + ')' : h.final_value) +
      ' (machine: ' + (h.machine_value == null ? 'nothing' : h.machine_value) + ')' +
      (h.undone_at ? ' — undone ' + h.undone_at : '');
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
    text('item-error', r.data.error || 'The decision was not saved');
    if (r.status === 409) setTimeout(next, 1500);
    return;
  }
  await next();
}

async function undo() {
  if (state.busy) return;
  state.busy = true;
  const r = await api('POST', '/api/undo');
  state.busy = false;
  if (!r.ok) { text('item-error', r.data.error || 'Nothing was undone'); return; }
  if (!r.data.item) { text('status', 'Nothing to undo'); return; }
  state.skip = state.skip.filter((id) => id !== r.data.item.id);
  showItem(r.data.item);
  text('status', 'Undone: decide this item again');
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
  if (r.status === 409) { text('item-error', r.data.error); setTimeout(next, 1500); }
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
        text('item-error', 'The machine has no reading to take: press a value, 0 or i');
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
  if (!r.ok) { text('summary-when', r.data.error || 'The summary could not be read'); return; }
  const s = r.data;
  text('summary-when', 'As of ' + s.now + ' (today is ' + s.today + ', UTC). ' + s.being_reviewed + ' items are being reviewed right now.');
  const w = $('summary-waiting').tBodies[0];
  w.replaceChildren();
  for (const [k, n] of Object.entries(s.waiting)) w.appendChild(row([kindName(k), n]));
  w.appendChild(row(['all', s.waiting_total]));
  text('summary-oldest', s.oldest_waiting ? 'Oldest waiting item: ' + s.oldest_waiting : '');
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
  c.appendChild(row(['all', s.machine_changed.decided, s.machine_changed.changed, percent(s.machine_changed.share)]));
}

start();
