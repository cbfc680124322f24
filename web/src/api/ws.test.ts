import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Client } from 'graphql-ws';
import { GraphQLClient, type Operation } from './client';
import { MemoryStorage, TokenStore } from './tokens';
import { createSubscriptionClient, subscribe } from './ws';

/**
 * The real graphql-ws client and our wrapper, over an in-memory socket that plays the server's
 * side of graphql-transport-ws as the backend does (tests/live/test_subscription_sessions.py
 * covers the backend over real sockets): ack with `expiresAt`, pong with the new deadline,
 * closes 4401 / 4403.
 */
type Sent = { type: string; id?: string; payload?: Record<string, unknown> };

class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static sockets: FakeSocket[] = [];

  readyState = FakeSocket.CONNECTING;
  sent: Sent[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocol: string,
  ) {
    FakeSocket.sockets.push(this);
    setTimeout(() => {
      this.readyState = FakeSocket.OPEN;
      this.onopen?.();
    }, 0);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Sent);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    setTimeout(() => this.onclose?.({ code, reason }), 0);
  }

  /** Server side. */
  reply(message: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  serverClose(code: number, reason: string): void {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code, reason });
  }

  messages(type: string): Sent[] {
    return this.sent.filter((m) => m.type === type);
  }
}

/** Poll (advancing fake timers when they are on) until `probe` returns something truthy. */
async function until<T>(probe: () => T | undefined | null | false, what: string): Promise<T> {
  for (let i = 0; i < 200; i += 1) {
    const value = probe();
    if (value) return value;
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(5);
    else await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const NOW = 1_000_000;
let clock = NOW;
const running: { stop: () => void; client: Client }[] = [];
const STREAM: Operation<{ eventStream: { kind: string } }, Record<string, never>> = {
  name: 'EventStream',
  document: 'subscription EventStream { eventStream { kind } }',
};

function setup({ refreshOk = true, accessTtl = 900 } = {}) {
  FakeSocket.sockets = [];
  clock = NOW;
  const tokens = new TokenStore(new MemoryStorage(), new MemoryStorage());
  tokens.set({ accessToken: 'A1', accessTokenExpiresAt: NOW + accessTtl, refreshToken: 'R1' });
  let issued = 1;
  const fetchImpl = vi.fn(async () => {
    issued += 1;
    const result = refreshOk
      ? { __typename: 'AuthSuccess', accessToken: `A${issued}`, accessTokenExpiresAt: clock + 900, refreshToken: `R${issued}` }
      : { __typename: 'AuthenticationError', code: 'TOKEN_REVOKED', message: 'revoked' };
    return new Response(JSON.stringify({ data: { refreshToken: result } }), {
      headers: { 'content-type': 'application/json' },
    });
  });
  const onSessionEnded = vi.fn();
  const gql = new GraphQLClient({
    tokens,
    fetchImpl: fetchImpl as unknown as typeof fetch,
    onSessionEnded,
    withLock: (fn) => fn(),
    now: () => clock,
  });
  const client = createSubscriptionClient(gql, 'ws://test/graphql', { now: () => clock, webSocketImpl: FakeSocket });
  const received: unknown[] = [];
  const errors: string[] = [];
  const stop = subscribe(client, STREAM, {}, { next: (d) => received.push(d), error: (m) => errors.push(m) });
  running.push({ stop, client });
  return { tokens, fetchImpl, onSessionEnded, received, errors };
}

/** Accept the connection the way the backend does and return the subscribe message. */
async function accept(socket: FakeSocket, expiresAt: number): Promise<Sent> {
  await until(() => socket.messages('connection_init').length === 1, 'connection_init');
  socket.reply({ type: 'connection_ack', payload: { expiresAt } });
  return until(() => socket.messages('subscribe')[0], 'subscribe');
}

describe('subscription client bound to the session', () => {
  afterEach(async () => {
    for (const { stop, client } of running.splice(0)) {
      stop();
      await client.dispose();
    }
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('re-authenticates the open connection with a ping before the token expires', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fetchImpl, received } = setup({ accessTtl: 60 });
    const socket = await until(() => FakeSocket.sockets[0], 'a socket');
    expect((await until(() => socket.messages('connection_init')[0], 'init')).payload).toEqual({
      authorization: 'Bearer A1',
    });
    const sub = await accept(socket, NOW + 60);
    expect(socket.messages('ping')).toEqual([]);
    // 15 s before the server's deadline: refresh and present the new token on this connection.
    clock = NOW + 45;
    await vi.advanceTimersByTimeAsync(45_000);
    const ping = await until(() => socket.messages('ping')[0], 'a re-authentication ping');
    expect(ping.payload).toEqual({ authorization: 'Bearer A2' });
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    // The pong moves the deadline; the next re-authentication is planned from it.
    socket.reply({ type: 'pong', payload: { expiresAt: clock + 900 } });
    clock += 800;
    await vi.advanceTimersByTimeAsync(800_000);
    expect(socket.messages('ping')).toHaveLength(1);
    socket.reply({ id: sub.id, type: 'next', payload: { data: { eventStream: { kind: 'CREATED' } } } });
    await until(() => received.length === 1, 'the push');
    expect(FakeSocket.sockets).toHaveLength(1); // never reconnected
  });

  it('on 4401 refreshes the token and subscribes again on a new connection', async () => {
    const { fetchImpl, onSessionEnded, received, errors } = setup();
    const first = await until(() => FakeSocket.sockets[0], 'a socket');
    await accept(first, NOW + 900);
    first.serverClose(4401, 'TOKEN_EXPIRED');
    const second = await until(() => FakeSocket.sockets[1], 'a second socket');
    expect((await until(() => second.messages('connection_init')[0], 'init')).payload).toEqual({
      authorization: 'Bearer A2',
    });
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    const sub = await accept(second, NOW + 900);
    second.reply({ id: sub.id, type: 'next', payload: { data: { eventStream: { kind: 'UPDATED' } } } });
    await until(() => received.length === 1, 'the push on the new connection');
    expect(errors).toEqual([]);
    expect(onSessionEnded).not.toHaveBeenCalled();
  });

  it('on 4401 with a refused refresh ends the session', async () => {
    const { tokens, onSessionEnded } = setup({ refreshOk: false });
    const first = await until(() => FakeSocket.sockets[0], 'a socket');
    await accept(first, NOW + 900);
    first.serverClose(4401, 'RIGHTS_CHANGED');
    await until(() => onSessionEnded.mock.calls.length === 1, 'the session to end');
    expect(tokens.refreshToken).toBeNull();
    // The retry goes out without credentials; the backend refuses it and nothing retries.
    const second = await until(() => FakeSocket.sockets[1], 'a second socket');
    expect((await until(() => second.messages('connection_init')[0], 'init')).payload).toEqual({});
    second.serverClose(4403, 'Forbidden');
    await new Promise((r) => setTimeout(r, 50));
    expect(FakeSocket.sockets).toHaveLength(2);
    expect(onSessionEnded).toHaveBeenCalledTimes(1);
  });

  it('on 4403 stops, does not retry, and ends the session', async () => {
    const { tokens, onSessionEnded, errors } = setup();
    const first = await until(() => FakeSocket.sockets[0], 'a socket');
    await accept(first, NOW + 900);
    first.serverClose(4403, 'TOKEN_REVOKED');
    await until(() => errors.length === 1, 'the error');
    expect(errors[0]).toContain('4403');
    expect(onSessionEnded).toHaveBeenCalledTimes(1);
    expect(tokens.accessToken).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(FakeSocket.sockets).toHaveLength(1);
  });
});
