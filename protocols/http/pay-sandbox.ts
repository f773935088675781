/**
 * The payment sandbox (docs/third-party/pay.md): signed requests (app id, timestamp within
 * PAY_LIMITS.windowS of the sandbox's clock, a nonce used once, HMAC-SHA256 `sign` of
 * protocols/third-party/pay-sign.ts), orders that the sandbox's buyer pays `payDelayMs` after
 * they are created (an amount ending in 99 fen fails, as a sandbox's test cards do), and the
 * asynchronous notification of each outcome: signed by the sandbox with the app key, pushed on a
 * Server-Sent Events stream the app opens, and the order's status for an app that polls.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { signParams, verifySign } from '../third-party/pay-sign.js';
import type { Answer, Params } from '../third-party/answer.js';
import { evidenceParams, fail, need, ok } from '../third-party/answer.js';

export const PAY_LIMITS = {
  /** How far a request's timestamp may be from the sandbox's clock (s). */
  windowS: 300,
  orders: 1000,
  /** Nonces remembered (the oldest are forgotten first; they are out of the window by then). */
  nonces: 10_000,
  streams: 10,
  maxAmount: 10_000_000,
} as const;

export type TradeStatus = 'NOTPAY' | 'SUCCESS' | 'PAYERROR';

interface Order {
  out_trade_no: string;
  trade_no: string;
  amount: number;
  subject: string;
  status: TradeStatus;
  created_at: string;
  paid_at?: string;
}

interface Notification {
  id: number;
  body: Record<string, string | number>;
}

export interface PaySandbox {
  call(method: string, route: string[], params: Params): Answer;
  /** Opens the notification stream on `res`, or answers why not (then `res` is untouched). */
  openStream(params: Params, res: ServerResponse, peer: string): Answer | undefined;
  close(): void;
}

const NONCE = /^[A-Za-z0-9_-]{8,64}$/;
const TRADE_NO = /^[A-Za-z0-9_-]{1,32}$/;

