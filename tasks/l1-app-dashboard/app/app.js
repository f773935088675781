// Reference app of l1-app-dashboard: reads the lab card, subscribes to the temperature over
// MQTT/WebSocket, plots every sample (its own ts and value) with ECharts, keeps the plotted series
// in the chart's data-series attribute, and raises and clears the alarm by the stated rule.
'use strict';
// The rule, from the instructions.
const HIGH = 30;
const LOW = 27;
const COUNT = 3;
const KEEP_MS = 60_000;
const MAX_POINTS = 300;
// Typical mistakes, for the task's tests: plotting rounded values, raising on one sample,
// clearing as soon as the value is back at or below high.
const ROUND = false;
const DEBOUNCE = true;
const HYSTERESIS = true;

const $ = (id) => document.querySelector('[data-testid="' + id + '"]');

async function main() {
  const card = await (await fetch('/card.json')).json();
  const temp = card.devices.find((d) => d.name === 'temp');
  const el = $('trend-chart');
  const chart = echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption({
    animation: false,
    grid: { left: 50, right: 30, top: 20, bottom: 40 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'time' },
    yAxis: {
      type: 'value',
      splitLine: { lineStyle: { color: '#2a4466' } },
      name: '°C',
      min: (r) => Math.floor(Math.min(r.min, LOW) - 2),
      max: (r) => Math.ceil(Math.max(r.max, HIGH) + 2),
    },
    series: [
      {
        type: 'line',
        name: '温度',
        showSymbol: false,
        data: [],
        markLine: {
          symbol: 'none',
          data: [
            { yAxis: HIGH, name: '上限', lineStyle: { color: '#ef5350' } },
            { yAxis: LOW, name: '下限', lineStyle: { color: '#ffb300' } },
          ],
        },
      },
    ],
  });
  window.addEventListener('resize', () => chart.resize());

  const points = [];
  let above = 0;
  let raised = false;
  const onSample = (ts, v) => {
    points.push([ts, ROUND ? Math.round(v) : v]);
    while (points.length > MAX_POINTS || (points.length > 0 && points[0][0] < ts - KEEP_MS))
      points.shift();
    el.dataset.series = JSON.stringify(points);
    chart.setOption({ series: [{ data: points }] });
    document.getElementById('latest').textContent = v.toFixed(1) + ' °C';
    above = v > HIGH ? above + 1 : 0;
    if (!raised && (DEBOUNCE ? above >= COUNT : v > HIGH)) raised = true;
    else if (raised && (HYSTERESIS ? v < LOW : v <= HIGH)) raised = false;
    $('alarm').hidden = !raised;
  };

  const opts = { reconnectPeriod: 1000, clientId: 'dash-' + Math.random().toString(16).slice(2) };
  if (card.mqtt.username) opts.username = card.mqtt.username;
  if (card.mqtt.password) opts.password = card.mqtt.password;
  const client = mqtt.connect(card.mqtt.wsUrl, opts);
  client.on('connect', () => {
    document.getElementById('link').textContent = '已连接';
    client.subscribe(temp.mqtt.telemetryTopic, { qos: 0 });
  });
  client.on('close', () => {
    document.getElementById('link').textContent = '连接断开';
  });
  client.on('message', (_topic, payload) => {
    let body;
    try {
      body = JSON.parse(payload.toString());
    } catch {
      return;
    }
    if (typeof body.ts === 'number' && typeof body.temperature === 'number')
      onSample(body.ts, body.temperature);
  });
}

main().catch((err) => {
  document.getElementById('link').textContent = '出错：' + err.message;
});
