/** Accounts: search and filter, create, edit role / activity and permission grants. */
import AddIcon from '@mui/icons-material/Add';
import LockIcon from '@mui/icons-material/Lock';
import {
  Button,
  Chip,
  FormControl,
  InputLabel,
  MenuItem,
  Paper,
  Select,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { gql } from '../api';
import { ops } from '../api/operations';
import { ROLES, type Role, type User } from '../api/types';
import { useSession } from '../auth/session';
import { CompanyPicker, type CompanyOption } from '../components/CompanyPicker';
import { ErrorAlert, PageHeader } from '../components/common';
import { useNotify } from '../components/notify';
import { useConnection } from '../components/useConnection';
import { formatDateTime } from '../format';
import { useI18n } from '../i18n';
import { CreateUserDialog, EditUserDialog } from './UserDialogs';

const ROLE_COLORS: Record<Role, 'primary' | 'secondary' | 'info' | 'default'> = {
  ADMINISTRATOR: 'secondary',
  SUPERVISOR: 'primary',
  OPERATOR: 'info',
  CLIENT_USER: 'default',
};

export function UsersPage() {
  const { t, lang } = useI18n();
  const session = useSession();
  const notify = useNotify();
  const tz = session.preferences.timezone;
  const [search, setSearch] = useState('');
  const [debounced, setDebounced] = useState('');
  const [role, setRole] = useState<Role | ''>('');
  const [company, setCompany] = useState<CompanyOption | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);

  useEffect(() => {
    const h = setTimeout(() => setDebounced(search.trim()), 300);
    return () => clearTimeout(h);
  }, [search]);

  const fetchPage = useCallback(
    async (after: string | null) =>
      (
        await gql.request(ops.users, {
          search: debounced || null,
          role: role || null,
          companyId: company?.id ?? null,
          first: session.preferences.defaultPageSize,
          after,
        })
      ).users,
    [debounced, role, company, session.preferences.defaultPageSize],
  );
  const list = useConnection(fetchPage, `${debounced}|${role}|${company?.id ?? ''}`);

  const replace = (u: User) => list.setItems((items) => items.map((x) => (x.id === u.id ? u : x)));

  return (
    <>
      <PageHeader
        title={t('users.title')}
        actions={
          <Button variant="contained" startIcon={<AddIcon />} onClick={() => setCreating(true)} data-testid="user-new">
            {t('users.new')}
          </Button>
        }
      />
      <Paper sx={{ p: 2, mb: 3 }}>
        <Stack direction={{ xs: 'column', md: 'row' }} spacing={2}>
          <TextField label={t('users.search')} value={search} onChange={(e) => setSearch(e.target.value)} sx={{ minWidth: 240 }} />
          <FormControl sx={{ minWidth: 180 }}>
            <InputLabel id="role-filter">{t('users.role')}</InputLabel>
            <Select labelId="role-filter" label={t('users.role')} value={role} onChange={(e) => setRole(e.target.value as Role | '')}>
              <MenuItem value="">{t('common.any')}</MenuItem>
              {ROLES.map((r) => (
                <MenuItem key={r} value={r}>
                  {t(`role.${r}`)}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <Stack sx={{ minWidth: 260 }}>
            <CompanyPicker label={t('users.company')} value={company} onChange={setCompany} />
          </Stack>
        </Stack>
      </Paper>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Paper sx={{ overflow: 'hidden' }}>
        <TableContainer>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('users.firstName')}</TableCell>
                <TableCell>{t('users.role')}</TableCell>
                <TableCell>{t('users.company')}</TableCell>
                <TableCell>{t('users.grants')}</TableCell>
                <TableCell>{t('users.lastLogin')}</TableCell>
                <TableCell>{t('companies.status')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {list.items.map((u) => (
                <TableRow key={u.id} hover sx={{ cursor: 'pointer' }} onClick={() => setEditing(u)} data-testid="user-row">
                  <TableCell>
                    <Typography variant="body2" sx={{ fontWeight: 500 }}>
                      {u.fullName}
                    </Typography>
                    <Typography variant="caption" color="text.secondary">
                      {u.email}
                    </Typography>
                  </TableCell>
                  <TableCell>
                    <Chip size="small" color={ROLE_COLORS[u.role]} label={t(`role.${u.role}`)} />
                  </TableCell>
                  <TableCell>{u.company?.name ?? 'DOM'}</TableCell>
                  <TableCell>
                    {u.grants.length === 0
                      ? '—'
                      : u.grants.map((g) => (
                          <Chip key={g.permission} size="small" variant="outlined" label={g.permission} sx={{ mr: 0.5, mb: 0.5, fontSize: '0.7rem' }} />
                        ))}
                  </TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    {u.lastLogin ? formatDateTime(u.lastLogin, tz, lang, false) : t('common.never')}
                  </TableCell>
                  <TableCell>
                    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }}>
                      <Chip
                        size="small"
                        variant={u.isActive ? 'filled' : 'outlined'}
                        color={u.isActive ? 'success' : 'default'}
                        label={u.isActive ? t('common.active') : t('common.inactive')}
                      />
                      {u.lockedUntil && new Date(u.lockedUntil) > new Date() && (
                        <Tooltip title={t('users.locked', { when: formatDateTime(u.lockedUntil, tz, lang) })}>
                          <LockIcon fontSize="small" color="warning" />
                        </Tooltip>
                      )}
                    </Stack>
                  </TableCell>
                </TableRow>
              ))}
              {!list.loading && list.items.length === 0 && (
                <TableRow>
                  <TableCell colSpan={6} align="center" sx={{ py: 6, color: 'text.secondary' }}>
                    {t('common.noResults')}
                  </TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
        </TableContainer>
        {list.hasMore && (
          <Stack sx={{ p: 1.5, alignItems: 'flex-end' }}>
            <Button onClick={list.loadMore} disabled={list.loading}>
              {t('common.loadMore')}
            </Button>
          </Stack>
        )}
      </Paper>
      {creating && (
        <CreateUserDialog
          onClose={() => setCreating(false)}
          onCreated={(u) => {
            setCreating(false);
            list.setItems((items) => [u, ...items]);
            notify(t('users.created'));
          }}
        />
      )}
      {editing && (
        <EditUserDialog
          user={editing}
          onClose={(u) => {
            replace(u);
            setEditing(null);
          }}
          onSaved={(u) => {
            replace(u);
            notify(t('common.saved'));
            setEditing(null);
          }}
        />
      )}
    </>
  );
}
