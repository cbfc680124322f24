/** The audit trail with filters and a before/after JSON viewer. */
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import KeyboardArrowRightIcon from '@mui/icons-material/KeyboardArrowRight';
import {
  Autocomplete,
  Box,
  Button,
  Chip,
  Collapse,
  FormControl,
  IconButton,
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
  Typography,
} from '@mui/material';
import { Fragment, useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { gql } from '../api';
import { ops, type AuditFilter } from '../api/operations';
import { AUDIT_ACTIONS, RESOURCE_TYPES, type AuditAction, type AuditEntry, type ResourceType, type UserRef } from '../api/types';
import { useSession } from '../auth/session';
import { ErrorAlert, JsonView, PageHeader } from '../components/common';
import { useConnection } from '../components/useConnection';
import { changedKeys, formatDateTime, prettyJson, zonedLocalToUtcIso } from '../format';
import { useI18n } from '../i18n';

interface Form {
  action: AuditAction | '';
  resourceType: ResourceType | '';
  resourceId: string;
  user: UserRef | null;
  since: string;
  until: string;
}

function UserFilter({ value, onChange }: { value: UserRef | null; onChange: (u: UserRef | null) => void }) {
  const { t } = useI18n();
  const [input, setInput] = useState('');
  const [options, setOptions] = useState<UserRef[]>([]);
  useEffect(() => {
    let cancelled = false;
    const h = setTimeout(() => {
      gql
        .request(ops.userOptions, { search: input && input !== value?.fullName ? input : null })
        .then((d) => !cancelled && setOptions(d.users.edges.map((e) => e.node)))
        .catch(() => undefined);
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(h);
    };
  }, [input, value?.fullName]);
  return (
    <Autocomplete
      size="small"
      options={options}
      value={value}
      filterOptions={(x) => x}
      getOptionLabel={(o) => `${o.fullName} (${o.email})`}
      isOptionEqualToValue={(a, b) => a.id === b.id}
      onChange={(_, v) => onChange(v)}
      onInputChange={(_, v) => setInput(v)}
      renderInput={(params) => <TextField {...params} label={t('audit.user')} />}
    />
  );
}

function EntryRow({ entry }: { entry: AuditEntry }) {
  const { t, lang } = useI18n();
  const tz = useSession().preferences.timezone;
  const [open, setOpen] = useState(false);
  const changed = useMemo(() => changedKeys(entry.beforeState, entry.afterState), [entry]);
  return (
    <Fragment>
      <TableRow hover sx={{ cursor: 'pointer', '& > td': { borderBottom: open ? 'none' : undefined } }} onClick={() => setOpen((o) => !o)} data-testid="audit-row">
        <TableCell padding="checkbox">
          <IconButton size="small">{open ? <KeyboardArrowDownIcon /> : <KeyboardArrowRightIcon />}</IconButton>
        </TableCell>
        <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(entry.timestamp, tz, lang)}</TableCell>
        <TableCell>
          <Chip size="small" label={entry.action} sx={{ fontFamily: 'monospace', fontSize: '0.72rem' }} />
        </TableCell>
        <TableCell>
          {entry.resourceType}{' '}
          {entry.resourceId && (
            <Typography component="span" variant="caption" color="text.secondary">
              #{entry.resourceId}
            </Typography>
          )}
        </TableCell>
        <TableCell>{entry.user ? entry.user.fullName : <i>{t('audit.system')}</i>}</TableCell>
        <TableCell sx={{ fontFamily: 'monospace', fontSize: '0.8rem' }}>{entry.ipAddress || '—'}</TableCell>
      </TableRow>
      <TableRow>
        <TableCell colSpan={6} sx={{ py: 0, ...(open ? {} : { borderBottom: 'none' }) }}>
          <Collapse in={open} unmountOnExit>
            <Box sx={{ py: 2 }}>
              {changed.length > 0 && entry.beforeState != null && (
                <Stack direction="row" spacing={1} sx={{ mb: 1.5, alignItems: 'center', flexWrap: 'wrap', gap: 0.5 }}>
                  <Typography variant="caption" color="text.secondary">
                    {t('audit.changed')}:
                  </Typography>
                  {changed.map((k) => (
                    <Chip key={k} size="small" color="warning" variant="outlined" label={k} />
                  ))}
                </Stack>
              )}
              <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' } }}>
                <Box>
                  <Typography variant="caption" color="text.secondary">
                    {t('audit.before')}
                  </Typography>
                  <JsonView value={prettyJson(entry.beforeState)} />
                </Box>
                <Box>
                  <Typography variant="caption" color="text.secondary">
                    {t('audit.after')}
                  </Typography>
                  <JsonView value={prettyJson(entry.afterState)} />
                </Box>
              </Box>
              <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 1 }}>
                {t('audit.userAgent')}: {entry.userAgent || '—'}
                {entry.user && ` · ${entry.user.email}`}
              </Typography>
            </Box>
          </Collapse>
        </TableCell>
      </TableRow>
    </Fragment>
  );
}

