// The examiner page: sessions, roster with connection state and progress (refreshed every 3 s),
// start/stop/extend, per-candidate reports, regrade preview then publish, manual scores, exports.
import { api, el } from '/console/api.js';
import { lang, setupToggle, t } from '/console/i18n.js';

const $ = (id) => document.getElementById(id);
let sid = null;

async function guard(fn) {
  $('error').textContent = '';
  try {
    await fn();
  } catch (err) {
    $('error').textContent = err.message;
  }
}

async function loadSessions() {
  const list = await api('GET', '/api/sessions');
  $('session').replaceChildren(
    ...list.map((s) =>
      el('option', { value: s.id }, `${s.id} · ${s.paper} · ${s.mode} · ${s.state}`),
    ),
  );
  sid = sid ?? list.at(-1)?.id ?? null;
  if (sid) $('session').value = sid;
}

async function refresh() {
  if (!sid) return;
  const p = await api('GET', `/api/sessions/${sid}/progress`);
  $('status').textContent =
    `${p.session.state} · ${p.session.mode} · → ${new Date(p.session.endsAt).toLocaleString()}`;
  const head = el(
    'tr',
    {},
    ...[
      'candidate',
      'connected',
      'current',
      ...p.tasks.map((x) => x.id),
      'total',
      'result',
      'flags',
    ].map((k) => el('th', {}, t(k))),
  );
  const rows = p.candidates.map((c) => {
    const cells = p.tasks.map((task) => {
      const g = c.grades.find((x) => x.task === task.id);
      const a = c.attempts.find((x) => x.task === task.id);
      const td = el('td', {}, g ? (g.final ?? t(g.status)) : a ? t(a.state) : '');
      if (g)
        td.append(
          ' ',
          el(
            'a',
            {
              href: `/api/sessions/${sid}/candidates/${encodeURIComponent(c.id)}/report?task=${task.id}&lang=${lang}`,
              target: '_blank',
            },
            t('report'),
          ),
        );
      return td;
    });
    return el(
      'tr',
      { dataset: { candidate: c.id } },
      el('td', {}, `${c.id} ${c.name}`),
      el('td', {}, c.connected),
      el('td', {}, c.currentTask ?? ''),
      ...cells,
      el('td', {}, c.total ?? ''),
      el('td', {}, t(c.result)),
      el(
        'td',
        {
          class: c.flags.length ? 'flag' : '',
          title: c.flags.map((f) => f.message[lang]).join('\n'),
        },
        c.flags.length ? `⚠ ${c.flags.map((f) => `${t(f.kind)} ${f.subject}`).join('; ')}` : '',
      ),
    );
  });
  $('roster').replaceChildren(head, ...rows);
  const link = (fmt, key) =>
    el(
      'a',
      {
        href: `/api/sessions/${sid}/export?format=${fmt}&lang=${lang}`,
        id: `export-${fmt}`,
        download: '',
      },
      t(key),
    );
  const all = el(
    'a',
    {
      href: `/api/sessions/${sid}/reports`,
      id: 'export-reports',
      download: `iotlab-${sid}-reports.json`,
    },
    t('exportJson'),
  );
  $('exports').replaceChildren(
    link('csv', 'exportWide'),
    ' · ',
    link('csv-long', 'exportLong'),
    ' · ',
    link('xlsx', 'exportXlsx'),
    ' · ',
    all,
    ' · ',
    el('a', { href: `/slips?session=${sid}`, target: '_blank', id: 'slips-link' }, t('slips')),
  );
  const audit = await api('GET', `/api/sessions/${sid}/audit`);
  $('audit').replaceChildren(
    ...audit
      .slice(-30)
      .map((a) =>
        el(
          'tr',
          {},
          el('td', {}, a.at),
          el('td', {}, a.actor),
          el('td', {}, a.action),
          el('td', {}, JSON.stringify(a.detail)),
        ),
      ),
  );
}

async function enter() {
  await loadSessions();
  $('login').classList.add('hidden');
  $('main').classList.remove('hidden');
  await refresh();
  setInterval(() => void refresh().catch(() => {}), 3000);
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
$('session').addEventListener('change', (e) => {
  sid = e.target.value;
  void guard(refresh);
});
$('start').addEventListener('click', () =>
  guard(async () => {
    await api('POST', `/api/sessions/${sid}/start`);
    await refresh();
  }),
);
$('stop').addEventListener('click', () =>
  guard(async () => {
    await api('POST', `/api/sessions/${sid}/stop`);
    await refresh();
  }),
);
$('extend').addEventListener('click', () =>
  guard(async () => {
    await api('POST', `/api/sessions/${sid}/extend`, { minutes: 10 });
    await refresh();
  }),
);
$('regrade').addEventListener('click', () =>
  guard(async () => {
    const diff = await api('GET', `/api/sessions/${sid}/regrade`);
    const head = el(
      'tr',
      {},
      ...['candidate', 'tasks', 'before', 'after'].map((k) => el('th', {}, t(k))),
    );
    $('diff').replaceChildren(
      head,
      ...diff.map((d) =>
        el(
          'tr',
          {},
          el('td', {}, d.candidate),
          el('td', {}, d.task),
          el('td', {}, d.before ?? t(d.beforeStatus)),
          el('td', {}, d.changed ? (d.after ?? t(d.afterStatus)) : t('noChange')),
        ),
      ),
    );
    $('publish').disabled = false;
  }),
);
$('publish').addEventListener('click', () =>
  guard(async () => {
    await api('POST', `/api/sessions/${sid}/regrade`, {});
    $('publish').disabled = true;
    await refresh();
  }),
);
$('manual').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  void guard(async () => {
    await api(
      'POST',
      `/api/sessions/${sid}/candidates/${encodeURIComponent(f.get('cid'))}/manual`,
      {
        task: f.get('task'),
        check: f.get('check'),
        points: Number(f.get('points')),
        reason: f.get('reason'),
      },
    );
    await refresh();
  });
});

setupToggle(() => void refresh().catch(() => {}));
enter().catch(() => {});
