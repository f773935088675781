// The trainer page: the labs running now, one lab's devices with live values (SSE, once a second)
// and a uPlot chart per sensor, actuator states, fault buttons per device, the active faults with
// a clear button each, and reset. What a device shows is what it reports (truth at lab time).
import uPlot from '/console/vendor/uPlot.esm.js';
import { api, el } from '/console/api.js';
import { lang, setupToggle, t } from '/console/i18n.js';

const $ = (id) => document.getElementById(id);
const KEEP = 300; // points per chart: five minutes at 1 Hz
const COLOURS = [
  '#1f6fb2',
  '#c2410c',
  '#15803d',
  '#7e22ce',
  '#b91c1c',
  '#0e7490',
  '#a16207',
  '#333',
];
let current = null; // { key, session, candidate, devices, charts: Map, stream }
let lastLive = null;

async function guard(fn) {
  $('error').textContent = '';
  try {
    await fn();
  } catch (err) {
    $('error').textContent = err.message;
  }
}

const labKey = (l) => `${l.session}/${l.candidate}`;
const labPath = () =>
  `/api/trainer/labs/${current.session}/${encodeURIComponent(current.candidate)}`;
const title = (d) => (d.title ? `${d.title[lang]} · ${d.name}` : d.name);
const faultLabel = (d, type) =>
  type === 'no-response' &&
  (d.kind === 'modbus_rtu' || d.bindings.some((b) => b.startsWith('modbus')))
    ? t('fault.modbus-timeout')
    : t(`fault.${type}`);

async function loadLabs() {
  const labs = await api('GET', '/api/trainer/labs');
  const keep = current?.key ?? $('lab').value;
  $('lab').replaceChildren(
    el('option', { value: '' }, labs.length ? '—' : t('noLabs')),
    ...labs.map((l) =>
      el(
        'option',
        { value: labKey(l) },
        `${l.session} · ${t(l.mode)} · ${l.candidate} ${l.name ?? ''} · ${l.task}`,
      ),
    ),
  );
  if (keep && labs.some((l) => labKey(l) === keep)) $('lab').value = keep;
  else if (current) close(t('ended'));
}

function close(message) {
  current?.stream.close();
  current = null;
  lastLive = null;
  $('devices').replaceChildren();
  $('faults').replaceChildren();
  $('status').textContent = message ?? '';
}

function chartFor(d, box) {
  const series = [
    { label: t('labTime') },
    ...d.channels.map((c, i) => ({
      label: `${c.quantity} (${c.unit})`,
      stroke: COLOURS[i % COLOURS.length],
      width: 2,
    })),
  ];
  const data = [[], ...d.channels.map(() => [])];
  const plot = new uPlot(
    {
      width: 440,
      height: 160,
      scales: { x: { time: false } },
      axes: [{ label: 's' }, {}],
      series,
    },
    data,
    box,
  );
  return { plot, data };
}

function deviceCard(d) {
  const buttons = d.faultTypes.map((type) =>
    el(
      'button',
      { type: 'button', dataset: { fault: type }, onclick: () => inject(d, type) },
      faultLabel(d, type),
    ),
  );
  const chart = el('div', { class: 'chart' });
  return {
    section: el(
      'section',
      { class: 'device', dataset: { device: d.id } },
      el('h3', {}, title(d)),
      el('p', { class: 'meta' }, `${d.id} · ${d.kind} · ${d.bindings.join(', ')}`),
      el(
        'p',
        {},
        el('span', { class: 'status' }),
        ' ',
        el('span', { class: 'faults' }),
        ' ',
        el('span', { class: 'values' }),
      ),
      chart,
      d.bindings.includes('serial') ? el('pre', { class: 'state' }) : '',
      el('p', { class: 'buttons' }, ...buttons),
    ),
    chart,
  };
}

async function openLab(key) {
  close();
  if (!key) return;
  const [session, candidate] = key.split('/');
  current = { key, session, candidate, devices: [], charts: new Map(), stream: null };
  const view = await api('GET', labPath());
  current.devices = view.devices;
  const cards = view.devices.map((d) => {
    const c = deviceCard(d);
    if (d.channels.length > 0) current.charts.set(d.id, { pending: c.chart, device: d });
    return c.section;
  });
  $('devices').replaceChildren(...cards);
  // uPlot measures its container: build the charts once the cards are in the page.
  for (const [id, c] of current.charts) current.charts.set(id, chartFor(c.device, c.pending));
  show(view.live);
  const stream = new EventSource(`${labPath()}/events`);
  current.stream = stream;
  stream.addEventListener('live', (e) => show(JSON.parse(e.data)));
  stream.addEventListener('ended', () => {
    close(t('ended'));
    void loadLabs().catch(() => {});
  });
}

