/**
 * The pieces every export display shares (the event page's panel and the exports page's rows):
 * status chip, progress bar, failure text and the download button. Their data-testids are the
 * same wherever they appear, scoped by the surrounding panel or row.
 */
import DownloadIcon from '@mui/icons-material/Download';
import { Alert, Box, Button, Chip, LinearProgress, Stack, Typography } from '@mui/material';
import { useState, type InputHTMLAttributes, type MouseEvent } from 'react';
import { useI18n } from '../../i18n';
import { errorText } from '../common';
import { useNotify } from '../notify';
import { exportView, isUrlFresh } from './exportState';
import type { VideoExport } from './types';
import type { FollowedExport } from './useFollowedExport';

/** Input-slot props carrying a data-testid (MUI's slot types do not declare data-* keys). */
export function inputTestId(testId: string): InputHTMLAttributes<HTMLInputElement> {
  return { 'data-testid': testId } as InputHTMLAttributes<HTMLInputElement>;
}

export function ExportStatusChip({ x }: { x: VideoExport }) {
  const { t } = useI18n();
  const view = exportView(x);
  return (
    <Chip
      size="small"
      color={view.color}
      variant={view.phase === 'queued' ? 'outlined' : 'filled'}
      label={t(view.statusKey)}
      data-testid="export-status"
      data-status={x.status}
      data-phase={view.phase}
    />
  );
}

/** The bar and its percentage while the job is not finished; nothing once it is. */
export function ExportProgressBar({ x }: { x: VideoExport }) {
  const { t } = useI18n();
  const view = exportView(x);
  if (view.bar === 'none') return null;
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center', minWidth: 140 }}>
      <LinearProgress
        variant={view.bar}
        value={view.percent}
        aria-label={t('exports.progress')}
        data-testid="export-progress"
        data-value={view.percent}
        sx={{ flexGrow: 1, height: 6, borderRadius: 3 }}
      />
      {view.bar === 'determinate' && (
        <Typography variant="caption" sx={{ minWidth: 36, textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>
          {view.percent} %
        </Typography>
      )}
    </Stack>
  );
}

/** Why it failed (FAILED), or why the last attempt failed (PENDING, retried later). */
export function ExportFailure({ x, compact = false }: { x: VideoExport; compact?: boolean }) {
  const { t } = useI18n();
  const view = exportView(x);
  if (!view.failureKey) return null;
  const failed = view.phase === 'failed';
  const text = failed ? t(view.failureKey) : t('exports.retrying', { reason: t(view.failureKey) });
  const detail = x.failureReason ? t('exports.failureDetail', { reason: x.failureReason }) : null;
  if (compact) {
    return (
      <Box data-testid="export-failure" data-code={x.failureCode ?? ''}>
        <Typography variant="caption" color={failed ? 'error' : 'warning.main'} component="div">
          {text}
        </Typography>
        {detail && (
          <Typography variant="caption" color="text.secondary" component="div" sx={{ wordBreak: 'break-word' }}>
            {detail}
          </Typography>
        )}
      </Box>
    );
  }
  return (
    <Alert severity={failed ? 'error' : 'warning'} data-testid="export-failure" data-code={x.failureCode ?? ''}>
      {text}
      {detail && (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5, wordBreak: 'break-word' }}>
          {detail}
        </Typography>
      )}
    </Alert>
  );
}

function clickDownload(url: string, fileName: string | null): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName ?? '';
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/**
 * Downloads the result with its signed URL. A URL read too long ago may have expired: the click
 * then re-reads the export (videoExport(id)) and downloads with the fresh URL.
 */
export function ExportDownloadButton({ followed, size = 'small' }: { followed: FollowedExport; size?: 'small' | 'medium' }) {
  const { t } = useI18n();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const { current, readAt, refresh } = followed;
  if (current.status !== 'READY' || !current.downloadUrl) return null;

  const onClick = async (e: MouseEvent<HTMLAnchorElement>) => {
    if (isUrlFresh(readAt, Date.now())) return; // the link itself downloads
    e.preventDefault();
    setBusy(true);
    try {
      const fresh = await refresh();
      if (fresh?.downloadUrl) clickDownload(fresh.downloadUrl, fresh.fileName);
      else notify(t('exports.downloadGone'), 'error');
    } catch (err) {
      notify(errorText(err, t('common.error'), t), 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Button
      component="a"
      href={current.downloadUrl}
      download={current.fileName ?? ''}
      size={size}
      variant="contained"
      startIcon={<DownloadIcon />}
      onClick={(e: MouseEvent<HTMLAnchorElement>) => void onClick(e)}
      disabled={busy}
      data-testid="export-download"
      sx={{ whiteSpace: 'nowrap' }}
    >
      {t('exports.download')}
    </Button>
  );
}
