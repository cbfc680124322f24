/** The signed-in session: viewer, effective permissions and preferences, shared by every page. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { gql, resetSubscriptions, tokens } from '../api';
import { GraphQLRequestError } from '../api/client';
import { ops } from '../api/operations';
import { outcome, type Outcome } from '../api/results';
import type { AuthSuccess, Language, Permission, Preferences, ViewerUser } from '../api/types';

const LANGUAGE_KEY = 'domcctv.language';

export const DEFAULT_PREFERENCES: Preferences = {
  language: 'ES',
  timezone: 'America/Santiago',
  theme: 'LIGHT',
  defaultPageSize: 25,
  videoQuality: 'AUTO',
  autoPlay: false,
};

type Status = 'loading' | 'anonymous' | 'authenticated';

export interface Session {
  status: Status;
  user: ViewerUser | null;
  permissions: ReadonlySet<Permission>;
  preferences: Preferences;
  /** Set when a session ended by itself (refresh refused), to explain the login page. */
  expired: boolean;
  isStaff: boolean;
  can: (permission: Permission) => boolean;
  login: (email: string, password: string) => Promise<Outcome<AuthSuccess>>;
  logout: () => Promise<void>;
  updatePreferences: (
    input: Partial<Preferences>,
  ) => Promise<Outcome<{ __typename: 'PreferencesSuccess'; preferences: Preferences }>>;
  setLanguage: (lang: Language) => void;
}

const SessionContext = createContext<Session | null>(null);

function storedLanguage(): Language {
  try {
    return localStorage.getItem(LANGUAGE_KEY) === 'EN' ? 'EN' : 'ES';
  } catch {
    return 'ES';
  }
}

function rememberLanguage(lang: Language): void {
  try {
    localStorage.setItem(LANGUAGE_KEY, lang);
  } catch {
    // Storage blocked: the preference still lives on the server.
  }
}

/** Per-tab page state (e.g. the last event search) must not outlive the user who made it. */
function forgetPageState(): void {
  try {
    for (const key of Object.keys(sessionStorage)) {
      if (key.startsWith('domcctv.page.')) sessionStorage.removeItem(key);
    }
  } catch {
    // Storage blocked: nothing kept, nothing to forget.
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>('loading');
  const [user, setUser] = useState<ViewerUser | null>(null);
  const [permissions, setPermissions] = useState<ReadonlySet<Permission>>(new Set());
  const [preferences, setPreferences] = useState<Preferences>({
    ...DEFAULT_PREFERENCES,
    language: storedLanguage(),
  });
  const [expired, setExpired] = useState(false);

  const clear = useCallback(() => {
    forgetPageState();
    setUser(null);
    setPermissions(new Set());
    setStatus('anonymous');
    void resetSubscriptions();
  }, []);

  const loadViewer = useCallback(async () => {
    try {
      const data = await gql.request(ops.me);
      if (!data.me) {
        tokens.clear();
        clear();
        return;
      }
      setUser(data.me.user);
      setPermissions(new Set(data.me.permissions));
      setPreferences(data.myPreferences);
      rememberLanguage(data.myPreferences.language);
      setStatus('authenticated');
    } catch (err) {
      if (err instanceof GraphQLRequestError && err.code === 'UNAUTHENTICATED') tokens.clear();
      clear();
    }
  }, [clear]);

  useEffect(() => {
    gql.onSessionEnded = () => {
      setExpired(true);
      clear();
    };
    if (tokens.accessToken || tokens.refreshToken) void loadViewer();
    else setStatus('anonymous');
  }, [clear, loadViewer]);

  const login = useCallback(
    async (email: string, password: string) => {
      const data = await gql.request(ops.login, { email, password });
      const result = outcome(data.login);
      if (result.ok) {
        tokens.set(result.value);
        setExpired(false);
        await resetSubscriptions();
        await loadViewer();
      }
      return result;
    },
    [loadViewer],
  );

  const logout = useCallback(async () => {
    try {
      await gql.request(ops.logout);
    } catch {
      // Already gone server-side: forgetting the tokens is all that is left to do.
    }
    tokens.clear();
    setExpired(false);
    clear();
  }, [clear]);

  const updatePreferences = useCallback(async (input: Partial<Preferences>) => {
    const data = await gql.request(ops.updateMyPreferences, { input });
    const result = outcome(data.updateMyPreferences);
    if (result.ok) {
      setPreferences(result.value.preferences);
      rememberLanguage(result.value.preferences.language);
    }
    return result;
  }, []);

  const setLanguage = useCallback(
    (lang: Language) => {
      rememberLanguage(lang);
      setPreferences((p) => ({ ...p, language: lang }));
      if (status === 'authenticated') void updatePreferences({ language: lang }).catch(() => undefined);
    },
    [status, updatePreferences],
  );

  const value = useMemo<Session>(
    () => ({
      status,
      user,
      permissions,
      preferences,
      expired,
      isStaff: user !== null && user.role !== 'CLIENT_USER',
      can: (p) => permissions.has(p),
      login,
      logout,
      updatePreferences,
      setLanguage,
    }),
    [status, user, permissions, preferences, expired, login, logout, updatePreferences, setLanguage],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