function fmt(v) {
  return typeof v === 'boolean' ? t(v ? 'on' : 'off') : String(v);
}

function show(live) {
  if (!current) return;
  lastLive = live;
  $('status').textContent =
    `${current.session} · ${current.candidate} · ${t('labTime')} ${Math.floor(live.t / 1000)} s`;
  for (const dl of live.devices) {
    const d = current.devices.find((x) => x.id === dl.id);
    const card = document.querySelector(`section.device[data-device="${CSS.escape(dl.id)}"]`);
    if (!d || !card) continue;
    card.classList.toggle('down', !dl.online);
    card.querySelector('.status').textContent = t(dl.online ? 'online' : 'offline');
    card.querySelector('.faults').textContent = dl.faults.map((f) => faultLabel(d, f)).join(', ');
    const units = Object.fromEntries(d.channels.map((c) => [c.quantity, c.unit]));
    card.querySelector('.values').textContent = Object.entries(dl.values ?? {})
      .map(([k, v]) => `${k} = ${fmt(v)}${units[k] ? ` ${units[k]}` : ''}`)
      .join(' · ');
    const pre = card.querySelector('.state');
    if (pre && dl.state) pre.textContent = JSON.stringify(dl.state).slice(0, 400);
    const chart = current.charts.get(dl.id);
    if (chart?.plot && dl.values) {
      const x = live.t / 1000;
      const xs = chart.data[0];
      if (xs.length === 0 || xs[xs.length - 1] < x) {
        xs.push(x);
        d.channels.forEach((c, i) => chart.data[i + 1].push(dl.values[c.quantity]));
        if (xs.length > KEEP) for (const a of chart.data) a.shift();
        chart.plot.setData(chart.data);
      }
    }
  }
  showFaults(live.faults);
}

function showFaults(faults) {
  const head = el(
    'tr',
    {},
    ...['device', 'type', 'since', 'until', ''].map((k) => el('th', {}, k ? t(k) : '')),
  );
  const rows = faults.map((f) => {
    const d = current.devices.find((x) => x.id === f.deviceId);
    return el(
      'tr',
      { dataset: { fault: f.id } },
      el('td', {}, `${f.device} (${f.deviceId})`),
      el('td', {}, d ? faultLabel(d, f.type) : f.type),
      el('td', {}, `${Math.floor(f.start / 1000)} s`),
      el('td', {}, f.end === undefined ? t('untilCleared') : `${Math.floor(f.end / 1000)} s`),
      el(
        'td',
        {},
        el(
          'button',
          { type: 'button', class: 'clear', onclick: () => clearFault(f.id) },
          t('clear'),
        ),
      ),
    );
  });
  $('faults').replaceChildren(head, ...rows);
}

async function refreshNow() {
  if (current) show((await api('GET', labPath())).live);
}

function inject(d, type) {
  return guard(async () => {
    const duration = Number($('duration').value);
    await api('POST', `${labPath()}/faults`, {
      device: d.id,
      type,
      ...(duration > 0 ? { duration } : {}),
    });
    await refreshNow();
  });
}

function clearFault(id) {
  return guard(async () => {
    await api('DELETE', `${labPath()}/faults/${id}`);
    await refreshNow();
  });
}

async function enter() {
  await loadLabs();
  $('login').classList.add('hidden');
  $('main').classList.remove('hidden');
  setInterval(() => void loadLabs().catch(() => {}), 5000);
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  try {
    await api('POST', '/api/login', { username: f.get('username'), password: f.get('password') });
    await enter();
  } catch (err) {
    $('login-error').textContent = `${t('loginFailed')}: ${err.message}`;
  }
});
$('lab').addEventListener('change', (e) => void guard(() => openLab(e.target.value)));
$('reset').addEventListener('click', () =>
  guard(async () => {
    if (!current) return;
    await api('POST', `${labPath()}/reset`, {});
    await refreshNow();
  }),
);

setupToggle(() => {
  if (!current) return;
  for (const d of current.devices) {
    const card = document.querySelector(`section.device[data-device="${CSS.escape(d.id)}"]`);
    for (const b of card?.querySelectorAll('button[data-fault]') ?? [])
      b.textContent = faultLabel(d, b.dataset.fault);
  }
  if (lastLive) show(lastLive);
});
enter().catch(() => {});