export function createPaySandbox(opts: {
  appId: string;
  appKey: string;
  now: () => number;
  payDelayMs: number;
  record: (fields: Record<string, unknown>) => void;
}): PaySandbox {
  const orders = new Map<string, Order>();
  const nonces = new Set<string>();
  const notifications: Notification[] = [];
  const streams = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const iso = () => new Date(opts.now()).toISOString();

  /** The checks every call passes first; undefined when it is signed and fresh. */
  const authenticate = (p: Params): Answer | undefined => {
    for (const name of ['app_id', 'timestamp', 'nonce', 'sign']) {
      const missing = need(p, name);
      if (typeof missing !== 'string') return missing;
    }
    if (p.app_id !== opts.appId)
      return fail('THIRD_PARTY_BAD_KEY', 'unknown app_id', 'app_id 无效');
    const ts = Number(p.timestamp);
    if (typeof p.timestamp === 'boolean' || !Number.isInteger(ts))
      return fail(
        'THIRD_PARTY_BAD_PARAM',
        'parameter timestamp: Unix time in seconds',
        '参数 timestamp 须为以秒计的 Unix 时间',
      );
    if (Math.abs(opts.now() / 1000 - ts) > PAY_LIMITS.windowS)
      return fail(
        'THIRD_PARTY_EXPIRED',
        `timestamp ${ts} is more than ${PAY_LIMITS.windowS} s from the sandbox's clock (${Math.floor(opts.now() / 1000)})`,
        `timestamp ${ts} 与沙箱时间（${Math.floor(opts.now() / 1000)}）相差超过 ${PAY_LIMITS.windowS} 秒`,
      );
    if (typeof p.nonce !== 'string' || !NONCE.test(p.nonce))
      return fail(
        'THIRD_PARTY_BAD_PARAM',
        'parameter nonce: 8 to 64 letters, digits, _ or -',
        '参数 nonce 须为 8 到 64 个字母、数字、_ 或 -',
      );
    if (!verifySign(p, opts.appKey))
      return fail(
        'THIRD_PARTY_BAD_SIGNATURE',
        'the signature does not match the parameters',
        '签名与参数不符',
      );
    if (nonces.has(p.nonce))
      return fail('THIRD_PARTY_CONFLICT', 'this nonce was used already', '该 nonce 已使用过');
    nonces.add(p.nonce);
    if (nonces.size > PAY_LIMITS.nonces) nonces.delete(nonces.values().next().value!);
    return undefined;
  };

  const notify = (o: Order): void => {
    const id = notifications.length + 1;
    const body: Record<string, string | number> = {
      notify_id: `ntf-${String(id).padStart(6, '0')}`,
      event: 'trade.status',
      app_id: opts.appId,
      out_trade_no: o.out_trade_no,
      trade_no: o.trade_no,
      amount: o.amount,
      status: o.status,
      paid_at: o.paid_at ?? '',
      timestamp: Math.floor(opts.now() / 1000),
      nonce: createHash('sha256').update(`${opts.appId}:notify:${id}`).digest('hex').slice(0, 16),
    };
    body.sign = signParams(body, opts.appKey);
    const n = { id, body };
    notifications.push(n);
    for (const res of streams) deliver(res, n);
  };

  const deliver = (res: ServerResponse, n: Notification): void => {
    res.write(`event: trade\nid: ${n.id}\ndata: ${JSON.stringify(n.body)}\n\n`);
    opts.record({
      method: 'SSE',
      path: '/3p/pay/v1/notifications',
      direction: 'notify',
      params: evidenceParams({
        notify_id: n.body.notify_id!,
        out_trade_no: n.body.out_trade_no!,
        status: n.body.status!,
      }),
      status: 200,
      code: 0,
    });
  };

  const create = (p: Params): Answer => {
    const no = need(p, 'out_trade_no');
    if (typeof no !== 'string') return no;
    if (!TRADE_NO.test(no))
      return fail(
        'THIRD_PARTY_BAD_PARAM',
        'parameter out_trade_no: 1 to 32 letters, digits, _ or -',
        '参数 out_trade_no 须为 1 到 32 个字母、数字、_ 或 -',
      );
    const amountText = need(p, 'amount');
    if (typeof amountText !== 'string') return amountText;
    const amount = Number(p.amount);
    if (
      typeof p.amount === 'boolean' ||
      !Number.isInteger(amount) ||
      amount < 1 ||
      amount > PAY_LIMITS.maxAmount
    )
      return fail(
        'THIRD_PARTY_BAD_PARAM',
        `parameter amount: whole fen from 1 to ${PAY_LIMITS.maxAmount}`,
        `参数 amount 须为 1 到 ${PAY_LIMITS.maxAmount} 的整数（分）`,
      );
    const subject = need(p, 'subject');
    if (typeof subject !== 'string') return subject;
    if ([...subject].length > 128)
      return fail(
        'THIRD_PARTY_BAD_PARAM',
        'parameter subject: at most 128 characters',
        '参数 subject 最多 128 个字符',
      );
    const had = orders.get(no);
    if (had) {
      // Creating the same order again answers with it, as payment APIs do for a retry.
      if (had.amount === amount && had.subject === subject)
        return ok({ ...had }, { out_trade_no: no, status: had.status });
      return fail(
        'THIRD_PARTY_CONFLICT',
        `out_trade_no ${no} is another order's`,
        `商户订单号 ${no} 已用于另一笔订单`,
      );
    }
    if (orders.size >= PAY_LIMITS.orders)
      return fail(
        'THIRD_PARTY_RATE_LIMITED',
        `at most ${PAY_LIMITS.orders} orders in a lab`,
        `每个实验最多 ${PAY_LIMITS.orders} 笔订单`,
      );
    const order: Order = {
      out_trade_no: no,
      trade_no: `T${String(orders.size + 1).padStart(10, '0')}`,
      amount,
      subject,
      status: 'NOTPAY',
      created_at: iso(),
    };
    orders.set(no, order);
    const timer = setTimeout(() => {
      timers.delete(timer);
      order.status = amount % 100 === 99 ? 'PAYERROR' : 'SUCCESS';
      order.paid_at = iso();
      notify(order);
    }, opts.payDelayMs);
    timers.add(timer);
    return ok({ ...order }, { out_trade_no: no, status: order.status });
  };

  return {
    call(method, route, p) {
      const refused = authenticate(p);
      if (refused) return refused;
      if (route[0] !== 'orders' || route.length > 2)
        return fail(
          'THIRD_PARTY_NOT_FOUND',
          `no endpoint pay/v1/${route.join('/').slice(0, 60)}`,
          `没有接口 pay/v1/${route.join('/').slice(0, 60)}`,
        );
      if (route.length === 1) {
        if (method !== 'POST')
          return fail('THIRD_PARTY_METHOD', 'POST to create an order', '创建订单须用 POST');
        return create(p);
      }
      if (method !== 'GET')
        return fail('THIRD_PARTY_METHOD', 'GET to query an order', '查询订单须用 GET');
      const no = decodeURIComponent(route[1]!);
      if (p.out_trade_no !== undefined && p.out_trade_no !== no)
        return fail(
          'THIRD_PARTY_BAD_PARAM',
          'out_trade_no differs from the path',
          'out_trade_no 与路径中的不一致',
        );
      const order = orders.get(no);
      if (!order)
        return fail(
          'THIRD_PARTY_NOT_FOUND',
          `no order ${no.slice(0, 32)}`,
          `没有订单 ${no.slice(0, 32)}`,
        );
      return ok({ ...order }, { out_trade_no: no, status: order.status });
    },
    openStream(p, res) {
      const refused = authenticate(p);
      if (refused) return refused;
      if (streams.size >= PAY_LIMITS.streams)
        return fail(
          'THIRD_PARTY_RATE_LIMITED',
          `at most ${PAY_LIMITS.streams} notification streams`,
          `最多 ${PAY_LIMITS.streams} 个通知流`,
        );
      const last = Number(res.req.headers['last-event-id'] ?? 0);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.write('retry: 3000\n\n');
      streams.add(res);
      res.on('close', () => streams.delete(res));
      for (const n of notifications) if (!(n.id <= last)) deliver(res, n);
      return undefined;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}
