/**
 * The IOTLAB-FC200 controller protocol described as data: conventions, frame layout, status
 * codes and registers. The commands with their request and response payloads, and the report,
 * are in controller-spec-messages.ts; the worked examples are in controller-examples.ts, and
 * controller-doc.ts renders all of it to docs/protocols/controller.md, so the document a
 * candidate reads cannot drift from the bytes the device speaks
 * (tests/unit/controller-doc.test.ts fails when it does).
 */
import {
  BROADCAST,
  CONFIG_REGISTERS,
  DEVICE_MODEL,
  FIRMWARE,
  FRAME_GAP_MS,
  REPLY_FLAG,
  RESPONSE_DELAY_MS,
  Status,
} from './controller.js';

export interface I18n {
  zh: string;
  en: string;
}
/** One field of a layout; `bytes` may be a formula ("5 × count"). */
export interface FieldSpec {
  field: string;
  bytes: string;
  type: string;
  text: I18n;
}
export interface CommandSpec {
  code: number;
  reply: number;
  name: I18n;
  summary: I18n;
  request: FieldSpec[];
  response: FieldSpec[];
  /** Error statuses this command can answer with, besides 01 (CRC) and 03 (length). */
  errors: number[];
}
export interface CodeSpec {
  code: number;
  name: string;
  text: I18n;
}
export interface RegisterSpec {
  register: number;
  access: 'r' | 'rw';
  range: string;
  initial: I18n;
  text: I18n;
}

/** A text in both languages of the document. */
export const t = (zh: string, en: string): I18n => ({ zh, en });
/** One row of a layout table. */
export const f = (
  field: string,
  bytes: string,
  type: string,
  zh: string,
  en: string,
): FieldSpec => ({
  field,
  bytes,
  type,
  text: t(zh, en),
});

export const TITLE = t(
  `${DEVICE_MODEL} 现场控制器通信协议`,
  `${DEVICE_MODEL} field controller protocol`,
);
export const VERSION = `${FIRMWARE.major}.${FIRMWARE.minor}`;

export const RULES: I18n[] = [
  t(
    '串口参数见实验卡（默认 9600 bps、8 数据位、无校验、1 停止位）。主机问、控制器答，一问一答。',
    'Line settings are on the lab card (default 9600 bps, 8 data bits, no parity, 1 stop bit). The host asks, the controller answers: one request, one reply.',
  ),
  t(
    '多字节字段一律大端（高字节在前），只有 CRC 是小端（低字节在前，与 Modbus RTU 相同）。',
    'Every multi-byte field is big-endian (high byte first) except the CRC, which is sent low byte first as in Modbus RTU.',
  ),
  t(
    'CRC 为 CRC-16/MODBUS（多项式 0xA001 反射、初值 0xFFFF），计算范围从地址字节到载荷末尾，不含帧头 5A A5。',
    'The CRC is CRC-16/MODBUS (polynomial 0xA001 reflected, initial value 0xFFFF) over the address byte through the last payload byte, header 5A A5 excluded.',
  ),
  t(
    `地址 1–254 由实验卡给出；${hex2(BROADCAST)} 为广播地址：控制器执行并以自己的地址应答（每条线只接一台控制器，可用于查询地址）。其他地址的帧一律不应答。`,
    `Addresses 1–254 come from the lab card; ${hex2(BROADCAST)} is broadcast: the controller acts on it and answers with its own address (one controller per line, so this finds its address). Frames for any other address get no answer.`,
  ),
  t(
    `应答的命令字 = 请求命令字 | 0x${hex2(REPLY_FLAG)}，载荷第一个字节是状态码；出错时载荷只有状态码一个字节。`,
    `A reply's command is the request's command | 0x${hex2(REPLY_FLAG)}; its payload starts with a status byte. An error reply carries the status byte alone.`,
  ),
  t(
    'CRC 错误：若地址字节是本机或广播，回状态 01 的错误帧（Modbus 在此情况下不应答，见 Modbus 应用协议 v1.1b3 §7；本协议选择应答，便于排查）。帧头之外的杂散字节被丢弃，不应答。',
    'Bad CRC: when the address byte is ours or broadcast, the controller answers with status 01 (Modbus stays silent here, MODBUS Application Protocol v1.1b3 §7; this protocol answers so that mistakes are visible). Stray bytes outside a frame are dropped without an answer.',
  ),
  t(
    `控制器在收到完整帧后约 ${RESPONSE_DELAY_MS} ms 开始应答，另加传输时间；主机等待应答至少 200 ms，低波特率时再加上应答的传输时间（9600 bps 下每字节约 1 ms）。字节间隔超过 ${FRAME_GAP_MS} ms 时，未收完的帧被丢弃。`,
    `The controller starts its reply about ${RESPONSE_DELAY_MS} ms after a complete frame, plus transmission time; a host should wait at least 200 ms for it, plus the reply's transmission time at low baud rates (about 1 ms a byte at 9600 bps). A gap of more than ${FRAME_GAP_MS} ms between bytes discards a partial frame.`,
  ),
  t(
    '帧同步：控制器在字节流中搜索 5A A5；CRC 不对的“帧”若其中含有合法帧，则从合法帧处重新同步。',
    'Framing: the controller searches the stream for 5A A5; when a "frame" fails its CRC but a valid frame starts inside it, the controller resynchronises there.',
  ),
  t(
    '通道：传感器通道与执行器通道各自从 0 编号，通道表（设备、物理量、单位、比例）见实验卡 sensorChannels / actuatorChannels。',
    'Channels: sensor channels and actuator channels are each numbered from 0; the channel map (device, quantity, unit, scale) is on the lab card as sensorChannels / actuatorChannels.',
  ),
  t(
    '测量值以 int32（大端、补码）传送，工程值 = 原始值 × 比例：测量量比例 0.01（例：23.45 °C → 2345 → 00 00 09 29；−5.50 → −550 → FF FF FD DA），开关量比例 1（0 = 无、1 = 有）。',
    "Values travel as int32 (big-endian, two's complement); engineering value = raw × scale: 0.01 for measured quantities (e.g. 23.45 °C → 2345 → 00 00 09 29; −5.50 → −550 → FF FF FD DA), 1 for switch states (0 = inactive, 1 = active).",
  ),
];

