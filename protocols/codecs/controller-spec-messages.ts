/**
 * The IOTLAB-FC200 controller protocol described as data, part two: the messages. Each command
 * with its request and response payload layouts, and the unsolicited report. Conventions, frame
 * layout, status codes and registers are in controller-spec.ts; the messages are separate
 * because they are the bulk of the description and change with the codec (controller.ts,
 * controller-reply.ts) where the rest rarely does. controller-doc.ts renders both to
 * docs/protocols/controller.md (tests/unit/controller-doc.test.ts fails when it drifts).
 */
import {
  Command,
  DEVICE_MODEL,
  MAX_ACTUATOR_COUNT,
  MAX_SENSOR_READ,
  REPLY_FLAG,
  REPORT_COMMAND,
  ReportReason,
  Status,
} from './controller.js';
import type { CodeSpec, CommandSpec } from './controller-spec.js';
import { f, t } from './controller-spec.js';

const STATUS_OK = f('status', '1', 'u8', '状态码，00 = 成功', 'status, 00 = OK');
const START = f('start', '1', 'u8', '起始通道', 'first channel');
const SENSOR_RECORD = f(
  'records',
  '5 × count',
  'u8 + int32 BE',
  '每通道：通道状态 1 字节 + 原始值 int32',
  'per channel: channel status (1) + raw value int32',
);

