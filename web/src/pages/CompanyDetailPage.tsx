/** One company: its data (editable with MANAGE_COMPANIES) and its registered vehicles. */
import AddIcon from '@mui/icons-material/Add';
import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import DeleteIcon from '@mui/icons-material/Delete';
import EditIcon from '@mui/icons-material/Edit';
import SearchIcon from '@mui/icons-material/Search';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  Chip,
  IconButton,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { gql } from '../api';
import { ops } from '../api/operations';
import { outcome } from '../api/results';
import type { Company, Vehicle } from '../api/types';
import { useSession } from '../auth/session';
import { ConfirmDialog, ErrorAlert, Loading, PageHeader, PlateBadge, errorText, fieldError } from '../components/common';
import { RetentionCard } from '../components/devices/RetentionCard';
import type { CompanyWithRetention } from '../components/devices/types';
import { useNotify } from '../components/notify';
import { useConnection } from '../components/useConnection';
import { formatDateTime, normalizePlateInput } from '../format';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { CompanyFormDialog } from './CompanyForm';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: '150px 1fr', gap: 1, py: 0.75 }}>
      <Typography variant="body2" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="body2" component="div">
        {children || '—'}
      </Typography>
    </Box>
  );
}

function VehiclesCard({ company, canManage }: { company: Company; canManage: boolean }) {
  const { t } = useI18n();
  const notify = useNotify();
  const [plate, setPlate] = useState('');
  const [description, setDescription] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<Vehicle | null>(null);

  const fetchPage = useCallback(
    async (after: string | null) =>
      (await gql.request(ops.vehicles, { companyId: company.id, first: 100, after })).vehicles,
    [company.id],
  );
  const list = useConnection(fetchPage, company.id);

  const register = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const data = await gql.request(ops.registerVehicle, {
        companyId: company.id,
        plate: normalizePlateInput(plate),
        description: description.trim(),
      });
      const result = outcome(data.registerVehicle);
      if (result.ok) {
        list.setItems((items) => [result.value.vehicle, ...items]);
        setPlate('');
        setDescription('');
        notify(t('companies.vehicleRegistered'));
      } else {
        setFields(result.fields);
        setError(result.error.message);
      }
    } catch (err) {
      setError(errorText(err, t('common.error')));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!removing) return;
    setBusy(true);
    try {
      const result = outcome((await gql.request(ops.removeVehicle, { id: removing.id })).removeVehicle);
      if (result.ok) {
        list.setItems((items) => items.filter((v) => v.id !== removing.id));
        notify(t('companies.vehicleRemoved'));
      } else notify(result.error.message, 'error');
    } catch (err) {
      notify(errorText(err, t('common.error')), 'error');
    } finally {
      setBusy(false);
      setRemoving(null);
    }
  };

  return (
    <Card>
      <CardHeader title={t('companies.vehicles')} slotProps={{ title: { variant: 'h3' } }} />
      <CardContent sx={{ pt: 0 }}>
        {canManage && (
          <Box component="form" onSubmit={register} sx={{ mb: 2 }}>
            {error && !fields.plate && !fields.description && (
              <Alert severity="error" sx={{ mb: 2 }}>
                {error}
              </Alert>
            )}
            <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1.5} sx={{ alignItems: 'flex-start' }}>
              <TextField
                label={t('companies.plate')}
                value={plate}
                onChange={(e) => setPlate(e.target.value.toUpperCase())}
                sx={{ width: { sm: 160 } }}
                slotProps={{ htmlInput: { 'data-testid': 'vehicle-plate' } }}
                {...fieldError(fields, 'plate')}
              />
              <TextField
                label={t('companies.description')}
                value={description}
                onChange={(e) => setDescription(e.target.value)}
                sx={{ flexGrow: 1 }}
                {...fieldError(fields, 'description')}
              />
              <Button type="submit" variant="contained" startIcon={<AddIcon />} disabled={busy || !plate.trim()} sx={{ whiteSpace: 'nowrap' }}>
                {t('companies.registerVehicle')}
              </Button>
            </Stack>
          </Box>
        )}
        <ErrorAlert error={list.error} onRetry={list.reload} />
        {list.items.length === 0 && !list.loading ? (
          <Typography variant="body2" color="text.secondary">
            {t('companies.noVehicles')}
          </Typography>
        ) : (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('companies.plate')}</TableCell>
                <TableCell>{t('companies.description')}</TableCell>
                <TableCell>{t('companies.status')}</TableCell>
                {canManage && <TableCell align="right">{t('common.actions')}</TableCell>}
              </TableRow>
            </TableHead>
            <TableBody>
              {list.items.map((v) => (
                <TableRow key={v.id} data-testid="vehicle-row">
                  <TableCell>
                    <PlateBadge display={v.plate} size="small" />
                  </TableCell>
                  <TableCell>{v.description || '—'}</TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      variant="outlined"
                      color={v.isActive ? 'success' : 'default'}
                      label={v.isActive ? t('common.active') : t('common.inactive')}
                    />
                  </TableCell>
                  {canManage && (
                    <TableCell align="right">
                      <Tooltip title={t('common.remove')}>
                        <IconButton size="small" onClick={() => setRemoving(v)}>
                          <DeleteIcon fontSize="small" />
                        </IconButton>
                      </Tooltip>
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        {list.hasMore && (
          <Button onClick={list.loadMore} sx={{ mt: 1 }}>
            {t('common.loadMore')}
          </Button>
        )}
      </CardContent>
      <ConfirmDialog
        open={removing !== null}
        title={t('common.remove')}
        message={t('companies.removeVehicleConfirm', { plate: removing?.plate ?? '' })}
        confirmLabel={t('common.remove')}
        danger
        busy={busy}
        onConfirm={() => void remove()}
        onClose={() => setRemoving(null)}
      />
    </Card>
  );
}

export function CompanyDetailPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const session = useSession();
  const notify = useNotify();
  const [company, setCompany] = useState<Company | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const canManage = session.can('MANAGE_COMPANIES');
  const tz = session.preferences.timezone;

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setCompany((await gql.request(ops.company, { id })).company);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  const viewEvents = () => {
    if (!company) return;
    sessionStorage.setItem(
      'domcctv.page.eventSearch',
      JSON.stringify({ company: { id: company.id, name: company.name, rutDisplay: company.rutDisplay } }),
    );
    navigate('/events');
  };

  const back = (
    <Button startIcon={<ArrowBackIcon />} onClick={() => navigate('/companies')} sx={{ mb: 1 }}>
      {t('nav.companies')}
    </Button>
  );
  if (loading && !company) return <Loading />;
  if (error || !company) {
    return (
      <>
        {back}
        {error ? <ErrorAlert error={error} onRetry={() => void load()} /> : <Typography>{t('companies.notFound')}</Typography>}
      </>
    );
  }
  const contact = company.primaryContact;
  return (
    <>
      {back}
      <PageHeader
        title={
          <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center' }}>
            <span>{company.name}</span>
            <Chip
              size="small"
              color={company.isActive ? 'success' : 'default'}
              label={company.isActive ? t('common.active') : t('common.inactive')}
            />
          </Stack>
        }
        subtitle={`${company.rutDisplay}${company.businessName ? ` · ${company.businessName}` : ''}`}
        actions={
          <>
            {session.can('READ_EVENTS') && (
              <Button variant="outlined" startIcon={<SearchIcon />} onClick={viewEvents}>
                {t('companies.events')}
              </Button>
            )}
            {canManage && (
              <Button variant="contained" startIcon={<EditIcon />} onClick={() => setEditing(true)} data-testid="company-edit">
                {t('common.edit')}
              </Button>
            )}
          </>
        }
      />
      <Box sx={{ display: 'grid', gap: 3, gridTemplateColumns: { xs: '1fr', lg: 'minmax(300px, 1fr) minmax(0, 1.4fr)' } }}>
        <Stack spacing={3}>
          <Card>
            <CardContent>
              <Row label={t('companies.rut')}>{company.rutDisplay}</Row>
              <Row label={t('companies.businessName')}>{company.businessName}</Row>
              <Row label={t('companies.address')}>{company.address}</Row>
              <Row label={t('companies.city')}>{[company.city, company.region].filter(Boolean).join(', ')}</Row>
              <Row label={t('companies.phone')}>{company.phone}</Row>
              <Row label={t('companies.email')}>{company.email}</Row>
              <Row label={t('companies.contact')}>
                {contact?.name && (
                  <>
                    {contact.name}
                    {contact.position && ` · ${contact.position}`}
                    <Typography variant="caption" component="div" color="text.secondary">
                      {[contact.phone, contact.email].filter(Boolean).join(' · ')}
                    </Typography>
                  </>
                )}
              </Row>
              <Row label={t('event.createdAt')}>{formatDateTime(company.createdAt, tz, lang, false)}</Row>
            </CardContent>
          </Card>
          <RetentionCard
            companyId={company.id}
            days={(company as Partial<CompanyWithRetention>).videoRetentionDays ?? null}
            canEdit={canManage && session.isStaff}
            onSaved={setCompany}
          />
        </Stack>
        <VehiclesCard company={company} canManage={canManage} />
      </Box>
      {editing && (
        <CompanyFormDialog
          company={company}
          onClose={() => setEditing(false)}
          onSaved={(c) => {
            setCompany(c);
            setEditing(false);
            notify(t('common.saved'));
          }}
        />
      )}
    </>
  );
}
