/**
 * The event's legal hold: a chip everyone sees while the evidence is held (retention never
 * purges it), and for supervisors/administrators (DELETE_EVENTS) a button that places the hold
 * with a required reason, or releases it (reason optional), through setLegalHold.
 */
import GavelIcon from '@mui/icons-material/Gavel';
import LockOpenIcon from '@mui/icons-material/LockOpen';
import {
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Stack,
  TextField,
} from '@mui/material';
import { useState, type FormEvent } from 'react';
import { gql } from '../../api';
import { outcome } from '../../api/results';
import { useSession } from '../../auth/session';
import { errorText } from '../common';
import { useNotify } from '../notify';
import { useI18n } from '../../i18n';
import { videoOps } from './api';

export function LegalHoldControl({
  eventId,
  held,
  onChange,
}: {
  eventId: string;
  held: boolean;
  onChange: (held: boolean) => void;
}) {
  const { t } = useI18n();
  const session = useSession();
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [fieldError, setFieldError] = useState('');
  const [busy, setBusy] = useState(false);
  const canChange = session.isStaff && session.can('DELETE_EVENTS');
  const placing = !held;

  const close = () => {
    if (busy) return;
    setOpen(false);
    setReason('');
    setFieldError('');
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const text = reason.trim();
    if (placing && !text) {
      setFieldError(t('video.hold.reasonRequired'));
      return;
    }
    setBusy(true);
    try {
      const data = await gql.request(videoOps.setLegalHold, { eventId, hold: placing, reason: text || null });
      const result = outcome(data.setLegalHold);
      if (result.ok) {
        onChange(result.value.event.legalHold);
        notify(result.value.event.legalHold ? t('video.hold.placed') : t('video.hold.released'));
        setOpen(false);
        setReason('');
        setFieldError('');
      } else {
        setFieldError(result.fields.reason ?? result.error.message);
      }
    } catch (err) {
      notify(errorText(err, t('common.error'), t), 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', gap: 1 }}>
      {held && (
        <Chip
          icon={<GavelIcon />}
          color="warning"
          label={t('video.hold.on')}
          data-testid="legal-hold-state"
          data-hold="true"
        />
      )}
      {!held && canChange && (
        <Chip variant="outlined" label={t('video.hold.off')} data-testid="legal-hold-state" data-hold="false" />
      )}
      {canChange && (
        <Button
          size="small"
          variant="outlined"
          color={held ? 'inherit' : 'warning'}
          startIcon={held ? <LockOpenIcon /> : <GavelIcon />}
          onClick={() => setOpen(true)}
          data-testid="legal-hold-toggle"
        >
          {held ? t('video.hold.release') : t('video.hold.place')}
        </Button>
      )}
      <Dialog open={open} onClose={close} maxWidth="xs" fullWidth>
        <form onSubmit={(e) => void submit(e)} noValidate>
          <DialogTitle>{placing ? t('video.hold.place') : t('video.hold.release')}</DialogTitle>
          <DialogContent>
            <DialogContentText sx={{ mb: 2 }}>
              {placing ? t('video.hold.placeHelp') : t('video.hold.releaseHelp')}
            </DialogContentText>
            <TextField
              autoFocus
              fullWidth
              multiline
              minRows={2}
              required={placing}
              label={placing ? t('event.reason') : `${t('event.reason')} (${t('common.optional')})`}
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
                setFieldError('');
              }}
              error={fieldError !== ''}
              helperText={fieldError || ' '}
              slotProps={{ htmlInput: { 'data-testid': 'legal-hold-reason', maxLength: 300 } }}
            />
          </DialogContent>
          <DialogActions>
            <Button onClick={close} disabled={busy}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" variant="contained" color="warning" disabled={busy} data-testid="legal-hold-confirm">
              {placing ? t('video.hold.place') : t('video.hold.release')}
            </Button>
          </DialogActions>
        </form>
      </Dialog>
    </Stack>
  );
}
