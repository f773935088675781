// Reference app of l2-app-gauge: reads the lab card, subscribes to the three sensors over
// MQTT/WebSocket, shows each with its own <iot-gauge> on the overview (thresholds, unit and scale
// per device) and one more on the detail level for the device clicked.
'use strict';
// The zones, from the instructions (by device name); unit and range come from the card.
const DEVICES = [
  { name: 'temp', label: '机房温度', warn: 28, alarm: 32 },
  { name: 'hum', label: '机房湿度', warn: 70, alarm: 85 },
  { name: 'co2', label: '二氧化碳浓度', warn: 1000, alarm: 1500 },
];
// Typical mistakes, for the task's tests: whole numbers shown, the temperature's thresholds for
// every device, two zones only, a detail level that always shows the first device.
const ROUND = false;
const OWN_THRESHOLDS = true;
const WARN_ZONE = true;
const FOLLOW_CLICK = true;

const $ = (id) => document.querySelector('[data-testid="' + id + '"]');

/** Sets a gauge up for a device: its id, label, unit, scale and thresholds. */
function configure(gauge, dev, card) {
  const ch = card.channels[0];
  const zones = OWN_THRESHOLDS ? dev : DEVICES[0];
  gauge.dataset.device = card.id;
  gauge.setAttribute('label', dev.label);
  gauge.setAttribute('unit', ch.unit);
  gauge.setAttribute('min', String(ch.range[0]));
  gauge.setAttribute('max', String(ch.range[1]));
  gauge.setAttribute('warn', String(zones.warn));
  gauge.setAttribute('alarm', String(zones.alarm));
  gauge.setAttribute('digits', ROUND || ch.resolution >= 1 ? '0' : '1');
  gauge.setAttribute('three-zones', String(WARN_ZONE));
}

async function main() {
  const card = await (await fetch('/card.json')).json();
  const overview = document.getElementById('overview');
  const detail = document.getElementById('detail');
  const big = $('detail-gauge');
  const latest = new Map();
  let open = null;

  const devices = DEVICES.map((dev) => {
    const c = card.devices.find((d) => d.name === dev.name);
    const g = document.createElement('iot-gauge');
    g.dataset.testid = 'gauge-' + dev.name;
    configure(g, dev, c);
    g.addEventListener('click', () => show(FOLLOW_CLICK ? dev.name : DEVICES[0].name));
    overview.appendChild(g);
    return { dev, card: c, gauge: g };
  });

  function show(name) {
    const d = devices.find((x) => x.dev.name === name);
    open = name;
    configure(big, d.dev, d.card);
    if (latest.has(name)) big.setAttribute('value', String(latest.get(name)));
    else big.removeAttribute('value');
    document.getElementById('detail-title').textContent = d.dev.label + ' · ' + d.card.id;
    document.getElementById('detail-topic').textContent = d.card.mqtt.telemetryTopic;
    overview.hidden = true;
    detail.hidden = false;
  }
  $('back').addEventListener('click', () => {
    open = null;
    detail.hidden = true;
    overview.hidden = false;
  });

  const byTopic = new Map(devices.map((d) => [d.card.mqtt.telemetryTopic, d]));
  const opts = { reconnectPeriod: 1000, clientId: 'gauge-' + Math.random().toString(16).slice(2) };
  if (card.mqtt.username) opts.username = card.mqtt.username;
  if (card.mqtt.password) opts.password = card.mqtt.password;
  const client = mqtt.connect(card.mqtt.wsUrl, opts);
  client.on('connect', () => {
    document.getElementById('link').textContent = '已连接';
    client.subscribe([...byTopic.keys()], { qos: 0 });
  });
  client.on('close', () => {
    document.getElementById('link').textContent = '连接断开';
  });
  client.on('message', (topic, payload) => {
    const d = byTopic.get(topic);
    if (!d) return;
    let body;
    try {
      body = JSON.parse(payload.toString());
    } catch {
      return;
    }
    const v = body[d.card.channels[0].quantity];
    if (typeof v !== 'number') return;
    latest.set(d.dev.name, v);
    d.gauge.setAttribute('value', String(v));
    if (open === d.dev.name) big.setAttribute('value', String(v));
  });
}

main().catch((err) => {
  document.getElementById('link').textContent = '出错：' + err.message;
});
