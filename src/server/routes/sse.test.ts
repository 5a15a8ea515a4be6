/**
 * Server-Sent Events of a live run over real HTTP on 127.0.0.1: the stream starts with the
 * run's progress and recent log lines, carries later events and heartbeats, ends with `end`,
 * and a client that goes away leaves no listener or timer behind.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveRun, streamRunEvents } from './sse.js';

async function serve(live: LiveRun | undefined): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ forceCloseConnections: true });
  app.get('/events', (req, reply) => {
    streamRunEvents(req, reply, live, { progress: { done: 3, total: 3, failed: 0 }, status: 'completed' }, 10); // prettier-ignore
    return reply;
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `${url}/events` };
}

async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  done: (text: string) => boolean,
): Promise<string> {
  const dec = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const { value, done: end } = await reader.read();
    if (end) break;
    text += dec.decode(value);
  }
  return text;
}

const until = async (f: () => boolean): Promise<void> => {
  while (!f()) await new Promise((r) => setTimeout(r, 5));
};

describe('run events (SSE)', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('streams progress, logs, heartbeats and end, then closes', async () => {
    const live = new LiveRun('ds-1', 'dataset');
    live.progressed({ done: 1, total: 4, failed: 0 });
    live.log('started');
    const s = await serve(live);
    app = s.app;
    const res = await fetch(s.url);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const head = await readUntil(reader, (t) => t.includes(': heartbeat'));
    expect(head).toContain('event: progress\ndata: {"done":1,"total":4,"failed":0}\n\n');
    expect(head).toContain('event: log\ndata: {"message":"started"}\n\n');
    live.progressed({ done: 4, total: 4, failed: 0 });
    live.emit({ type: 'end', data: { status: 'completed' } });
    const rest = await readUntil(reader, () => false);
    expect(rest).toContain('event: progress\ndata: {"done":4,"total":4,"failed":0}');
    expect(rest).toContain('event: end\ndata: {"status":"completed"}');
    expect(live.listeners()).toBe(0);
  });

  it('forgets a client that goes away', async () => {
    const live = new LiveRun('ds-2', 'dataset');
    const s = await serve(live);
    app = s.app;
    const abort = new AbortController();
    const res = await fetch(s.url, { signal: abort.signal });
    const reader = res.body!.getReader();
    await readUntil(reader, (t) => t.includes('event: progress'));
    expect(live.listeners()).toBe(1);
    await reader.cancel();
    abort.abort();
    await until(() => live.listeners() === 0);
    expect(live.listeners()).toBe(0);
  });

  it('reports a run it does not run as it stands, then ends', async () => {
    const s = await serve(undefined);
    app = s.app;
    const text = await (await fetch(s.url)).text();
    expect(text).toBe(
      'event: progress\ndata: {"done":3,"total":3,"failed":0}\n\nevent: end\ndata: {"status":"completed"}\n\n',
    );
  });
});
