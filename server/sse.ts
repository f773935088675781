/**
 * The console's server-sent event streams (candidate state, trainer live values): each opened on a
 * hijacked reply, and all of them ended when the server closes, which would otherwise wait for
 * their clients to go.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface SseStream {
  send: (event: string, data: unknown) => void;
  /** Ends the stream (idempotent); the stream's cleanup runs once. */
  end: () => void;
}

export class SseStreams {
  private readonly live = new Set<() => void>();

  constructor(app: FastifyInstance) {
    app.addHook('preClose', (done) => {
      for (const end of [...this.live]) end();
      done();
    });
  }

  /** Opens a stream; `cleanup` runs when it ends: the client went, `end()`, or server close. */
  open(req: FastifyRequest, reply: FastifyReply, cleanup: () => void): SseStream {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.live.delete(end);
      cleanup();
      res.end();
    };
    this.live.add(end);
    req.raw.on('close', end);
    return {
      send: (event, data) => {
        if (!ended) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
      end,
    };
  }
}
