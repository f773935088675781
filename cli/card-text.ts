/** The lab card as a readable table for the terminal (bilingual headings), and its variables. */
import type { LabCard } from '../simulator/card.js';

/**
 * The card's variables as POSIX shell lines (`export NAME=value`), to paste into a terminal or
 * source from a file (docs/card.md). A value with anything but plain characters is single-quoted.
 */
export function renderEnvLines(env: Readonly<Record<string, string>>): string {
  const quote = (v: string): string =>
    /^[\w./:@[\]%+,=-]*$/.test(v) ? v : `'${v.replaceAll("'", `'\\''`)}'`;
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${quote(v)}\n`)
    .join('');
}

export function renderCardText(card: LabCard): string {
  const lines: string[] = [];
  const l = card.lab;
  lines.push(`iotlab — ${l.title.zh} / ${l.title.en}`);
  lines.push(`实验 Lab: ${l.scenario}  种子 seed: ${l.seed}  编号 id: ${l.labId}`);
  lines.push('');
  lines.push(
    `MQTT 3.1.1 ${card.mqtt.url}${card.mqtt.wsUrl ? `   WebSocket ${card.mqtt.wsUrl}` : ''}`,
  );
  if (card.mqtt.tlsUrl)
    lines.push(
      `MQTT TLS   ${card.mqtt.tlsUrl}${card.mqtt.wssUrl ? `   WebSocket TLS ${card.mqtt.wssUrl}` : ''}`,
    );
  if (card.mqtt.ca)
    lines.push(`CA 证书 certificate  ${card.mqtt.ca.path}  (SHA-256 ${card.mqtt.ca.sha256})`);
  lines.push(`主题前缀 topic prefix  ${card.mqtt.topicPrefix}/`);
  if (card.mqtt.username)
    lines.push(`用户名/密码 user/pass   ${card.mqtt.username} / ${card.mqtt.password ?? ''}`);
  lines.push(`CoAP       ${card.coap.url}   (GET /.well-known/core)`);
  lines.push(`Modbus TCP ${card.modbus.host}:${card.modbus.port}`);
  if (card.evidence) lines.push(`证据 evidence  ${card.evidence.path}`);
  lines.push('');
  lines.push('设备 Devices');
  for (const d of card.devices) {
    const title = d.title ? `  ${d.title.zh} / ${d.title.en}` : '';
    lines.push(`- ${d.id}  [${d.kind === d.type ? d.kind : `${d.kind} ${d.type}`}]${title}`);
    if (d.channels)
      lines.push(
        `    ${d.channels.map((c) => `${c.quantity} (${c.unit}, ${c.range[0]}…${c.range[1]}, step ${c.resolution})`).join('; ')}`,
      );
    if (d.mqtt) {
      lines.push(
        `    mqtt  ${d.mqtt.telemetryTopic}  every ${d.mqtt.period}s qos ${d.mqtt.qos}${d.mqtt.retain ? ' retained' : ''}`,
      );
      if (d.mqtt.commandTopic)
        lines.push(
          `    mqtt  command → ${d.mqtt.commandTopic}  ({"on":true} | ON/OFF)   state ← ${d.mqtt.stateTopic ?? ''}`,
        );
    }
    if (d.firmware) {
      const fw = d.firmware;
      lines.push(
        `    firmware  request → ${fw.commandTopic}  reply ← ${fw.replyTopic}  (docs/firmware.md)`,
      );
      if (fw.release)
        lines.push(
          `    release ${fw.release.version}  ${fw.release.size} B  sha256 ${fw.release.sha256}  (restart ${fw.rebootS} s)`,
        );
    }
    if (d.coap)
      lines.push(
        `    coap  ${d.coap.path}${d.kind === 'actuator' ? '  (PUT {"on":true} | on/off)' : ''}  observable`,
      );
    if (d.modbus) {
      for (const r of d.modbus.registers) {
        const scaling =
          r.type === 'bool'
            ? ''
            : `  value = raw × ${fmt(r.scale)}${r.offset < 0 ? ` − ${fmt(-r.offset)}` : ` + ${fmt(r.offset)}`} ${r.unit}${r.signal ? `  (${r.signal}, raw in ${r.rawUnit})` : ''}`;
        lines.push(
          `    modbus${d.modbus.transport === 'rtu' ? ' RTU' : ''} unit ${d.modbus.unit}  ${r.table} ${r.address}${r.count > 1 ? `+${r.count}` : ''} ${r.type} ${r.quantity}${r.access === 'rw' ? ' (read/write)' : ''}${scaling}`,
        );
      }
    }
  }
  if (card.serial && card.serial.length > 0) {
    lines.push('');
    lines.push('串口设备 Serial devices (raw TCP, like ser2net)');
    for (const d of card.serial) {
      const st = d.settings;
      const title = d.title ? `  ${d.title.zh} / ${d.title.en}` : '';
      lines.push(`- ${d.id}  [${d.kind}]${title}`);
      lines.push(
        `    tcp ${d.tcp.host}:${d.tcp.port}  ${st.baudRate} ${st.dataBits}${st.parity[0]!.toUpperCase()}${st.stopBits}${d.pty ? `  pty ${d.pty}` : ''}${d.port ? `  port ${d.port}` : ''}`,
      );
      lines.push(`    protocol: docs/protocols/${d.kind.replaceAll('_', '-')}.md`);
      if (d.files) lines.push(`    images: ${d.files.baseUrl}codes/<n>.png`);
    }
  }
  if (card.gateways && card.gateways.length > 0) {
    lines.push('');
    lines.push('边缘网关 Edge gateways (docs/gateway.md)');
    for (const g of card.gateways) {
      const title = g.title ? `  ${g.title.zh} / ${g.title.en}` : '';
      lines.push(`- ${g.name}${title}`);
      lines.push(`    配置 API  ${g.api}/config  (GET, PUT)   ${g.api}/status`);
      if (g.apiTls)
        lines.push(
          `    HTTPS     ${g.apiTls}/config${card.mqtt.ca ? `  (curl --cacert ${card.mqtt.ca.path})` : ''}`,
        );
      lines.push(`    状态 status topic  ${g.statusTopic}  (retained)`);
      if (g.lines.length > 0)
        lines.push(
          `    占用串口 holds lines  ${g.lines.join(', ')}  (start with --no-gateway to free them)`,
        );
    }
  }
  if (card.board) lines.push('', ...renderBoardText(card.board));
  return lines.join('\n');
}

