/** The app's single GraphQL client, token store and (per session) subscription client. */
import type { Client } from 'graphql-ws';
import { GraphQLClient } from './client';
import { MemoryStorage, TokenStore, type StorageLike } from './tokens';
import { createSubscriptionClient, websocketUrl } from './ws';

function storage(kind: 'localStorage' | 'sessionStorage'): StorageLike {
  try {
    const s = window[kind];
    s.getItem('probe');
    return s;
  } catch {
    return new MemoryStorage();
  }
}

export const tokens = new TokenStore(storage('localStorage'), storage('sessionStorage'));
export const gql = new GraphQLClient({ tokens });

let wsClient: Client | null = null;

export function subscriptions(): Client {
  wsClient ??= createSubscriptionClient(gql, websocketUrl(window.location));
  return wsClient;
}

/** Close the socket (logout / user switch) so the next subscription authenticates afresh. */
export async function resetSubscriptions(): Promise<void> {
  const client = wsClient;
  wsClient = null;
  if (client) await client.dispose();
}
