/**
 * The form exporting a recorded segment of one camera (DOM staff holding EXPORT_VIDEO_SEGMENTS):
 * camera, from/to as wall clock in the user's preferred time zone, burned-in overlay. The rules
 * (segmentForm.ts) are checked before asking; a refusal from the server is shown translated.
 */
import MovieIcon from '@mui/icons-material/Movie';
import { Alert, Box, Button, Checkbox, FormControlLabel, Paper, TextField, Typography } from '@mui/material';
import { useEffect, useState, type FormEvent } from 'react';
import { gql } from '../../api';
import { outcome } from '../../api/results';
import { useSession } from '../../auth/session';
import { formatDuration } from '../../format';
import { useI18n } from '../../i18n';
import { errorText } from '../common';
import { useNotify } from '../notify';
import { exportOps } from './api';
import { inputTestId } from './ExportParts';
import { requestErrorText } from './exportState';
import { defaultSegmentForm, validateSegment, type SegmentField, type SegmentForm } from './segmentForm';
import type { CameraOption, VideoExport } from './types';

export function SegmentExportForm({ onStarted }: { onStarted: (x: VideoExport) => void }) {
  const { t } = useI18n();
  const notify = useNotify();
  const tz = useSession().preferences.timezone;
  const [form, setForm] = useState<SegmentForm>(() => defaultSegmentForm(Date.now(), tz));
  const [cameras, setCameras] = useState<CameraOption[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    gql
      .request(exportOps.cameraOptions, {})
      .then((data) => live && setCameras(data.cameras))
      .catch((err: unknown) => live && setLoadError(err));
    return () => {
      live = false;
    };
  }, []);

  const check = validateSegment(form, tz, Date.now());
  const errors: Partial<Record<SegmentField, string>> = {};
  if (touched && !check.ok) {
    for (const [field, key] of Object.entries(check.errors)) errors[field as SegmentField] = t(key);
  }
  const span = check.ok ? (Date.parse(check.value.to) - Date.parse(check.value.from)) / 1000 : null;

  const set = <K extends keyof SegmentForm>(key: K, value: SegmentForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setRefusal(null);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    const checked = validateSegment(form, tz, Date.now());
    if (!checked.ok) return;
    setBusy(true);
    setRefusal(null);
    try {
      const data = await gql.request(exportOps.exportVideoSegment, checked.value);
      const result = outcome(data.exportVideoSegment);
      if (result.ok) {
        onStarted(result.value.export);
        notify(t('exports.started'));
        setTouched(false);
      } else {
        setRefusal(requestErrorText('segment', result.error, t));
      }
    } catch (err) {
      setRefusal(errorText(err, t('common.error'), t));
    } finally {
      setBusy(false);
    }
  };

  const helper = (field: SegmentField, fallback?: string) =>
    errors[field] ? { error: true, helperText: errors[field] } : fallback ? { helperText: fallback } : {};

  return (
    <Paper component="form" onSubmit={(e: FormEvent) => void submit(e)} sx={{ p: 2, mb: 3 }} data-testid="export-segment-form" noValidate>
      <Typography variant="h3" sx={{ mb: 0.5 }}>
        {t('exports.segment.title')}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {t('exports.segment.help', { zone: tz })}
      </Typography>
      {loadError !== null && (
        <Alert severity="error" sx={{ mb: 2 }}>
          {errorText(loadError, t('common.error'), t)}
        </Alert>
      )}
      <Box
        sx={{
          display: 'grid',
          gap: 2,
          alignItems: 'start',
          gridTemplateColumns: {
            xs: '1fr',
            md: 'repeat(3, minmax(0, 1fr))',
            xl: 'minmax(200px, 1.3fr) minmax(230px, 1fr) minmax(230px, 1fr) auto auto',
          },
        }}
      >
        <TextField
          select
          label={t('exports.segment.camera')}
          value={form.cameraId}
          onChange={(e) => set('cameraId', e.target.value)}
          disabled={cameras === null || cameras.length === 0}
          slotProps={{ select: { native: true }, htmlInput: { 'data-testid': 'export-segment-camera' }, inputLabel: { shrink: true } }}
          {...helper('cameraId', cameras?.length === 0 ? t('exports.segment.noCameras') : undefined)}
        >
          <option value="" />
          {(cameras ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.code}){c.isActive ? '' : ` · ${t('exports.segment.inactive')}`}
            </option>
          ))}
        </TextField>
        <TextField
          type="datetime-local"
          label={t('exports.segment.from')}
          value={form.from}
          onChange={(e) => set('from', e.target.value)}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { step: 1, 'data-testid': 'export-segment-from' } }}
          {...helper('from')}
        />
        <TextField
          type="datetime-local"
          label={t('exports.segment.to')}
          value={form.to}
          onChange={(e) => set('to', e.target.value)}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { step: 1, 'data-testid': 'export-segment-to' } }}
          {...helper('to', span !== null ? t('exports.segment.duration', { duration: formatDuration(span) }) : undefined)}
        />
        <FormControlLabel
          sx={{ mt: { xl: 1 } }}
          control={
            <Checkbox
              checked={form.overlay}
              onChange={(e) => set('overlay', e.target.checked)}
              slotProps={{ input: inputTestId('export-segment-overlay') }}
            />
          }
          label={t('exports.segment.overlay')}
        />
        <Button
          type="submit"
          variant="contained"
          startIcon={<MovieIcon />}
          disabled={busy || cameras === null}
          sx={{ mt: { xl: 1 }, whiteSpace: 'nowrap', justifySelf: { md: 'start', xl: 'stretch' } }}
          data-testid="export-segment-submit"
        >
          {t('exports.segment.submit')}
        </Button>
      </Box>
      {refusal && (
        <Alert severity="error" sx={{ mt: 2 }} data-testid="export-segment-error">
          {refusal}
        </Alert>
      )}
    </Paper>
  );
}
