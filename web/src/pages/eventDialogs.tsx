/** Event detail dialogs: correct the plate, assign a company. */
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, TextField } from '@mui/material';
import { useState, type FormEvent } from 'react';
import { gql } from '../api';
import { ops } from '../api/operations';
import { outcome } from '../api/results';
import type { EventDetail } from '../api/types';
import { CompanyPicker, type CompanyOption } from '../components/CompanyPicker';
import { errorText, fieldError } from '../components/common';
import { normalizePlateInput } from '../format';
import { useI18n } from '../i18n';

interface DialogProps {
  event: EventDetail;
  onClose: () => void;
  onDone: (event: EventDetail) => void;
}

export function CorrectPlateDialog({ event, onClose, onDone }: DialogProps) {
  const { t } = useI18n();
  const [plate, setPlate] = useState(event.plate);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const data = await gql.request(ops.correctEventPlate, {
        eventId: event.id,
        plate: normalizePlateInput(plate),
        reason: reason.trim(),
      });
      const result = outcome(data.correctEventPlate);
      if (result.ok) onDone(result.value.event);
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

  return (
    <Dialog open onClose={onClose} maxWidth="xs" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t('event.correctPlate')}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {error && Object.keys(fields).length === 0 && <Alert severity="error">{error}</Alert>}
            <TextField
              label={t('event.newPlate')}
              value={plate}
              autoFocus
              onChange={(e) => setPlate(e.target.value.toUpperCase())}
              {...fieldError(fields, 'plate')}
            />
            <TextField
              label={t('event.reason')}
              value={reason}
              multiline
              minRows={2}
              onChange={(e) => setReason(e.target.value)}
              {...fieldError(fields, 'reason')}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={busy || !plate.trim() || !reason.trim()}>
            {t('common.save')}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

export function AssignCompanyDialog({ event, onClose, onDone }: DialogProps) {
  const { t } = useI18n();
  const [company, setCompany] = useState<CompanyOption | null>(event.company);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!company) return;
    setBusy(true);
    setError(null);
    try {
      const data = await gql.request(ops.assignEventCompany, { eventId: event.id, companyId: company.id });
      const result = outcome(data.assignEventCompany);
      if (result.ok) onDone(result.value.event);
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

  return (
    <Dialog open onClose={onClose} maxWidth="xs" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{event.company ? t('event.reassignCompany') : t('event.assignCompany')}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {error && !fields.companyId && <Alert severity="error">{error}</Alert>}
            <CompanyPicker
              label={t('event.company')}
              value={company}
              onChange={setCompany}
              {...fieldError(fields, 'companyId')}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button
            type="submit"
            variant="contained"
            disabled={busy || !company || company.id === event.company?.id}
          >
            {t('common.save')}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
