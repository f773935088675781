// Reference app of l1-app-mobile: reads the lab card, subscribes over MQTT/WebSocket and shows
// both sensors, each device's status, the actuator's own state and the alarm prompt, and asks the
// lab's map API for the temperature sensor's address.
'use strict';
// The typical mistakes, for the task's tests: the switch shows what was tapped; the address is
// written into the page (and then it is another lab's).
const FOLLOW_DEVICE = true;
const HARD_CODED_ADDRESS = '';
const HIGH = 30; // °C, from the instructions
const $ = (id) => document.querySelector('[data-testid="' + id + '"]');

// The one third-party call: the sensor's coordinates (card) to its address (map API).
async function showAddress(card, device) {
  const el = $('device-address');
  if (HARD_CODED_ADDRESS) {
    el.textContent = HARD_CODED_ADDRESS;
    return;
  }
  const map = card.thirdParty.map;
  const q = new URLSearchParams({
    key: map.key,
    lat: String(device.location.lat),
    lon: String(device.location.lon),
  });
  const res = await (await fetch(map.url + '/reverse?' + q)).json();
  el.textContent = res.code === 0 ? res.data.formatted_address : '地址查询失败：' + res.message;
}

function digits(resolution) {
  return Math.max(0, Math.ceil(-Math.log10(resolution)));
}

async function main() {
  const card = await (await fetch('/card.json')).json();
  const dev = (name) => card.devices.find((d) => d.name === name);
  const temp = dev('temp');
  const hum = dev('hum');
  const act = dev('actuator');
  if (act.title) document.getElementById('actuator-name').textContent = act.title.zh;
  showAddress(card, temp).catch((err) => {
    $('device-address').textContent = '地址查询失败：' + err.message;
  });
  const opts = { reconnectPeriod: 1000, clientId: 'app-' + Math.random().toString(16).slice(2) };
  if (card.mqtt.username) opts.username = card.mqtt.username;
  if (card.mqtt.password) opts.password = card.mqtt.password;
  const client = mqtt.connect(card.mqtt.wsUrl, opts);
  const sw = $('actuator-switch');
  let deviceOn = false;

  const handlers = new Map();
  const show = (d, id, quantity, onValue) => {
    const ch = d.channels.find((c) => c.quantity === quantity);
    handlers.set(d.mqtt.telemetryTopic, (body) => {
      const v = body[quantity];
      if (typeof v !== 'number') return;
      $(id).textContent = v.toFixed(digits(ch.resolution)) + ' ' + ch.unit;
      if (onValue) onValue(v);
    });
  };
  show(temp, 'temp-value', 'temperature', (v) => {
    $('alarm').hidden = !(v > HIGH);
  });
  show(hum, 'hum-value', 'humidity');
  for (const [d, id] of [
    [temp, 'temp-status'],
    [hum, 'hum-status'],
    [act, 'actuator-status'],
  ])
    handlers.set(d.mqtt.statusTopic, (_body, text) => {
      $(id).textContent = text === 'online' ? '在线' : '离线';
    });
  handlers.set(act.mqtt.stateTopic, (body) => {
    if (typeof body.on !== 'boolean') return;
    deviceOn = body.on;
    if (FOLLOW_DEVICE) sw.checked = deviceOn;
  });

  sw.addEventListener('click', (e) => {
    // The switch shows the device's state: the tap only asks for the other one.
    if (FOLLOW_DEVICE) e.preventDefault();
    const on = FOLLOW_DEVICE ? !deviceOn : sw.checked;
    client.publish(act.mqtt.commandTopic, JSON.stringify({ on }), { qos: 1 });
  });

  client.on('connect', () => {
    document.getElementById('link').textContent = '已连接';
    client.subscribe([...handlers.keys()], { qos: 0 });
  });
  client.on('close', () => {
    document.getElementById('link').textContent = '连接断开';
  });
  client.on('message', (topic, payload) => {
    const text = payload.toString();
    let body = {};
    try {
      body = JSON.parse(text);
    } catch {
      body = {};
    }
    const h = handlers.get(topic);
    if (h) h(body, text);
  });
}

main().catch((err) => {
  document.getElementById('link').textContent = '出错：' + err.message;
});
