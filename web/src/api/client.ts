/**
 * GraphQL over fetch POST /graphql with bearer tokens.
 *
 * A request that fails with a top-level UNAUTHENTICATED error while a refresh token is held
 * triggers one `refreshToken` mutation (single-flight, and serialised across tabs when the Web
 * Locks API exists, because a refresh token is single-use and replaying it revokes the session),
 * then the request is retried once. If the refresh is refused the session is cleared.
 */
import type { TokenStore } from './tokens';
import type { AuthSuccess, ErrorMember } from './types';

export interface Operation<TData, TVars> {
  readonly name: string;
  readonly document: string;
  /** Phantom field carrying the result and variables types; never set. */
  readonly __types?: (vars: TVars) => TData;
}

export interface GraphQLErrorPayload {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly errors: GraphQLErrorPayload[],
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GraphQLRequestError';
  }

  get code(): string | undefined {
    return this.errors.find((e) => e.extensions?.code)?.extensions?.code;
  }
}

const AUTH_CODES = new Set(['UNAUTHENTICATED']);
const REFRESH_OPERATION = 'RefreshToken';
/** Operations that need no session: never refresh for them. */
const PUBLIC_OPERATIONS = new Set(['Login', REFRESH_OPERATION, 'RequestPasswordReset', 'ResetPassword']);

const REFRESH_DOCUMENT = `mutation RefreshToken($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) {
    __typename
    ... on AuthSuccess { accessToken accessTokenExpiresAt refreshToken }
    ... on Error { message code }
  }
}`;

export interface ClientOptions {
  endpoint?: string;
  tokens: TokenStore;
  fetchImpl?: typeof fetch;
  /** Called once the session is definitely gone (refresh refused). */
  onSessionEnded?: () => void;
  /** Runs `fn` under a cross-tab lock; defaults to navigator.locks when present. */
  withLock?: <T>(fn: () => Promise<T>) => Promise<T>;
  now?: () => number;
}

function defaultLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? (locks.request('domcctv-refresh', fn) as unknown as Promise<T>) : fn();
}

export class GraphQLClient {
  private readonly endpoint: string;
  private readonly fetchImpl: typeof fetch;
  private readonly withLock: <T>(fn: () => Promise<T>) => Promise<T>;
  private readonly now: () => number;
  private refreshing: Promise<boolean> | null = null;
  onSessionEnded?: () => void;

  constructor(private readonly options: ClientOptions) {
    this.endpoint = options.endpoint ?? '/graphql';
    this.fetchImpl = options.fetchImpl ?? ((...args) => fetch(...args));
    this.withLock = options.withLock ?? defaultLock;
    this.now = options.now ?? (() => Date.now() / 1000);
    this.onSessionEnded = options.onSessionEnded;
  }

  get tokens(): TokenStore {
    return this.options.tokens;
  }

  /** Run a query or mutation; throws GraphQLRequestError on top-level errors. */
  async request<TData, TVars>(op: Operation<TData, TVars>, variables?: TVars): Promise<TData> {
    const isPublic = PUBLIC_OPERATIONS.has(op.name);
    const token = isPublic ? this.tokens.accessToken : await this.freshAccessToken();
    const first = await this.send(op, variables, token);
    if (!this.isAuthFailure(first) || isPublic || !this.tokens.refreshToken) {
      return this.unwrap(first);
    }
    if (!(await this.refresh())) {
      this.endSession();
      return this.unwrap(first);
    }
    return this.unwrap(await this.send(op, variables, this.tokens.accessToken));
  }

  /** An access token valid for a while (refreshing first if it is about to lapse). */
  async freshAccessToken(): Promise<string | null> {
    if (this.tokens.refreshToken && this.tokens.accessExpiring(this.now())) {
      if (!(await this.refresh())) {
        this.endSession();
        return null;
      }
    }
    return this.tokens.accessToken;
  }

  /** Spend the refresh token once for new tokens; concurrent callers share one attempt. */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.withLock(() => this.doRefresh()).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    // Read it inside the lock: another tab may have rotated it while we waited.
    const refreshToken = this.tokens.refreshToken;
    if (!refreshToken) return false;
    const op: Operation<{ refreshToken: AuthSuccess | ErrorMember }, { refreshToken: string }> = {
      name: REFRESH_OPERATION,
      document: REFRESH_DOCUMENT,
    };
    try {
      const body = await this.send(op, { refreshToken }, null);
      const result = body.data?.refreshToken;
      if (result && result.__typename === 'AuthSuccess') {
        this.tokens.set(result);
        return true;
      }
    } catch {
      // Network failure: keep the tokens, the caller sees the original error.
      return false;
    }
    return false;
  }

  private endSession(): void {
    this.tokens.clear();
    this.onSessionEnded?.();
  }

  private isAuthFailure(body: { errors?: GraphQLErrorPayload[] }): boolean {
    return (body.errors ?? []).some((e) => AUTH_CODES.has(e.extensions?.code ?? ''));
  }

  private unwrap<TData>(body: { data?: TData | null; errors?: GraphQLErrorPayload[] }): TData {
    if (body.errors && body.errors.length > 0) {
      throw new GraphQLRequestError(body.errors.map((e) => e.message).join('; '), body.errors);
    }
    if (body.data == null) throw new GraphQLRequestError('Empty GraphQL response', []);
    return body.data;
  }

  private async send<TData, TVars>(
    op: Operation<TData, TVars>,
    variables: TVars | undefined,
    token: string | null,
  ): Promise<{ data?: TData | null; errors?: GraphQLErrorPayload[] }> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await this.fetchImpl(this.endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: op.document, operationName: op.name, variables: variables ?? {} }),
    });
    let body: { data?: TData | null; errors?: GraphQLErrorPayload[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new GraphQLRequestError(`HTTP ${response.status}`, [], response.status);
    }
    if (!response.ok && !body.errors) {
      throw new GraphQLRequestError(`HTTP ${response.status}`, [], response.status);
    }
    return body;
  }
}
