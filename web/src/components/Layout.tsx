/** App shell: top bar (language, theme, account) and a permission-filtered side navigation. */
import BusinessIcon from '@mui/icons-material/Business';
import DarkModeIcon from '@mui/icons-material/DarkMode';
import GroupIcon from '@mui/icons-material/Group';
import HistoryIcon from '@mui/icons-material/History';
import LiveTvIcon from '@mui/icons-material/LiveTv';
import ReportProblemIcon from '@mui/icons-material/ReportProblem';
import LightModeIcon from '@mui/icons-material/LightMode';
import LogoutIcon from '@mui/icons-material/Logout';
import MenuIcon from '@mui/icons-material/Menu';
import SearchIcon from '@mui/icons-material/Search';
import SensorsIcon from '@mui/icons-material/Sensors';
import SettingsIcon from '@mui/icons-material/Settings';
import VideoLibraryIcon from '@mui/icons-material/VideoLibrary';
import VideoSettingsIcon from '@mui/icons-material/VideoSettings';
import VideocamIcon from '@mui/icons-material/Videocam';
import {
  AppBar,
  Avatar,
  Box,
  Button,
  Divider,
  Drawer,
  IconButton,
  List,
  ListItemButton,
  ListItemIcon,
  ListItemText,
  Menu,
  MenuItem,
  ToggleButton,
  ToggleButtonGroup,
  Toolbar,
  Tooltip,
  Typography,
  useMediaQuery,
  useTheme,
} from '@mui/material';
import { useState, type ReactNode } from 'react';
import type { Language, Permission } from '../api/types';
import { useSession } from '../auth/session';
import { useI18n, type MessageKey } from '../i18n';
import { navigate } from '../router';

const DRAWER_WIDTH = 232;

export interface NavItem {
  path: string;
  label: MessageKey;
  icon: ReactNode;
  /** Shown when the viewer holds any of these (empty: everyone). */
  anyOf: Permission[];
  /** Only for DOM staff (e.g. pages listing cameras, which client users cannot read). */
  staffOnly?: boolean;
}

export const NAV_ITEMS: NavItem[] = [
  { path: '/events', label: 'nav.events', icon: <SearchIcon />, anyOf: ['READ_EVENTS'] },
  { path: '/live', label: 'nav.live', icon: <SensorsIcon />, anyOf: ['READ_EVENTS'] },
  { path: '/live-view', label: 'nav.liveView', icon: <LiveTvIcon />, anyOf: ['VIEW_VIDEOS'] },
  { path: '/exports', label: 'nav.exports', icon: <VideoLibraryIcon />, anyOf: ['EXPORT_VIDEO_SEGMENTS'] },
  {
    path: '/companies',
    label: 'nav.companies',
    icon: <BusinessIcon />,
    anyOf: ['MANAGE_COMPANIES', 'SEARCH_ALL_COMPANIES'],
  },
  { path: '/users', label: 'nav.users', icon: <GroupIcon />, anyOf: ['MANAGE_USERS'] },
  { path: '/audit', label: 'nav.audit', icon: <HistoryIcon />, anyOf: ['VIEW_AUDIT_LOGS'] },
  { path: '/dead-letters', label: 'nav.deadLetters', icon: <ReportProblemIcon />, anyOf: ['SYSTEM_CONFIG'] },
  {
    path: '/devices',
    label: 'nav.devices',
    icon: <VideoSettingsIcon />,
    anyOf: ['SYSTEM_CONFIG'],
    staffOnly: true,
  },
  { path: '/preferences', label: 'nav.preferences', icon: <SettingsIcon />, anyOf: [] },
];

export function visibleNav(can: (p: Permission) => boolean, isStaff: boolean): NavItem[] {
  return NAV_ITEMS.filter(
    (item) => (!item.staffOnly || isStaff) && (item.anyOf.length === 0 || item.anyOf.some(can)),
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase())
    .join('');
}

