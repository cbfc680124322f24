/** Providers (session, language, theme, notifications) and the hash routes. */
import { CssBaseline, ThemeProvider, useMediaQuery } from '@mui/material';
import { useEffect, useMemo, type ReactNode } from 'react';
import type { Permission } from './api/types';
import { SessionProvider, useSession } from './auth/session';
import { Loading } from './components/common';
import { Layout, visibleNav } from './components/Layout';
import { NotifyProvider } from './components/notify';
import { I18nProvider } from './i18n';
import { AuditPage } from './pages/AuditPage';
import { CompaniesPage } from './pages/CompaniesPage';
import { CompanyDetailPage } from './pages/CompanyDetailPage';
import { DeadLettersPage } from './pages/DeadLettersPage';
import { DevicesPage } from './pages/DevicesPage';
import { EventDetailPage } from './pages/EventDetailPage';
import { EventsPage } from './pages/EventsPage';
import { ExportsPage } from './pages/ExportsPage';
import { LivePage } from './pages/LivePage';
import { LiveViewPage } from './pages/LiveViewPage';
import { LoginPage } from './pages/LoginPage';
import { NoAccess } from './pages/NoAccess';
import { PreferencesPage } from './pages/PreferencesPage';
import { ResetPasswordPage } from './pages/ResetPasswordPage';
import { UsersPage } from './pages/UsersPage';
import { matchRoute, navigate, useHashLocation, type HashLocation } from './router';
import { buildTheme } from './theme';

interface RouteDef {
  pattern: string;
  anyOf: Permission[];
  /** Only for DOM staff (client users get "no access"). */
  staffOnly?: boolean;
  render: (params: Record<string, string>, loc: HashLocation) => ReactNode;
}

const ROUTES: RouteDef[] = [
  { pattern: '/events', anyOf: ['READ_EVENTS'], render: () => <EventsPage /> },
  { pattern: '/events/:id', anyOf: ['READ_EVENTS'], render: (p) => <EventDetailPage id={p.id} /> },
  { pattern: '/live', anyOf: ['READ_EVENTS'], render: () => <LivePage /> },
  { pattern: '/live-view', anyOf: ['VIEW_VIDEOS'], render: () => <LiveViewPage /> },
  { pattern: '/exports', anyOf: ['EXPORT_VIDEO_SEGMENTS'], render: () => <ExportsPage /> },
  {
    pattern: '/companies',
    anyOf: ['MANAGE_COMPANIES', 'SEARCH_ALL_COMPANIES'],
    render: () => <CompaniesPage />,
  },
  {
    pattern: '/companies/:id',
    anyOf: ['MANAGE_COMPANIES', 'SEARCH_ALL_COMPANIES'],
    render: (p) => <CompanyDetailPage id={p.id} />,
  },
  { pattern: '/users', anyOf: ['MANAGE_USERS'], render: () => <UsersPage /> },
  { pattern: '/audit', anyOf: ['VIEW_AUDIT_LOGS'], render: (_, loc) => <AuditPage query={loc.query} /> },
  { pattern: '/dead-letters', anyOf: ['SYSTEM_CONFIG'], render: () => <DeadLettersPage /> },
  { pattern: '/devices', anyOf: ['SYSTEM_CONFIG'], staffOnly: true, render: () => <DevicesPage /> },
  { pattern: '/preferences', anyOf: [], render: () => <PreferencesPage /> },
];

const RETURN_KEY = 'domcctv.returnTo';

function Routes() {
  const session = useSession();
  const loc = useHashLocation();

  const home = visibleNav(session.can, session.isStaff)[0]?.path ?? '/preferences';
  const redirect =
    session.status === 'authenticated' && (loc.path === '/' || loc.path === '/login') ? home : null;

  useEffect(() => {
    if (session.status === 'anonymous' && loc.path !== '/login' && loc.path !== '/reset-password') {
      if (loc.path !== '/') sessionStorage.setItem(RETURN_KEY, window.location.hash.slice(1));
      navigate('/login', { replace: true });
    }
    if (redirect) {
      const back = sessionStorage.getItem(RETURN_KEY);
      sessionStorage.removeItem(RETURN_KEY);
      navigate(back && back !== '/login' ? back : redirect, { replace: true });
    }
  }, [session.status, loc.path, redirect]);

  if (loc.path === '/reset-password') return <ResetPasswordPage token={loc.query.get('token')} />;
  if (session.status === 'loading' || redirect) return <Loading />;
  if (session.status === 'anonymous') return <LoginPage />;

  for (const route of ROUTES) {
    const params = matchRoute(route.pattern, loc.path);
    if (!params) continue;
    const allowed =
      (!route.staffOnly || session.isStaff) && (route.anyOf.length === 0 || route.anyOf.some(session.can));
    return (
      <Layout path={loc.path}>{allowed ? route.render(params, loc) : <NoAccess />}</Layout>
    );
  }
  return (
    <Layout path={loc.path}>
      <NoAccess notFound />
    </Layout>
  );
}

function Themed({ children }: { children: ReactNode }) {
  const { preferences, user } = useSession();
  const prefersDark = useMediaQuery('(prefers-color-scheme: dark)');
  const mode =
    preferences.theme === 'DARK' || (preferences.theme === 'AUTO' && prefersDark) ? 'dark' : 'light';
  const theme = useMemo(() => buildTheme(mode, preferences.language), [mode, preferences.language]);
  useEffect(() => {
    document.documentElement.lang = preferences.language === 'EN' ? 'en' : 'es';
  }, [preferences.language]);
  return (
    <I18nProvider lang={preferences.language}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        {/* Keyed by user: nothing on screen (notifications, forms) survives a change of user. */}
        <NotifyProvider key={user?.id ?? 'anonymous'}>{children}</NotifyProvider>
      </ThemeProvider>
    </I18nProvider>
  );
}

export function App() {
  return (
    <SessionProvider>
      <Themed>
        <Routes />
      </Themed>
    </SessionProvider>
  );
}
