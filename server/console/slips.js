// Printable login slips for a session's roster (examiners only): one slip per candidate with the
// console address, session, candidate id, password and a QR code of the login link (which carries
// the session and candidate id, never the password). Cut along the dashed lines.
import { api, el } from '/console/api.js';
import { setupToggle, t } from '/console/i18n.js';

const sid = new URLSearchParams(location.search).get('session') ?? '';
let slips = [];

function render() {
  document.title = `iotlab · ${t('slips')} · ${sid}`;
  document.getElementById('slips').replaceChildren(
    ...slips.map((s) => {
      const qr = el('div', { class: 'qr' });
      // The server made this SVG from the login link (bwip-js); it holds no script.
      qr.innerHTML = s.qrSvg;
      const row = (key, value, cls = '') =>
        el('tr', {}, el('th', {}, t(key)), el('td', cls ? { class: cls } : {}, value));
      return el(
        'section',
        { class: 'slip', dataset: { candidate: s.candidate } },
        el('h2', {}, t('slipTitle')),
        el(
          'table',
          {},
          row('consoleUrl', s.loginUrl, 'mono'),
          row('session', s.session, 'mono'),
          row('candidateId', s.candidate, 'mono'),
          row('name', s.name),
          row('seat', s.seat ?? '—'),
          row('password', s.password, 'mono password'),
          row('mqttUsername', s.mqttUsername, 'mono'),
        ),
        qr,
        el('p', { class: 'small' }, t('slipNote')),
      );
    }),
  );
}

async function load() {
  try {
    slips = await api('GET', `/api/sessions/${encodeURIComponent(sid)}/slips`);
    render();
  } catch (err) {
    document.getElementById('error').textContent = err.message;
  }
}

document.getElementById('print').addEventListener('click', () => window.print());
setupToggle(render);
load();
