/** Client companies: search, list, create. */
import AddIcon from '@mui/icons-material/Add';
import {
  Button,
  Chip,
  FormControlLabel,
  Paper,
  Stack,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { gql } from '../api';
import { ops } from '../api/operations';
import { useSession } from '../auth/session';
import { ErrorAlert, PageHeader } from '../components/common';
import { useNotify } from '../components/notify';
import { useConnection } from '../components/useConnection';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { CompanyFormDialog } from './CompanyForm';

export function CompaniesPage() {
  const { t } = useI18n();
  const session = useSession();
  const notify = useNotify();
  const [search, setSearch] = useState('');
  const [debounced, setDebounced] = useState('');
  const [onlyActive, setOnlyActive] = useState(false);
  const [creating, setCreating] = useState(false);
  const canManage = session.can('MANAGE_COMPANIES');

  useEffect(() => {
    const h = setTimeout(() => setDebounced(search.trim()), 300);
    return () => clearTimeout(h);
  }, [search]);

  const fetchPage = useCallback(
    async (after: string | null) =>
      (
        await gql.request(ops.companies, {
          search: debounced || null,
          active: onlyActive ? true : null,
          first: session.preferences.defaultPageSize,
          after,
        })
      ).companies,
    [debounced, onlyActive, session.preferences.defaultPageSize],
  );
  const list = useConnection(fetchPage, `${debounced}|${onlyActive}`);

  return (
    <>
      <PageHeader
        title={t('companies.title')}
        actions={
          canManage && (
            <Button variant="contained" startIcon={<AddIcon />} onClick={() => setCreating(true)} data-testid="company-new">
              {t('companies.new')}
            </Button>
          )
        }
      />
      <Paper sx={{ p: 2, mb: 3 }}>
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2} sx={{ alignItems: { sm: 'center' } }}>
          <TextField
            label={t('companies.search')}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            sx={{ minWidth: 280 }}
          />
          <FormControlLabel
            control={<Switch checked={onlyActive} onChange={(e) => setOnlyActive(e.target.checked)} />}
            label={t('companies.onlyActive')}
          />
        </Stack>
      </Paper>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      <Paper sx={{ overflow: 'hidden' }}>
        <TableContainer>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('companies.name')}</TableCell>
                <TableCell>{t('companies.rut')}</TableCell>
                <TableCell>{t('companies.city')}</TableCell>
                <TableCell>{t('companies.contact')}</TableCell>
                <TableCell>{t('companies.status')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {list.items.map((c) => (
                <TableRow
                  key={c.id}
                  hover
                  sx={{ cursor: 'pointer' }}
                  onClick={() => navigate(`/companies/${encodeURIComponent(c.id)}`)}
                  data-testid="company-row"
                >
                  <TableCell>
                    <Typography variant="body2" sx={{ fontWeight: 500 }}>
                      {c.name}
                    </Typography>
                    <Typography variant="caption" color="text.secondary">
                      {c.businessName}
                    </Typography>
                  </TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{c.rutDisplay}</TableCell>
                  <TableCell>
                    {[c.city, c.region].filter(Boolean).join(', ') || '—'}
                  </TableCell>
                  <TableCell>
                    <Typography variant="body2">{c.primaryContact?.name ?? '—'}</Typography>
                    <Typography variant="caption" color="text.secondary">
                      {c.email || c.phone}
                    </Typography>
                  </TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      color={c.isActive ? 'success' : 'default'}
                      variant={c.isActive ? 'filled' : 'outlined'}
                      label={c.isActive ? t('common.active') : t('common.inactive')}
                    />
                  </TableCell>
                </TableRow>
              ))}
              {!list.loading && list.items.length === 0 && (
                <TableRow>
                  <TableCell colSpan={5} align="center" sx={{ py: 6, color: 'text.secondary' }}>
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
        <CompanyFormDialog
          company={null}
          onClose={() => setCreating(false)}
          onSaved={(c) => {
            setCreating(false);
            notify(t('companies.created'));
            navigate(`/companies/${encodeURIComponent(c.id)}`);
          }}
        />
      )}
    </>
  );
}