export const FRAME: FieldSpec[] = [
  f('header', '2', '5A A5', '帧头，固定', 'header, constant'),
  f(
    'address',
    '1',
    'u8',
    `控制器地址 1–254，${hex2(BROADCAST)} 广播`,
    `controller address 1–254, ${hex2(BROADCAST)} broadcast`,
  ),
  f(
    'command',
    '1',
    'u8',
    '命令字（应答为命令字 | 0x40，主动上报为 0x80）',
    'command (reply: command | 0x40; report: 0x80)',
  ),
  f('length', '1', 'u8', '载荷字节数 N（0–255）', 'payload length N (0–255)'),
  f('payload', 'N', 'bytes', '载荷，格式见各命令', 'payload, per command'),
  f(
    'crc',
    '2',
    'u16 LE',
    'CRC-16/MODBUS（地址…载荷），低字节在前',
    'CRC-16/MODBUS of address..payload, low byte first',
  ),
];

export const STATUSES: CodeSpec[] = [
  { code: Status.Ok, name: 'OK', text: t('成功', 'success') },
  {
    code: Status.BadCrc,
    name: 'BAD_CRC',
    text: t('CRC 校验错误，命令未执行', 'CRC check failed; nothing was done'),
  },
  {
    code: Status.UnknownCommand,
    name: 'UNKNOWN_COMMAND',
    text: t('不支持的命令字', 'command not supported'),
  },
  {
    code: Status.BadLength,
    name: 'BAD_LENGTH',
    text: t('载荷长度与命令不符', 'payload length does not fit the command'),
  },
  {
    code: Status.OutOfRange,
    name: 'OUT_OF_RANGE',
    text: t(
      '通道或寄存器不存在，或通道数为 0 / 超限',
      'channel or register does not exist, or count is 0 / too large',
    ),
  },
  {
    code: Status.BadValue,
    name: 'BAD_VALUE',
    text: t(
      '值不允许：开关值非 00/01、寄存器值越界或只读、op 非 00/01',
      'value not accepted: state not 00/01, register value out of range or read-only, op not 00/01',
    ),
  },
  {
    code: Status.ActuatorFault,
    name: 'ACTUATOR_FAULT',
    text: t('执行器离线或无响应，未动作', 'actuator offline or not responding; not switched'),
  },
];

export const CHANNEL_STATUSES: CodeSpec[] = [
  { code: 0x00, name: 'OK', text: t('读数有效', 'reading valid') },
  {
    code: 0x01,
    name: 'OFFLINE',
    text: t(
      '设备离线或无响应，值字段为 0，应忽略',
      'device offline or not responding; the value field is 0 and must be ignored',
    ),
  },
];

const REGISTER_TEXT: Record<string, I18n> = {
  address: t('本机地址（只读）', "this controller's address (read-only)"),
  eventReports: t(
    '开关量变化主动上报：0 关，1 开（约 0.1 s 内上报）',
    'report switch-channel changes: 0 off, 1 on (within about 0.1 s)',
  ),
  reportIntervalS: t(
    '周期上报全部传感器通道的间隔，秒；0 关闭',
    'period of unsolicited reports of all sensor channels, seconds; 0 off',
  ),
};
export const REGISTERS: RegisterSpec[] = CONFIG_REGISTERS.map((r) => ({
  register: r.register,
  access: r.access,
  range: `${r.min}–${r.max}`,
  initial: r.key === 'address' ? t('见实验卡', 'see the lab card') : t('0', '0'),
  text: REGISTER_TEXT[r.key]!,
}));

export function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
