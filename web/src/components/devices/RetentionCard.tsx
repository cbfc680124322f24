/**
 * A company's video retention (company detail page): the days its video evidence is kept, or the
 * server default. DOM staff holding MANAGE_COMPANIES may change it (1..3650 days, or back to the
 * default); the rules are checked here first (videoSettings.ts) and the result union is read by
 * __typename, a refusal shown translated.
 */
import EditIcon from '@mui/icons-material/Edit';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  CardHeader,
  Checkbox,
  FormControlLabel,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useState, type FormEvent } from 'react';
import { gql } from '../../api';
import { useI18n } from '../../i18n';
import { errorText } from '../common';
import { useNotify } from '../notify';
import { deviceOps } from './api';
import { testIdProps } from './testIds';
import type { CompanyWithRetention } from './types';
import {
  RETENTION_MAX_DAYS,
  RETENTION_MIN_DAYS,
  refusalFields,
  refusalText,
  retentionForm,
  settle,
  validateRetention,
  type RetentionForm,
} from './videoSettings';

export function RetentionCard({
  companyId,
  days,
  canEdit,
  onSaved,
}: {
  companyId: string;
  /** Null: the server default. */
  days: number | null;
  canEdit: boolean;
  onSaved: (company: CompanyWithRetention) => void;
}) {
  const { t } = useI18n();
  const notify = useNotify();
  const [form, setForm] = useState<RetentionForm | null>(null);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [serverField, setServerField] = useState<string | null>(null);

  const open = () => {
    setForm(retentionForm(days));
    setTouched(false);
    setRefusal(null);
    setServerField(null);
  };
  const close = () => setForm(null);

  const check = form ? validateRetention(form) : null;
  const clientError = touched && check && !check.ok && check.errors.days ? t(check.errors.days) : null;
  const daysError = clientError ?? serverField;

  const set = (next: Partial<RetentionForm>) => {
    setForm((f) => (f ? { ...f, ...next } : f));
    setRefusal(null);
    setServerField(null);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!form) return;
    setTouched(true);
    const checked = validateRetention(form);
    if (!checked.ok) return;
    setBusy(true);
    setRefusal(null);
    setServerField(null);
    try {
      const data = await gql.request(deviceOps.setCompanyVideoRetention, { companyId, days: checked.value.days });
      const result = settle(data.setCompanyVideoRetention, 'CompanySuccess');
      if (result.ok) {
        onSaved(result.value.company);
        notify(t('companies.retention.saved'));
        setForm(null);
      } else {
        const fields = refusalFields(result.error, t);
        if (fields.days) setServerField(fields.days);
        else setRefusal(refusalText('retention', result.error, t));
      }
    } catch (err) {
      setRefusal(errorText(err, t('common.error'), t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card data-testid="company-retention">
      <CardHeader
        title={t('companies.retention.title')}
        slotProps={{ title: { variant: 'h3' } }}
        action={
          canEdit &&
          !form && (
            <Button size="small" startIcon={<EditIcon />} onClick={open} data-testid="company-retention-edit">
              {t('common.edit')}
            </Button>
          )
        }
      />
      <CardContent sx={{ pt: 0 }}>
        <Typography variant="body1" sx={{ fontWeight: 500 }} data-testid="company-retention-value" data-days={days ?? ''}>
          {days === null ? t('companies.retention.serverDefault') : t('companies.retention.days', { days })}
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
          {t('companies.retention.help')}
        </Typography>
        {form && (
          <Box component="form" onSubmit={(e: FormEvent) => void submit(e)} noValidate sx={{ mt: 2 }} data-testid="company-retention-form">
            <FormControlLabel
              control={
                <Checkbox
                  checked={form.useDefault}
                  onChange={(e) => set({ useDefault: e.target.checked })}
                  slotProps={{ input: testIdProps('company-retention-default') }}
                />
              }
              label={t('companies.retention.useDefault')}
            />
            <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1.5} sx={{ mt: 1, alignItems: 'flex-start' }}>
              <TextField
                type="number"
                size="small"
                label={t('companies.retention.daysLabel')}
                value={form.days}
                disabled={form.useDefault}
                onChange={(e) => set({ days: e.target.value })}
                error={!form.useDefault && daysError !== null}
                helperText={!form.useDefault ? daysError ?? undefined : undefined}
                sx={{ width: { sm: 200 } }}
                slotProps={{
                  htmlInput: {
                    min: RETENTION_MIN_DAYS,
                    max: RETENTION_MAX_DAYS,
                    step: 1,
                    ...testIdProps('company-retention-days'),
                  },
                }}
              />
              <Stack direction="row" spacing={1}>
                <Button type="submit" variant="contained" disabled={busy} data-testid="company-retention-save">
                  {t('common.save')}
                </Button>
                <Button onClick={close} disabled={busy} data-testid="company-retention-cancel">
                  {t('common.cancel')}
                </Button>
              </Stack>
            </Stack>
            {refusal && (
              <Alert severity="error" sx={{ mt: 2 }} data-testid="company-retention-error">
                {refusal}
              </Alert>
            )}
          </Box>
        )}
      </CardContent>
    </Card>
  );
}