export function Layout({ path, children }: { path: string; children: ReactNode }) {
  const session = useSession();
  const { t, lang } = useI18n();
  const theme = useTheme();
  const desktop = useMediaQuery(theme.breakpoints.up('md'));
  const [mobileOpen, setMobileOpen] = useState(false);
  const [menuAnchor, setMenuAnchor] = useState<HTMLElement | null>(null);
  const items = visibleNav(session.can, session.isStaff);
  const dark = theme.palette.mode === 'dark';

  const go = (to: string) => {
    setMobileOpen(false);
    navigate(to);
  };

  const drawer = (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100%' }}>
      <Toolbar />
      <List component="nav" sx={{ px: 1, pt: 2 }}>
        {items.map((item) => {
          const selected = path === item.path || path.startsWith(`${item.path}/`);
          return (
            <ListItemButton
              key={item.path}
              selected={selected}
              onClick={() => go(item.path)}
              sx={{ borderRadius: 2, mb: 0.5 }}
              data-testid={`nav-${item.path.slice(1)}`}
            >
              <ListItemIcon sx={{ minWidth: 40, color: selected ? 'primary.main' : undefined }}>
                {item.icon}
              </ListItemIcon>
              <ListItemText primary={t(item.label)} />
            </ListItemButton>
          );
        })}
      </List>
      <Box sx={{ flexGrow: 1 }} />
      <Divider />
      <Box sx={{ p: 2 }}>
        <Typography variant="caption" color="text.secondary">
          {session.user?.company?.name ?? 'DOM'} · {session.user && t(`role.${session.user.role}`)}
        </Typography>
      </Box>
    </Box>
  );

  return (
    <Box sx={{ display: 'flex', minHeight: '100vh' }}>
      <AppBar position="fixed" sx={{ zIndex: (th) => th.zIndex.drawer + 1 }} elevation={1}>
        <Toolbar sx={{ gap: 1 }}>
          {!desktop && (
            <IconButton color="inherit" edge="start" onClick={() => setMobileOpen(true)} aria-label="menu">
              <MenuIcon />
            </IconButton>
          )}
          <VideocamIcon />
          <Typography variant="h3" component="div" sx={{ fontWeight: 600, whiteSpace: 'nowrap' }}>
            {t('app.title')}
          </Typography>
          {desktop && (
            <Typography variant="body2" sx={{ opacity: 0.8, ml: 1 }}>
              {t('app.subtitle')}
            </Typography>
          )}
          <Box sx={{ flexGrow: 1 }} />
          <ToggleButtonGroup
            size="small"
            exclusive
            value={lang}
            onChange={(_, v: Language | null) => v && session.setLanguage(v)}
            aria-label={t('nav.language')}
            sx={{
              '& .MuiToggleButton-root': {
                color: 'inherit',
                borderColor: 'rgba(255,255,255,0.5)',
                px: 1,
                py: 0.25,
              },
              '& .Mui-selected': { bgcolor: 'rgba(255,255,255,0.2) !important', color: 'inherit !important' },
            }}
          >
            <ToggleButton value="ES" data-testid="lang-es">
              ES
            </ToggleButton>
            <ToggleButton value="EN" data-testid="lang-en">
              EN
            </ToggleButton>
          </ToggleButtonGroup>
          <Tooltip title={t('nav.theme')}>
            <IconButton
              color="inherit"
              onClick={() => void session.updatePreferences({ theme: dark ? 'LIGHT' : 'DARK' })}
              aria-label={t('nav.theme')}
            >
              {dark ? <LightModeIcon /> : <DarkModeIcon />}
            </IconButton>
          </Tooltip>
          <Button
            color="inherit"
            onClick={(e) => setMenuAnchor(e.currentTarget)}
            sx={{ textTransform: 'none', gap: 1, minWidth: 0, px: 1 }}
            data-testid="user-menu"
          >
            <Avatar sx={{ width: 30, height: 30, bgcolor: 'primary.dark', fontSize: '0.85rem' }}>
              {initials(session.user?.fullName ?? '')}
            </Avatar>
            {desktop && session.user?.fullName}
          </Button>
          <Menu anchorEl={menuAnchor} open={menuAnchor !== null} onClose={() => setMenuAnchor(null)}>
            <Box sx={{ px: 2, py: 1 }}>
              <Typography variant="subtitle2">{session.user?.fullName}</Typography>
              <Typography variant="body2" color="text.secondary">
                {session.user?.email}
              </Typography>
            </Box>
            <Divider />
            <MenuItem
              onClick={() => {
                setMenuAnchor(null);
                navigate('/preferences');
              }}
            >
              <ListItemIcon>
                <SettingsIcon fontSize="small" />
              </ListItemIcon>
              {t('nav.preferences')}
            </MenuItem>
            <MenuItem
              onClick={() => {
                setMenuAnchor(null);
                void session.logout().then(() => navigate('/login'));
              }}
              data-testid="logout"
            >
              <ListItemIcon>
                <LogoutIcon fontSize="small" />
              </ListItemIcon>
              {t('nav.logout')}
            </MenuItem>
          </Menu>
        </Toolbar>
      </AppBar>
      <Box component="nav" sx={{ width: { md: DRAWER_WIDTH }, flexShrink: { md: 0 } }}>
        <Drawer
          variant={desktop ? 'permanent' : 'temporary'}
          open={desktop || mobileOpen}
          onClose={() => setMobileOpen(false)}
          sx={{ '& .MuiDrawer-paper': { width: DRAWER_WIDTH, boxSizing: 'border-box' } }}
        >
          {drawer}
        </Drawer>
      </Box>
      <Box
        component="main"
        sx={{ flexGrow: 1, minWidth: 0, p: { xs: 2, sm: 3 }, bgcolor: 'background.default' }}
      >
        <Toolbar />
        {children}
      </Box>
    </Box>
  );
}
