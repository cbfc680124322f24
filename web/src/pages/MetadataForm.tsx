/** The dispatch documentation form of an event (documentEvent). */
import SaveIcon from '@mui/icons-material/Save';
import { Alert, Button, Card, CardContent, CardHeader, Chip, Stack, TextField, Typography } from '@mui/material';
import { useEffect, useState, type FormEvent } from 'react';
import { gql } from '../api';
import { ops, type EventMetadataInput } from '../api/operations';
import { outcome } from '../api/results';
import type { EventDetail } from '../api/types';
import { useSession } from '../auth/session';
import { CompanyPicker, type CompanyOption } from '../components/CompanyPicker';
import { errorText, fieldError } from '../components/common';
import { useNotify } from '../components/notify';
import { formatDateTime } from '../format';
import { useI18n } from '../i18n';

interface Values {
  guideNumber: string;
  guideDate: string;
  originProject: string;
  cargoDescription: string;
  observations: string;
}

function valuesOf(event: EventDetail): Values {
  const m = event.metadata;
  return {
    guideNumber: m?.guideNumber ?? '',
    guideDate: m?.guideDate ?? '',
    originProject: m?.originProject ?? '',
    cargoDescription: m?.cargoDescription ?? '',
    observations: m?.observations ?? '',
  };
}

export function canEditMetadata(
  event: EventDetail,
  viewerId: string | undefined,
  can: (p: 'WRITE_BASIC_METADATA' | 'EDIT_OWN_METADATA') => boolean,
): boolean {
  if (event.status === 'ARCHIVED') return false;
  if (can('WRITE_BASIC_METADATA')) return true;
  if (!can('EDIT_OWN_METADATA')) return false;
  // Someone else's documentation needs WRITE_BASIC_METADATA.
  return !event.metadata || !event.metadata.createdBy || event.metadata.createdBy.id === viewerId;
}

export function MetadataForm({ event, onSaved }: { event: EventDetail; onSaved: (e: EventDetail) => void }) {
  const { t, lang } = useI18n();
  const session = useSession();
  const notify = useNotify();
  const tz = session.preferences.timezone;
  const [values, setValues] = useState<Values>(() => valuesOf(event));
  const [company, setCompany] = useState<CompanyOption | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const editable = canEditMetadata(event, session.user?.id, session.can);
  const needsCompany = event.company === null;

  useEffect(() => setValues(valuesOf(event)), [event]);

  const set = (key: keyof Values) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [key]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    const input: EventMetadataInput = {
      guideNumber: values.guideNumber.trim() || null,
      guideDate: values.guideDate || null,
      originProject: values.originProject.trim() || null,
      cargoDescription: values.cargoDescription.trim() || null,
      observations: values.observations.trim() || null,
    };
    if (needsCompany && company) input.companyId = company.id;
    try {
      const data = await gql.request(ops.documentEvent, { eventId: event.id, input });
      const result = outcome(data.documentEvent);
      if (result.ok) {
        notify(t('event.documentedOk'));
        onSaved(result.value.event);
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

  const m = event.metadata;
  const unmatchedFields = Object.keys(fields).filter(
    (f) => !['guideNumber', 'guideDate', 'originProject', 'cargoDescription', 'observations', 'companyId'].includes(f),
  );

  return (
    <Card>
      <CardHeader
        title={t('event.metadata')}
        slotProps={{ title: { variant: 'h3' } }}
        action={!editable && <Chip size="small" label={t('event.readOnly')} />}
      />
      <CardContent sx={{ pt: 0 }}>
        <form onSubmit={submit} noValidate data-testid="metadata-form">
          <Stack spacing={2}>
            {error && (Object.keys(fields).length === 0 || unmatchedFields.length > 0) && (
              <Alert severity="error" data-testid="metadata-error">
                {unmatchedFields.length > 0 ? unmatchedFields.map((f) => fields[f]).join(' · ') : error}
              </Alert>
            )}
            {needsCompany && editable && (
              <CompanyPicker
                label={t('event.companyPicker')}
                value={company}
                onChange={setCompany}
                testId="metadata-company"
                {...fieldError(fields, 'companyId')}
              />
            )}
            <TextField
              label={t('event.guideNumber')}
              value={values.guideNumber}
              onChange={set('guideNumber')}
              disabled={!editable}
              slotProps={{ htmlInput: { 'data-testid': 'metadata-guide', maxLength: 50 } }}
              {...fieldError(fields, 'guideNumber')}
            />
            <TextField
              label={t('event.guideDate')}
              type="date"
              value={values.guideDate}
              onChange={set('guideDate')}
              disabled={!editable}
              slotProps={{ inputLabel: { shrink: true } }}
              {...fieldError(fields, 'guideDate')}
            />
            <TextField
              label={t('event.originProject')}
              value={values.originProject}
              onChange={set('originProject')}
              disabled={!editable}
              {...fieldError(fields, 'originProject')}
            />
            <TextField
              label={t('event.cargo')}
              value={values.cargoDescription}
              onChange={set('cargoDescription')}
              disabled={!editable}
              {...fieldError(fields, 'cargoDescription')}
            />
            <TextField
              label={t('event.observations')}
              value={values.observations}
              onChange={set('observations')}
              disabled={!editable}
              multiline
              minRows={3}
              {...fieldError(fields, 'observations')}
            />
            {m && (
              <Stack spacing={0.5}>
                <Typography variant="caption" color="text.secondary">
                  {t('event.documentedBy', {
                    name: m.createdBy?.fullName ?? '—',
                    when: formatDateTime(m.createdAt, tz, lang, false),
                  })}
                </Typography>
                {m.lastModifiedBy && (
                  <Typography variant="caption" color="text.secondary">
                    {t('event.modifiedBy', {
                      name: m.lastModifiedBy.fullName,
                      when: formatDateTime(m.updatedAt, tz, lang, false),
                    })}
                  </Typography>
                )}
              </Stack>
            )}
            {editable && (
              <Button
                type="submit"
                variant="contained"
                startIcon={<SaveIcon />}
                disabled={busy}
                data-testid="metadata-submit"
              >
                {event.hasBasicMetadata ? t('event.saveMetadata') : t('event.document')}
              </Button>
            )}
          </Stack>
        </form>
      </CardContent>
    </Card>
  );
}
