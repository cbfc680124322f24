import { describe, expect, it, vi } from 'vitest';
import { GraphQLClient, GraphQLRequestError, type Operation } from './client';
import { outcome } from './results';
import { MemoryStorage, TokenStore } from './tokens';
import type { ErrorMember } from './types';

type Body = { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };

function jsonResponse(body: Body, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const FAR_FUTURE = 4_000_000_000;
const unauthenticated: Body = {
  data: null,
  errors: [{ message: 'Authentication required', extensions: { code: 'UNAUTHENTICATED' } }],
};
const EVENTS: Operation<{ events: { total: number } }, { plate: string }> = {
  name: 'SearchEvents',
  document: 'query SearchEvents { events { total } }',
};

function setup(responder: (body: { operationName: string; variables: Record<string, unknown> }, auth: string | null) => Response) {
  const tokens = new TokenStore(new MemoryStorage(), new MemoryStorage());
  const calls: { operationName: string; auth: string | null; variables: Record<string, unknown> }[] = [];
  const fetchImpl = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body));
    const auth = (init?.headers as Record<string, string>).authorization ?? null;
    calls.push({ operationName: body.operationName, auth, variables: body.variables });
    return responder(body, auth);
  });
  const onSessionEnded = vi.fn();
  const client = new GraphQLClient({
    tokens,
    fetchImpl: fetchImpl as unknown as typeof fetch,
    onSessionEnded,
    withLock: (fn) => fn(),
    now: () => 1_000,
  });
  return { tokens, calls, client, onSessionEnded };
}

