// <iot-gauge>: the reference app's own visual component (a Web Component, no framework). A dial
// of 240° over the scale [min, max], its arc coloured by zone, the number and unit in the middle.
// Configured per instance by attributes: label, unit, min, max, warn, alarm, value (and size).
// It reflects what it shows into the data contract: data-value, data-unit, data-zone, data-min,
// data-max (the page sets data-device).
'use strict';

const ZONE_COLOURS = { normal: '#43a047', warn: '#ffb300', alarm: '#e53935' };
const SWEEP = 240;

class IotGauge extends HTMLElement {
  static get observedAttributes() {
    return ['label', 'unit', 'min', 'max', 'warn', 'alarm', 'value', 'digits', 'three-zones'];
  }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.shadowRoot.innerHTML = `
      <style>
        :host { display: inline-block; width: 220px; font-family: system-ui, sans-serif; color: #e6eef8; }
        :host([size="large"]) { width: 420px; }
        .box { background: #15263d; border-radius: 10px; padding: 12px 14px 8px; text-align: center; }
        .label { font-size: 15px; margin-bottom: 4px; }
        svg { width: 100%; height: auto; display: block; }
        .num { font-size: 30px; font-weight: 600; fill: #fff; }
        .unit { font-size: 14px; fill: #9fb4cc; }
        .zone { font-size: 13px; margin-top: 2px; }
        .scale { font-size: 11px; fill: #9fb4cc; }
      </style>
      <div class="box">
        <div class="label"></div>
        <svg viewBox="0 0 200 150">
          <path class="track" fill="none" stroke="#2a4466" stroke-width="14" stroke-linecap="round"/>
          <path class="warn-band" fill="none" stroke="#ffb30055" stroke-width="4"/>
          <path class="alarm-band" fill="none" stroke="#e5393577" stroke-width="4"/>
          <path class="bar" fill="none" stroke-width="14" stroke-linecap="round"/>
          <text class="num" x="100" y="98" text-anchor="middle">—</text>
          <text class="unit" x="100" y="120" text-anchor="middle"></text>
          <text class="scale lo" x="32" y="146" text-anchor="middle"></text>
          <text class="scale hi" x="168" y="146" text-anchor="middle"></text>
        </svg>
        <div class="zone"></div>
      </div>`;
  }

  connectedCallback() {
    this.render();
  }

  attributeChangedCallback() {
    this.render();
  }

  num(name, fallback) {
    const v = Number(this.getAttribute(name));
    return this.hasAttribute(name) && Number.isFinite(v) ? v : fallback;
  }

  /** normal below warn, warn from warn, alarm from alarm (two zones when three-zones="false"). */
  zoneOf(v) {
    const warn = this.num('warn', Infinity);
    const alarm = this.num('alarm', Infinity);
    if (v >= alarm) return 'alarm';
    if (this.getAttribute('three-zones') !== 'false' && v >= warn) return 'warn';
    return 'normal';
  }

  arc(from, to, r) {
    const min = this.num('min', 0);
    const max = this.num('max', 100);
    const angle = (v) => {
      const f = Math.min(1, Math.max(0, (v - min) / (max - min || 1)));
      return ((-SWEEP / 2 + f * SWEEP - 90) * Math.PI) / 180;
    };
    const a = angle(from);
    const b = angle(to);
    const p = (t) => [100 + r * Math.cos(t), 90 + r * Math.sin(t)];
    const [x1, y1] = p(a);
    const [x2, y2] = p(b);
    const large = b - a > Math.PI ? 1 : 0;
    return `M ${x1.toFixed(1)} ${y1.toFixed(1)} A ${r} ${r} 0 ${large} 1 ${x2.toFixed(1)} ${y2.toFixed(1)}`;
  }

  render() {
    const root = this.shadowRoot;
    const min = this.num('min', 0);
    const max = this.num('max', 100);
    const unit = this.getAttribute('unit') ?? '';
    const digits = this.num('digits', 1);
    root.querySelector('.label').textContent = this.getAttribute('label') ?? '';
    root.querySelector('.unit').textContent = unit;
    root.querySelector('.lo').textContent = String(min);
    root.querySelector('.hi').textContent = String(max);
    root.querySelector('.track').setAttribute('d', this.arc(min, max, 70));
    const warn = this.num('warn', max);
    const alarm = this.num('alarm', max);
    root.querySelector('.warn-band').setAttribute('d', this.arc(warn, alarm, 82));
    root.querySelector('.alarm-band').setAttribute('d', this.arc(alarm, max, 82));
    this.dataset.unit = unit;
    this.dataset.min = String(min);
    this.dataset.max = String(max);
    const bar = root.querySelector('.bar');
    if (!this.hasAttribute('value')) {
      bar.setAttribute('d', '');
      delete this.dataset.value;
      delete this.dataset.zone;
      return;
    }
    const v = this.num('value', min);
    const shown = v.toFixed(digits);
    const zone = this.zoneOf(Number(shown));
    bar.setAttribute('d', this.arc(min, Math.max(min, v), 70));
    bar.setAttribute('stroke', ZONE_COLOURS[zone]);
    root.querySelector('.num').textContent = shown;
    const label = { normal: '正常', warn: '预警', alarm: '告警' }[zone];
    const z = root.querySelector('.zone');
    z.textContent = label;
    z.style.color = ZONE_COLOURS[zone];
    this.dataset.value = shown;
    this.dataset.zone = zone;
  }
}

customElements.define('iot-gauge', IotGauge);
