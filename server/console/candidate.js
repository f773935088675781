// The candidate page: login, tasks with start/finish, instructions (zh/en), card, countdown,
// and in practice mode the live checklist streamed by the server (SSE).
import { api, el } from '/console/api.js';
import { lang, setupToggle, t } from '/console/i18n.js';

let me = null;
let shown = null; // the task whose instructions are shown
let events = null;

const $ = (id) => document.getElementById(id);

async function showInstructions(task) {
  shown = task;
  const r = await api('GET', `/api/me/tasks/${encodeURIComponent(task)}/instructions?lang=${lang}`);
  $('instructions').textContent = `${r.title}\n\n${r.text}`;
}

function render() {
  if (!me) return;
  $('who').textContent = `${me.candidate.id} ${me.candidate.name}`;
  $('paper').textContent = me.paper.title[lang];
  const rows = [
    el(
      'tr',
      {},
      ...['tasks', 'points', 'running', 'score', ''].map((k) => el('th', {}, k && t(k))),
    ),
  ];
  rows[0].children[2].textContent = '';
  for (const task of me.tasks) {
    const state = task.state === 'not-started' ? t('notStarted') : t(task.state);
    const score = task.score ? (task.score.final ?? t(task.score.status)) : '';
    const start = el('button', { type: 'button', dataset: { task: task.id } }, t('start'));
    start.disabled = task.state !== 'not-started' || me.currentTask !== null || !me.session.running;
    start.addEventListener('click', () => startTask(task.id));
    const view = el(
      'a',
      {
        href: '#',
        onclick: (e) => {
          e.preventDefault();
          void showInstructions(task.id);
        },
      },
      task.title[lang],
    );
    rows.push(
      el(
        'tr',
        { dataset: { task: task.id } },
        el('td', {}, view),
        el('td', {}, task.points),
        el('td', {}, state),
        el('td', {}, score),
        el('td', {}, start),
      ),
    );
  }
  $('tasks').replaceChildren(...rows);
  $('finish').classList.toggle('hidden', me.currentTask === null);
  $('card').textContent = me.card ? JSON.stringify(me.card, null, 2) : '—';
  $('checklist-box').classList.toggle('hidden', me.session.mode !== 'practice');
}

// A running task's files: the ones it provides to download, and the one to hand in (captured
// when the task ends).
let files = null;
async function showFiles() {
  files = me?.currentTask ? await api('GET', '/api/me/files') : null;
  const box = $('files-box');
  box.classList.toggle('hidden', !files || (files.provided.length === 0 && !files.upload));
  if (!files) return;
  $('files').replaceChildren(
    ...files.provided.map((f) =>
      el(
        'li',
        {},
        el('a', { href: `/api/me/files/${encodeURIComponent(f.name)}`, download: f.name }, f.name),
        f.size === null ? '' : ` (${f.size} B)`,
      ),
    ),
  );
  $('upload').classList.toggle('hidden', !files.upload);
  if (files.upload)
    $('upload-name').textContent =
      files.upload.name +
      (files.upload.size === null ? '' : ` (${t('handedIn')} ${files.upload.size} B)`);
}

$('upload').addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = e.target.elements.namedItem('file').files[0];
  if (!file || !files?.upload) return;
  const res = await fetch(`/api/me/files/${encodeURIComponent(files.upload.name)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'x-iotlab-csrf': '1' },
    body: file,
    credentials: 'same-origin',
  });
  const body = await res.json();
  $('upload-status').textContent = res.ok
    ? `${t('uploaded')} ${body.size} B`
    : (body.error?.message ?? String(res.status));
  await showFiles();
});

async function refresh() {
  me = await api('GET', '/api/me');
  render();
  await showFiles();
  const task = shown ?? me.currentTask ?? me.tasks[0]?.id;
  if (task) await showInstructions(task);
}

async function startTask(id) {
  $('task-error').textContent = '';
  try {
    me = await api('POST', `/api/me/tasks/${encodeURIComponent(id)}/start`);
    shown = id;
    await refresh();
  } catch (err) {
    $('task-error').textContent = err.message;
  }
}

function countdown() {
  if (!me) return;
  const left = Math.max(0, Date.parse(me.session.endsAt) - Date.now());
  const s = Math.floor(left / 1000);
  const hh = Math.floor(s / 3600),
    mm = Math.floor((s % 3600) / 60),
    ss = s % 60;
  $('countdown').textContent =
    `${hh}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
}

function listen() {
  events?.close();
  events = new EventSource('/api/me/events');
  events.addEventListener('state', () => void refresh());
  events.addEventListener('checklist', (e) => {
    const data = JSON.parse(e.data);
    $('checklist').replaceChildren(
      ...data.checks.map((c) =>
        el(
          'li',
          { class: c.status },
          `${c.title[lang]} — ${c.status}${c.hint ? ` · ${c.hint[lang]}` : ''}`,
        ),
      ),
    );
  });
}

async function enter() {
  await refresh();
  $('login').classList.add('hidden');
  $('main').classList.remove('hidden');
  listen();
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  try {
    await api('POST', '/api/candidate/login', {
      session: f.get('session'),
      candidate: f.get('candidate'),
      password: f.get('password'),
    });
    await enter();
  } catch (err) {
    $('login-error').textContent = `${t('loginFailed')}: ${err.message}`;
  }
});
$('finish').addEventListener('click', async () => {
  me = await api('POST', '/api/me/finish');
  await refresh();
});

setupToggle(() => {
  if (me) refresh().catch(() => {});
});
setInterval(countdown, 1000);
// A login slip's QR code links here with the session and candidate id (never the password).
const given = new URLSearchParams(location.search);
for (const key of ['session', 'candidate']) {
  const value = given.get(key);
  if (value) $('login').elements.namedItem(key).value = value;
}
// Already logged in (cookie): go straight to the lab.
enter().catch(() => {});
