/** The user's preferences (updateMyPreferences), account summary and password change. */
import {
  Alert,
  Autocomplete,
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  Chip,
  FormControl,
  FormControlLabel,
  InputLabel,
  MenuItem,
  Select,
  Stack,
  Switch,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { gql } from '../api';
import { ops } from '../api/operations';
import { outcome } from '../api/results';
import type { Language, Preferences, Theme, VideoQuality } from '../api/types';
import { useSession } from '../auth/session';
import { PageHeader, errorText, fieldError } from '../components/common';
import { useNotify } from '../components/notify';
import { useI18n } from '../i18n';

function timeZones(current: string): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? ['America/Santiago', 'Pacific/Easter', 'UTC'];
  return zones.includes(current) ? zones : [current, ...zones];
}

function ChangePasswordCard() {
  const { t } = useI18n();
  const notify = useNotify();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const data = await gql.request(ops.changePassword, { currentPassword: current, newPassword: next });
      const result = outcome(data.changePassword);
      if (result.ok) {
        setCurrent('');
        setNext('');
        notify(t('prefs.passwordChanged'));
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

  return (
    <Card>
      <CardHeader title={t('prefs.changePassword')} slotProps={{ title: { variant: 'h3' } }} />
      <CardContent sx={{ pt: 0 }}>
        <form onSubmit={submit} noValidate>
          <Stack spacing={2}>
            {error && Object.keys(fields).length === 0 && <Alert severity="error">{error}</Alert>}
            <TextField
              label={t('prefs.currentPassword')}
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
              {...fieldError(fields, 'currentPassword')}
            />
            <TextField
              label={t('reset.newPassword')}
              type="password"
              autoComplete="new-password"
              value={next}
              onChange={(e) => setNext(e.target.value)}
              {...fieldError(fields, 'newPassword')}
              helperText={fields.newPassword ?? t('password.rule')}
            />
            <Button type="submit" variant="outlined" disabled={busy || !current || !next} sx={{ alignSelf: 'flex-start' }}>
              {t('prefs.changePassword')}
            </Button>
          </Stack>
        </form>
      </CardContent>
    </Card>
  );
}

export function PreferencesPage() {
  const { t } = useI18n();
  const session = useSession();
  const notify = useNotify();
  const [values, setValues] = useState<Preferences>(session.preferences);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const zones = useMemo(() => timeZones(values.timezone), [values.timezone]);

  useEffect(() => setValues(session.preferences), [session.preferences]);

  const set = <K extends keyof Preferences>(key: K, value: Preferences[K]) => setValues((v) => ({ ...v, [key]: value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const result = await session.updatePreferences(values);
      if (result.ok) notify(t('common.saved'));
      else {
        setFields(result.fields);
        setError(result.error.message);
      }
    } catch (err) {
      setError(errorText(err, t('common.error')));
    } finally {
      setBusy(false);
    }
  };

  const user = session.user;
  return (
    <>
      <PageHeader title={t('prefs.title')} />
      <Box sx={{ display: 'grid', gap: 3, gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' }, alignItems: 'start' }}>
        <Card>
          <CardHeader title={t('prefs.title')} slotProps={{ title: { variant: 'h3' } }} />
          <CardContent sx={{ pt: 0 }}>
            <form onSubmit={submit} noValidate data-testid="preferences-form">
              <Stack spacing={2.5}>
                {error && Object.keys(fields).length === 0 && <Alert severity="error">{error}</Alert>}
                <FormControl error={Boolean(fields.language)}>
                  <InputLabel id="lang-label">{t('prefs.language')}</InputLabel>
                  <Select labelId="lang-label" label={t('prefs.language')} value={values.language} onChange={(e) => set('language', e.target.value as Language)}>
                    <MenuItem value="ES">Español</MenuItem>
                    <MenuItem value="EN">English</MenuItem>
                  </Select>
                </FormControl>
                <FormControl>
                  <InputLabel id="theme-label">{t('prefs.theme')}</InputLabel>
                  <Select labelId="theme-label" label={t('prefs.theme')} value={values.theme} onChange={(e) => set('theme', e.target.value as Theme)}>
                    {(['LIGHT', 'DARK', 'AUTO'] as Theme[]).map((th) => (
                      <MenuItem key={th} value={th}>
                        {t(`prefs.theme.${th}`)}
                      </MenuItem>
                    ))}
                  </Select>
                </FormControl>
                <Autocomplete
                  size="small"
                  options={zones}
                  value={values.timezone}
                  disableClearable
                  onChange={(_, v) => v && set('timezone', v)}
                  renderInput={(params) => <TextField {...params} label={t('prefs.timezone')} {...fieldError(fields, 'timezone')} />}
                />
                <FormControl error={Boolean(fields.defaultPageSize)}>
                  <InputLabel id="size-label">{t('prefs.pageSize')}</InputLabel>
                  <Select labelId="size-label" label={t('prefs.pageSize')} value={values.defaultPageSize} onChange={(e) => set('defaultPageSize', Number(e.target.value))}>
                    {[10, 25, 50, 100].map((n) => (
                      <MenuItem key={n} value={n}>
                        {n}
                      </MenuItem>
                    ))}
                  </Select>
                </FormControl>
                <FormControl>
                  <InputLabel id="quality-label">{t('prefs.videoQuality')}</InputLabel>
                  <Select labelId="quality-label" label={t('prefs.videoQuality')} value={values.videoQuality} onChange={(e) => set('videoQuality', e.target.value as VideoQuality)}>
                    {(['AUTO', 'HIGH', 'MEDIUM', 'LOW'] as VideoQuality[]).map((q) => (
                      <MenuItem key={q} value={q}>
                        {t(`prefs.quality.${q}`)}
                      </MenuItem>
                    ))}
                  </Select>
                </FormControl>
                <FormControlLabel
                  control={<Switch checked={values.autoPlay} onChange={(e) => set('autoPlay', e.target.checked)} />}
                  label={t('prefs.autoPlay')}
                />
                <Button type="submit" variant="contained" disabled={busy} sx={{ alignSelf: 'flex-start' }} data-testid="preferences-save">
                  {t('common.save')}
                </Button>
              </Stack>
            </form>
          </CardContent>
        </Card>
        <Stack spacing={3}>
          <Card>
            <CardHeader title={t('prefs.account')} slotProps={{ title: { variant: 'h3' } }} />
            <CardContent sx={{ pt: 0 }}>
              <Typography variant="subtitle1">{user?.fullName}</Typography>
              <Typography variant="body2" color="text.secondary">
                {user?.email} · {user && t(`role.${user.role}`)}
                {user?.company && ` · ${user.company.name}`}
              </Typography>
              <Typography variant="subtitle2" sx={{ mt: 2, mb: 1 }}>
                {t('prefs.permissions')}
              </Typography>
              <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.75 }}>
                {[...session.permissions].sort().map((p) => (
                  <Chip key={p} size="small" variant="outlined" label={p} sx={{ fontFamily: 'monospace', fontSize: '0.72rem' }} />
                ))}
              </Box>
            </CardContent>
          </Card>
          <ChangePasswordCard />
        </Stack>
      </Box>
    </>
  );
}
