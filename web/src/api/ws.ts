/**
 * Subscriptions with the standard graphql-ws client (protocol graphql-transport-ws).
 *
 * The server binds each connection to the session it authenticated with and closes it with:
 *  - 4401 (re-authenticate): the access token expired or the user's rights changed. We refresh
 *    the access token and subscribe again (graphql-ws itself treats 4401 as fatal).
 *  - 4403 (forbidden): the session is over (logged out elsewhere, revoked, account disabled).
 *    Nothing retries; the session ends and the app shows the login page.
 * Before the token expires the open connection is re-authenticated in place: a protocol `ping`
 * carrying `{authorization}`; the server answers with the new deadline (`expiresAt`, also in the
 * `connection_ack` payload), so a live feed is not cut every token lifetime.
 */
import { createClient, type Client } from 'graphql-ws';
import type { GraphQLClient, Operation } from './client';

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
/** Re-authenticate this many seconds before the server's deadline. */
const REAUTH_LEAD_SECONDS = 15;
/** Re-subscribing after 4401 backs off if the server keeps refusing (1 s, 2 s, … 30 s). */
const RESUBSCRIBE_MAX_DELAY_MS = 30_000;
const SOCKET_OPEN = 1; // WebSocket.OPEN (not a global in every runtime)

export function websocketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
}

/** The close code of a graphql-ws error (a CloseEvent-like object), if it is one. */
export function closeCode(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
}

function expiresAtOf(payload: unknown): number | null {
  if (payload && typeof payload === 'object' && 'expiresAt' in payload) {
    const value = (payload as { expiresAt: unknown }).expiresAt;
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }
  return null;
}

export interface SubscriptionClientOptions {
  /** Clock in epoch seconds (tests). */
  now?: () => number;
  /** WebSocket constructor (tests); the browser's by default. */
  webSocketImpl?: unknown;
}

export function createSubscriptionClient(
  gql: GraphQLClient,
  url: string,
  { now = () => Date.now() / 1000, webSocketImpl }: SubscriptionClientOptions = {},
): Client {
  let refreshFirst = false;
  let socket: WebSocket | null = null;
  let reauthTimer: ReturnType<typeof setTimeout> | undefined;

  /** The session is over: forget the tokens and let the app go to the login page (once). */
  const endSession = () => {
    if (!gql.tokens.accessToken && !gql.tokens.refreshToken) return; // already signed out
    gql.tokens.clear();
    gql.onSessionEnded?.();
  };

  /** Present a token that outlives the connection's deadline (refreshing if the one held
   * does not); if that fails the server closes with 4401 at the deadline and we reconnect. */
  const reauthenticate = async (deadline: number) => {
    if ((gql.tokens.accessTokenExpiresAt ?? 0) <= deadline && !(await gql.refresh())) return;
    const token = await gql.freshAccessToken();
    if (token && socket && socket.readyState === SOCKET_OPEN) {
      socket.send(JSON.stringify({ type: 'ping', payload: { authorization: `Bearer ${token}` } }));
    }
  };

  const scheduleReauth = (expiresAt: number | null) => {
    clearTimeout(reauthTimer);
    if (expiresAt === null) return;
    const delayMs = Math.max(0, (expiresAt - REAUTH_LEAD_SECONDS - now()) * 1000);
    reauthTimer = setTimeout(() => void reauthenticate(expiresAt), delayMs);
  };

  return createClient({
    url,
    webSocketImpl,
    lazy: true,
    // Asked on every (re)connect: after a 4401 the token is refreshed first; otherwise a token
    // about to lapse is refreshed by freshAccessToken().
    connectionParams: async () => {
      if (refreshFirst) {
        refreshFirst = false;
        if (!(await gql.refresh())) {
          endSession();
          return {};
        }
      }
      const token = await gql.freshAccessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    retryAttempts: 20,
    // 4403: these credentials are finished; retrying would only be refused again.
    shouldRetry: (err) => closeCode(err) !== CLOSE_FORBIDDEN,
    on: {
      connected: (ws, payload) => {
        socket = ws as WebSocket;
        scheduleReauth(expiresAtOf(payload));
      },
      pong: (received, payload) => {
        const expiresAt = received ? expiresAtOf(payload) : null;
        if (expiresAt !== null) scheduleReauth(expiresAt);
      },
      closed: (event) => {
        clearTimeout(reauthTimer);
        socket = null;
        const code = closeCode(event);
        if (code === CLOSE_UNAUTHORIZED) refreshFirst = true;
        else if (code === CLOSE_FORBIDDEN) endSession();
      },
    },
  });
}

export interface SubscriptionHandlers<TData> {
  next: (data: TData) => void;
  error: (message: string) => void;
  complete?: () => void;
}

/**
 * Subscribe to one operation; returns the unsubscribe function. A 4401 close subscribes again
 * (the new connection refreshes the token first); any other error reaches `handlers.error`.
 */
export function subscribe<TData, TVars>(
  client: Client,
  op: Operation<TData, TVars>,
  variables: TVars,
  handlers: SubscriptionHandlers<TData>,
): () => void {
  let active = true;
  let dispose: () => void = () => undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let refusals = 0;
  let lastRefusal = 0;

  const start = () => {
    dispose = client.subscribe<TData>(
      {
        query: op.document,
        operationName: op.name,
        variables: variables as Record<string, unknown>,
      },
      {
        next: (result) => {
          if (result.errors?.length) handlers.error(result.errors.map((e) => e.message).join('; '));
          else if (result.data) handlers.next(result.data);
        },
        error: (err) => {
          if (active && closeCode(err) === CLOSE_UNAUTHORIZED) {
            dispose(); // release the ended subscription before starting its successor
            const moment = Date.now();
            refusals = moment - lastRefusal < 10_000 ? refusals + 1 : 0;
            lastRefusal = moment;
            const delay = refusals ? Math.min(RESUBSCRIBE_MAX_DELAY_MS, 1000 * 2 ** (refusals - 1)) : 0;
            retryTimer = setTimeout(start, delay);
            return;
          }
          handlers.error(describeError(err));
        },
        complete: () => handlers.complete?.(),
      },
    );
  };

  start();
  return () => {
    active = false;
    clearTimeout(retryTimer);
    dispose();
  };
}

function describeError(err: unknown): string {
  if (Array.isArray(err)) return err.map((e) => (e as { message?: string }).message).join('; ');
  if (err && typeof err === 'object' && 'reason' in err) {
    const ev = err as { code?: number; reason?: string };
    return `WebSocket ${ev.code ?? ''} ${ev.reason ?? ''}`.trim();
  }
  return err instanceof Error ? err.message : String(err);
}