function renderBoardText(b: NonNullable<LabCard['board']>): string[] {
  const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
  const title = b.title ? `  ${b.title.zh} / ${b.title.en}` : '';
  return [
    `开发板 MCU board  ${b.id}${title}`,
    `    tcp ${b.host}:${b.port}  protocol: docs/board.md  (IOTLAB_BOARD=${b.host}:${b.port})`,
    `    pins  ${b.pins.map((p) => `${p.pin}=${p.name} (${p.kind}${p.active === 'low' ? ', active low' : ''}${p.device ? ` → ${p.device}` : ''})`).join(', ')}`,
    `    adc   12-bit, Vref ${b.adc.vref} V`,
    `    i2c   ${b.i2c.clockHz / 1000} kHz: ${b.i2c.devices.map((d) => `${hex(d.address)} ${d.kind}${d.device ? ` (${d.device})` : ''}`).join(', ') || 'nothing'}`,
    `    spi   ${b.spi.clockHz / 1000} kHz: ${b.spi.devices.map((d) => `cs${d.cs} ${d.kind}${d.channels ? ` [${d.channels.map((c) => c ?? '-').join(', ')}]` : ''}`).join(', ') || 'nothing'}`,
    ...b.uart.map(
      (u) => `    uart${u.port} ${u.device} (${u.deviceId}) ${u.settings.baudRate} baud`,
    ),
  ];
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(8)));
}
