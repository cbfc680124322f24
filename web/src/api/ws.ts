/** Subscriptions with the standard graphql-ws client (protocol graphql-transport-ws). */
import { createClient, type Client } from 'graphql-ws';
import type { GraphQLClient, Operation } from './client';

export function websocketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
}

export function createSubscriptionClient(gql: GraphQLClient, url: string): Client {
  return createClient({
    url,
    lazy: true,
    // Asked on every (re)connect, so a reconnect after expiry presents a refreshed token.
    connectionParams: async () => {
      const token = await gql.freshAccessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    retryAttempts: 20,
    shouldRetry: () => true,
  });
}

export interface SubscriptionHandlers<TData> {
  next: (data: TData) => void;
  error: (message: string) => void;
  complete?: () => void;
}

/** Subscribe to one operation; returns the unsubscribe function. */
export function subscribe<TData, TVars>(
  client: Client,
  op: Operation<TData, TVars>,
  variables: TVars,
  handlers: SubscriptionHandlers<TData>,
): () => void {
  return client.subscribe<TData>(
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
      error: (err) => handlers.error(describeError(err)),
      complete: () => handlers.complete?.(),
    },
  );
}

function describeError(err: unknown): string {
  if (Array.isArray(err)) return err.map((e) => (e as { message?: string }).message).join('; ');
  if (err && typeof err === 'object' && 'reason' in err) {
    const ev = err as { code?: number; reason?: string };
    return `WebSocket ${ev.code ?? ''} ${ev.reason ?? ''}`.trim();
  }
  return err instanceof Error ? err.message : String(err);
}
