/**
 * Where the session's tokens live: the refresh token in localStorage (survives restarts, shared by
 * tabs), the access token in memory mirrored to sessionStorage (survives a reload of this tab only).
 */

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface TokenPair {
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
}

const REFRESH_KEY = 'domcctv.refreshToken';
const ACCESS_KEY = 'domcctv.accessToken';
const EXPIRES_KEY = 'domcctv.accessTokenExpiresAt';

export class TokenStore {
  private access: string | null;
  private expiresAt: number | null;

  constructor(
    private readonly local: StorageLike,
    private readonly session: StorageLike,
  ) {
    this.access = session.getItem(ACCESS_KEY);
    const exp = Number(session.getItem(EXPIRES_KEY));
    this.expiresAt = Number.isFinite(exp) && exp > 0 ? exp : null;
  }

  get accessToken(): string | null {
    return this.access;
  }

  /** Epoch seconds when the access token lapses (null if unknown). */
  get accessTokenExpiresAt(): number | null {
    return this.expiresAt;
  }

  get refreshToken(): string | null {
    return this.local.getItem(REFRESH_KEY);
  }

  /** True when the access token is missing or lapses within `marginSeconds`. */
  accessExpiring(nowSeconds: number, marginSeconds = 20): boolean {
    if (!this.access) return true;
    return this.expiresAt !== null && this.expiresAt - marginSeconds <= nowSeconds;
  }

  set(pair: TokenPair): void {
    this.access = pair.accessToken;
    this.expiresAt = pair.accessTokenExpiresAt;
    this.session.setItem(ACCESS_KEY, pair.accessToken);
    this.session.setItem(EXPIRES_KEY, String(pair.accessTokenExpiresAt));
    this.local.setItem(REFRESH_KEY, pair.refreshToken);
  }

  clear(): void {
    this.access = null;
    this.expiresAt = null;
    this.session.removeItem(ACCESS_KEY);
    this.session.removeItem(EXPIRES_KEY);
    this.local.removeItem(REFRESH_KEY);
  }
}

/** In-memory storage for tests and for browsers that block Web Storage. */
export class MemoryStorage implements StorageLike {
  private readonly data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}