export function AuditPage({ query }: { query: URLSearchParams }) {
  const { t } = useI18n();
  const session = useSession();
  const tz = session.preferences.timezone;
  const initial: Form = {
    action: (query.get('action') as AuditAction) ?? '',
    resourceType: (query.get('resourceType') as ResourceType) ?? '',
    resourceId: query.get('resourceId') ?? '',
    user: null,
    since: '',
    until: '',
  };
  const [form, setForm] = useState<Form>(initial);
  const [applied, setApplied] = useState<Form>(initial);

  const filter = useMemo<AuditFilter>(
    () => ({
      action: applied.action || null,
      resourceType: applied.resourceType || null,
      resourceId: applied.resourceId.trim() || null,
      userId: applied.user?.id ?? null,
      since: applied.since ? zonedLocalToUtcIso(applied.since, tz) : null,
      until: applied.until ? zonedLocalToUtcIso(applied.until, tz) : null,
    }),
    [applied, tz],
  );
  const fetchPage = useCallback(
    async (after: string | null) =>
      (await gql.request(ops.auditLogs, { filter, first: session.preferences.defaultPageSize, after })).auditLogs,
    [filter, session.preferences.defaultPageSize],
  );
  const list = useConnection(fetchPage, JSON.stringify(filter));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied({ ...form });
  };
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  return (
    <>
      <PageHeader title={t('audit.title')} />
      <Paper component="form" onSubmit={submit} sx={{ p: 2, mb: 3 }}>
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr', lg: 'repeat(3, 1fr)' } }}>
          <FormControl>
            <InputLabel id="action-label">{t('audit.action')}</InputLabel>
            <Select labelId="action-label" label={t('audit.action')} value={form.action} onChange={(e) => set('action', e.target.value as AuditAction | '')}>
              <MenuItem value="">{t('common.any')}</MenuItem>
              {AUDIT_ACTIONS.map((a) => (
                <MenuItem key={a} value={a} sx={{ fontFamily: 'monospace', fontSize: '0.85rem' }}>
                  {a}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <FormControl>
            <InputLabel id="rt-label">{t('audit.resourceType')}</InputLabel>
            <Select labelId="rt-label" label={t('audit.resourceType')} value={form.resourceType} onChange={(e) => set('resourceType', e.target.value as ResourceType | '')}>
              <MenuItem value="">{t('common.any')}</MenuItem>
              {RESOURCE_TYPES.map((r) => (
                <MenuItem key={r} value={r}>
                  {r}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <TextField label={t('audit.resourceId')} value={form.resourceId} onChange={(e) => set('resourceId', e.target.value)} />
          {session.can('MANAGE_USERS') && <UserFilter value={form.user} onChange={(u) => set('user', u)} />}
          <TextField
            label={t('events.since')}
            type="datetime-local"
            value={form.since}
            onChange={(e) => set('since', e.target.value)}
            slotProps={{ inputLabel: { shrink: true } }}
          />
          <TextField
            label={t('events.until')}
            type="datetime-local"
            value={form.until}
            onChange={(e) => set('until', e.target.value)}
            slotProps={{ inputLabel: { shrink: true } }}
          />
        </Box>
        <Stack direction="row" spacing={1} sx={{ mt: 2, justifyContent: 'flex-end' }}>
          <Button
            onClick={() => {
              const empty: Form = { action: '', resourceType: '', resourceId: '', user: null, since: '', until: '' };
              setForm(empty);
              setApplied(empty);
            }}
          >
            {t('common.clear')}
          </Button>
          <Button type="submit" variant="contained">
            {t('common.search')}
          </Button>
        </Stack>
      </Paper>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Paper sx={{ overflow: 'hidden' }}>
        <TableContainer>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell padding="checkbox" />
                <TableCell>{t('audit.when')}</TableCell>
                <TableCell>{t('audit.action')}</TableCell>
                <TableCell>{t('audit.resourceType')}</TableCell>
                <TableCell>{t('audit.user')}</TableCell>
                <TableCell>{t('audit.ip')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {list.items.map((entry) => (
                <EntryRow key={entry.id} entry={entry} />
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
        <Stack direction="row" sx={{ p: 1.5, alignItems: 'center', justifyContent: 'space-between' }}>
          <Typography variant="body2" color="text.secondary">
            {list.loading ? t('common.loading') : t('common.showing', { count: list.items.length })}
          </Typography>
          {list.hasMore && (
            <Button onClick={list.loadMore} disabled={list.loading}>
              {t('common.loadMore')}
            </Button>
          )}
        </Stack>
      </Paper>
    </>
  );
}