export const COMMANDS: CommandSpec[] = [
  {
    code: Command.ReadInfo,
    reply: Command.ReadInfo | REPLY_FLAG,
    name: t('读设备信息', 'Read device info'),
    summary: t(
      '型号、序列号、固件版本、通道数',
      'model, serial number, firmware version, channel counts',
    ),
    request: [],
    response: [
      STATUS_OK,
      f('fw_major', '1', 'u8', '固件主版本', 'firmware major version'),
      f('fw_minor', '1', 'u8', '固件次版本', 'firmware minor version'),
      f('sensor_channels', '1', 'u8', '传感器通道数', 'number of sensor channels'),
      f('actuator_channels', '1', 'u8', '执行器通道数', 'number of actuator channels'),
      f('model_len', '1', 'u8', '型号长度 M', 'model length M'),
      f('model', 'M', 'ASCII', `型号，如 ${DEVICE_MODEL}`, `model, e.g. ${DEVICE_MODEL}`),
      f('serial_len', '1', 'u8', '序列号长度 S', 'serial number length S'),
      f(
        'serial',
        'S',
        'ASCII',
        '序列号（= 实验卡上的设备 id）',
        'serial number (= the device id on the lab card)',
      ),
    ],
    errors: [],
  },
  {
    code: Command.ReadSensors,
    reply: Command.ReadSensors | REPLY_FLAG,
    name: t('读传感器通道', 'Read sensor channels'),
    summary: t(
      `连续读 1–${MAX_SENSOR_READ} 个传感器通道`,
      `read 1–${MAX_SENSOR_READ} consecutive sensor channels`,
    ),
    request: [
      START,
      f('count', '1', 'u8', `通道数 1–${MAX_SENSOR_READ}`, `channel count 1–${MAX_SENSOR_READ}`),
    ],
    response: [STATUS_OK, START, f('count', '1', 'u8', '通道数', 'channel count'), SENSOR_RECORD],
    errors: [Status.OutOfRange],
  },
  {
    code: Command.ReadActuators,
    reply: Command.ReadActuators | REPLY_FLAG,
    name: t('读执行器状态', 'Read actuator states'),
    summary: t(
      `连续读 1–${MAX_ACTUATOR_COUNT} 个执行器的开关状态`,
      `read the on/off state of 1–${MAX_ACTUATOR_COUNT} consecutive actuators`,
    ),
    request: [
      START,
      f(
        'count',
        '1',
        'u8',
        `通道数 1–${MAX_ACTUATOR_COUNT}`,
        `channel count 1–${MAX_ACTUATOR_COUNT}`,
      ),
    ],
    response: [
      STATUS_OK,
      START,
      f('count', '1', 'u8', '通道数', 'channel count'),
      f(
        'records',
        '2 × count',
        'u8 + u8',
        '每通道：通道状态 + 开关（00 关 / 01 开）',
        'per channel: channel status + state (00 off / 01 on)',
      ),
    ],
    errors: [Status.OutOfRange],
  },
  {
    code: Command.WriteActuator,
    reply: Command.WriteActuator | REPLY_FLAG,
    name: t('写单个执行器', 'Write one actuator'),
    summary: t(
      '开或关一个执行器，应答给出新状态',
      'switch one actuator on or off; the reply gives the new state',
    ),
    request: [
      f('channel', '1', 'u8', '执行器通道', 'actuator channel'),
      f(
        'state',
        '1',
        'u8',
        '00 关 / 01 开（其他值：状态 05）',
        '00 off / 01 on (anything else: status 05)',
      ),
    ],
    response: [
      STATUS_OK,
      f('channel', '1', 'u8', '执行器通道', 'actuator channel'),
      f('state', '1', 'u8', '新状态', 'new state'),
    ],
    errors: [Status.OutOfRange, Status.BadValue, Status.ActuatorFault],
  },
  {
    code: Command.WriteActuators,
    reply: Command.WriteActuators | REPLY_FLAG,
    name: t('写多个执行器', 'Write several actuators'),
    summary: t(
      '按位图一次设置连续的执行器；任一执行器故障则全部不动作',
      'set consecutive actuators from a bit mask; if any of them is faulty none is switched',
    ),
    request: [
      START,
      f(
        'count',
        '1',
        'u8',
        `通道数 1–${MAX_ACTUATOR_COUNT}`,
        `channel count 1–${MAX_ACTUATOR_COUNT}`,
      ),
      f(
        'mask',
        'ceil(count / 8)',
        'bits',
        '位 i = 通道 start + i，最低位在先（同 Modbus 功能码 15），多余位填 0',
        'bit i = channel start + i, least significant bit first (as Modbus FC15); unused bits 0',
      ),
    ],
    response: [
      STATUS_OK,
      START,
      f('count', '1', 'u8', '通道数', 'channel count'),
      f('mask', 'ceil(count / 8)', 'bits', '新状态位图', 'new states, same layout'),
    ],
    errors: [Status.OutOfRange, Status.ActuatorFault],
  },
  {
    code: Command.Config,
    reply: Command.Config | REPLY_FLAG,
    name: t('读/写配置寄存器', 'Read/write a config register'),
    summary: t(
      '读：op = 00 + 寄存器；写：op = 01 + 寄存器 + 值',
      'read: op 00 + register; write: op 01 + register + value',
    ),
    request: [
      f('op', '1', 'u8', '00 读 / 01 写', '00 read / 01 write'),
      f('register', '1', 'u8', '寄存器号', 'register number'),
      f('value', '2 (write only)', 'u16 BE', '写入值（仅写）', 'value to write (write only)'),
    ],
    response: [
      STATUS_OK,
      f('op', '1', 'u8', '同请求', 'as requested'),
      f('register', '1', 'u8', '寄存器号', 'register number'),
      f('value', '2', 'u16 BE', '寄存器当前值', "the register's value now"),
    ],
    errors: [Status.OutOfRange, Status.BadValue],
  },
];

export const REPORT = {
  code: REPORT_COMMAND,
  name: t('主动上报', 'Unsolicited report'),
  text: t(
    '控制器自行发送，主机不需应答。默认关闭，由配置寄存器 01、02 开启。',
    'Sent by the controller on its own; the host does not answer. Off until enabled through config registers 01 and 02.',
  ),
  payload: [
    f('reason', '1', 'u8', '原因，见下表', 'reason, see below'),
    START,
    f(
      'count',
      '1',
      'u8',
      `通道数（周期上报超过 ${MAX_SENSOR_READ} 通道时分多帧）`,
      `channel count (periodic reports of more than ${MAX_SENSOR_READ} channels span several frames)`,
    ),
    SENSOR_RECORD,
  ],
  reasons: [
    {
      code: ReportReason.SwitchChange,
      name: 'SWITCH_CHANGE',
      text: t('开关量通道变化，count = 1', 'a switch channel changed, count = 1'),
    },
    {
      code: ReportReason.Periodic,
      name: 'PERIODIC',
      text: t('周期上报，从通道 0 起全部通道', 'periodic report of every channel from 0'),
    },
  ] satisfies CodeSpec[],
};