describe('GraphQLClient', () => {
  it('sends the bearer token, operation name and variables', async () => {
    const { tokens, calls, client } = setup(() => jsonResponse({ data: { events: { total: 3 } } }));
    tokens.set({ accessToken: 'A1', accessTokenExpiresAt: FAR_FUTURE, refreshToken: 'R1' });
    const data = await client.request(EVENTS, { plate: 'HJKL42' });
    expect(data.events.total).toBe(3);
    expect(calls).toEqual([{ operationName: 'SearchEvents', auth: 'Bearer A1', variables: { plate: 'HJKL42' } }]);
  });

  it('refreshes once on UNAUTHENTICATED and retries with the new token', async () => {
    const { tokens, calls, client } = setup((body, auth) => {
      if (body.operationName === 'RefreshToken') {
        expect(body.variables).toEqual({ refreshToken: 'R1' });
        expect(auth).toBeNull();
        return jsonResponse({
          data: {
            refreshToken: { __typename: 'AuthSuccess', accessToken: 'A2', accessTokenExpiresAt: FAR_FUTURE, refreshToken: 'R2' },
          },
        });
      }
      return auth === 'Bearer A2' ? jsonResponse({ data: { events: { total: 7 } } }) : jsonResponse(unauthenticated);
    });
    tokens.set({ accessToken: 'A1', accessTokenExpiresAt: FAR_FUTURE, refreshToken: 'R1' });
    const data = await client.request(EVENTS, { plate: 'X' });
    expect(data.events.total).toBe(7);
    expect(calls.map((c) => [c.operationName, c.auth])).toEqual([
      ['SearchEvents', 'Bearer A1'],
      ['RefreshToken', null],
      ['SearchEvents', 'Bearer A2'],
    ]);
    expect(tokens.accessToken).toBe('A2');
    expect(tokens.refreshToken).toBe('R2');
  });

  it('shares one refresh between concurrent failing requests (refresh tokens are single-use)', async () => {
    let refreshes = 0;
    const { tokens, client } = setup((body, auth) => {
      if (body.operationName === 'RefreshToken') {
        refreshes += 1;
        return jsonResponse({
          data: {
            refreshToken: { __typename: 'AuthSuccess', accessToken: 'A2', accessTokenExpiresAt: FAR_FUTURE, refreshToken: 'R2' },
          },
        });
      }
      return auth === 'Bearer A2' ? jsonResponse({ data: { events: { total: 1 } } }) : jsonResponse(unauthenticated);
    });
    tokens.set({ accessToken: 'A1', accessTokenExpiresAt: FAR_FUTURE, refreshToken: 'R1' });
    await Promise.all([client.request(EVENTS, { plate: 'a' }), client.request(EVENTS, { plate: 'b' })]);
    expect(refreshes).toBe(1);
  });

  it('ends the session when the refresh is refused', async () => {
    const { tokens, calls, client, onSessionEnded } = setup((body) =>
      body.operationName === 'RefreshToken'
        ? jsonResponse({ data: { refreshToken: { __typename: 'AuthenticationError', message: 'revoked', code: 'TOKEN_REVOKED' } } })
        : jsonResponse(unauthenticated),
    );
    tokens.set({ accessToken: 'A1', accessTokenExpiresAt: FAR_FUTURE, refreshToken: 'R1' });
    const err = await client.request(EVENTS, { plate: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphQLRequestError);
    expect((err as GraphQLRequestError).code).toBe('UNAUTHENTICATED');
    expect(calls).toHaveLength(2); // no retry after a refused refresh
    expect(onSessionEnded).toHaveBeenCalledOnce();
    expect(tokens.refreshToken).toBeNull();
    expect(tokens.accessToken).toBeNull();
  });

  it('does not refresh without a refresh token', async () => {
    const { calls, client, onSessionEnded } = setup(() => jsonResponse(unauthenticated));
    await expect(client.request(EVENTS, { plate: 'x' })).rejects.toThrow('Authentication required');
    expect(calls.map((c) => c.operationName)).toEqual(['SearchEvents']);
    expect(onSessionEnded).not.toHaveBeenCalled();
  });

  it('does not refresh on other errors', async () => {
    const { tokens, calls, client } = setup(() =>
      jsonResponse({ data: null, errors: [{ message: 'Forbidden', extensions: { code: 'FORBIDDEN' } }] }),
    );
    tokens.set({ accessToken: 'A1', accessTokenExpiresAt: FAR_FUTURE, refreshToken: 'R1' });
    const err = (await client.request(EVENTS, { plate: 'x' }).catch((e: unknown) => e)) as GraphQLRequestError;
    expect(err.code).toBe('FORBIDDEN');
    expect(calls).toHaveLength(1);
  });

  it('refreshes before sending when the access token is about to lapse', async () => {
    const { tokens, calls, client } = setup((body) =>
      body.operationName === 'RefreshToken'
        ? jsonResponse({
            data: {
              refreshToken: { __typename: 'AuthSuccess', accessToken: 'A2', accessTokenExpiresAt: FAR_FUTURE, refreshToken: 'R2' },
            },
          })
        : jsonResponse({ data: { events: { total: 0 } } }),
    );
    tokens.set({ accessToken: 'A1', accessTokenExpiresAt: 1_010, refreshToken: 'R1' }); // now() = 1000
    await client.request(EVENTS, { plate: 'x' });
    expect(calls.map((c) => [c.operationName, c.auth])).toEqual([
      ['RefreshToken', null],
      ['SearchEvents', 'Bearer A2'],
    ]);
  });

  it('never refreshes for login', async () => {
    const LOGIN: Operation<{ login: unknown }, { email: string; password: string }> = { name: 'Login', document: 'mutation Login { x }' };
    const { tokens, calls, client } = setup(() => jsonResponse(unauthenticated));
    tokens.set({ accessToken: 'A1', accessTokenExpiresAt: 1, refreshToken: 'R1' });
    await expect(client.request(LOGIN, { email: 'a', password: 'b' })).rejects.toBeInstanceOf(GraphQLRequestError);
    expect(calls.map((c) => c.operationName)).toEqual(['Login']);
  });

  it('reports non-JSON HTTP failures', async () => {
    const { client } = setup(() => new Response('Bad gateway', { status: 502 }));
    await expect(client.request(EVENTS, { plate: 'x' })).rejects.toThrow('HTTP 502');
  });
});

describe('outcome (result unions)', () => {
  it('narrows success members', () => {
    const result = outcome({ __typename: 'EventSuccess' as const, event: { id: 'E1' } });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.event.id).toBe('E1');
  });

  it('maps ValidationError fields to messages', () => {
    const error: ErrorMember = {
      __typename: 'ValidationError',
      message: 'Invalid input',
      code: 'INVALID_INPUT',
      fields: [
        { field: 'guideNumber', code: 'TOO_LONG', message: 'Máximo 50 caracteres' },
        { field: 'primaryContact.name', code: 'REQUIRED', message: 'Requerido' },
        { field: 'guideNumber', code: 'INVALID_FORMAT', message: 'second message ignored' },
      ],
    };
    const result = outcome<{ __typename: 'EventSuccess' }>(error);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_INPUT');
      expect(result.fields).toEqual({ guideNumber: 'Máximo 50 caracteres', 'primaryContact.name': 'Requerido' });
    }
  });

  it('treats every Error member as a failure', () => {
    for (const typename of ['ConflictError', 'NotFoundError', 'PermissionDeniedError', 'AuthenticationError'] as const) {
      const result = outcome<{ __typename: 'OkSuccess' }>({ __typename: typename, message: 'no', code: 'FORBIDDEN' });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.fields).toEqual({});
    }
  });
});
