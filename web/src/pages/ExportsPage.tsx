/**
 * The viewer's video exports (evidence bundles and camera segments), newest first, with live
 * progress for the ones still running (each row follows its own videoExportProgress stream),
 * the download of finished ones and their SHA-256. DOM staff holding EXPORT_VIDEO_SEGMENTS also
 * get the form exporting a camera segment.
 */
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import RefreshIcon from '@mui/icons-material/Refresh';
import {
  Box,
  Button,
  Chip,
  IconButton,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Tooltip,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { gql } from '../api';
import { useSession } from '../auth/session';
import { ErrorAlert, Loading, PageHeader } from '../components/common';
import { exportOps } from '../components/exports/api';
import { ExportDownloadButton, ExportFailure, ExportProgressBar, ExportStatusChip } from '../components/exports/ExportParts';
import { mergeExport } from '../components/exports/exportState';
import { SegmentExportForm } from '../components/exports/SegmentExportForm';
import type { VideoExport } from '../components/exports/types';
import { useFollowedExport } from '../components/exports/useFollowedExport';
import { useNotify } from '../components/notify';
import { formatBytes, formatDateTime } from '../format';
import { useI18n } from '../i18n';
import { navigate } from '../router';

/** The server lists at most 100. */
const LIST_SIZE = 100;

function Sha({ sha256 }: { sha256: string }) {
  const { t } = useI18n();
  const notify = useNotify();
  const copy = () => {
    navigator.clipboard?.writeText(sha256).then(
      () => notify(t('exports.copied')),
      () => undefined,
    );
  };
  return (
    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }}>
      <Typography
        variant="caption"
        title={sha256}
        sx={{ fontFamily: 'monospace', maxWidth: 120, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
        data-testid="export-sha256"
      >
        {sha256}
      </Typography>
      <Tooltip title={t('exports.copySha')}>
        <IconButton size="small" onClick={copy} aria-label={t('exports.copySha')}>
          <ContentCopyIcon sx={{ fontSize: 16 }} />
        </IconButton>
      </Tooltip>
    </Stack>
  );
}

function ExportRow({ initial }: { initial: VideoExport }) {
  const { t, lang } = useI18n();
  const tz = useSession().preferences.timezone;
  const followed = useFollowedExport(initial);
  const x = followed.current;
  return (
    <TableRow data-testid="export-row" data-export-id={x.id} data-kind={x.kind} data-status={x.status}>
      <TableCell>
        <Typography variant="body2">{t(`exports.kind.${x.kind}`)}</Typography>
        {x.overlay && <Chip size="small" variant="outlined" label={t('exports.overlayBadge')} sx={{ mt: 0.5 }} />}
      </TableCell>
      <TableCell>
        {x.kind === 'EVIDENCE' && x.eventId ? (
          <Button
            size="small"
            endIcon={<OpenInNewIcon fontSize="small" />}
            onClick={() => navigate(`/events/${encodeURIComponent(x.eventId ?? '')}`)}
            data-testid="export-event-link"
            sx={{ px: 0.5 }}
          >
            {t('exports.viewEvent')}
          </Button>
        ) : (
          <Box>
            <Typography variant="body2">{x.cameraCode ?? '—'}</Typography>
            {x.start && x.end && (
              <Typography variant="caption" color="text.secondary" component="div">
                {formatDateTime(x.start, tz, lang)} – {formatDateTime(x.end, tz, lang)}
              </Typography>
            )}
          </Box>
        )}
      </TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>
        <Typography variant="body2">{formatDateTime(x.createdAt, tz, lang)}</Typography>
        {x.finishedAt && (
          <Typography variant="caption" color="text.secondary" component="div">
            {t('exports.finishedAt', { when: formatDateTime(x.finishedAt, tz, lang) })}
          </Typography>
        )}
      </TableCell>
      <TableCell sx={{ minWidth: 200, maxWidth: 320 }}>
        <Stack spacing={0.75}>
          <Box>
            <ExportStatusChip x={x} />
          </Box>
          <ExportProgressBar x={x} />
          <ExportFailure x={x} compact />
        </Stack>
      </TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>{x.sizeBytes !== null ? formatBytes(x.sizeBytes, lang) : '—'}</TableCell>
      <TableCell>{x.sha256 ? <Sha sha256={x.sha256} /> : '—'}</TableCell>
      <TableCell align="right">
        <ExportDownloadButton followed={followed} />
      </TableCell>
    </TableRow>
  );
}

export function ExportsPage() {
  const { t } = useI18n();
  const session = useSession();
  const [items, setItems] = useState<VideoExport[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  /** Rows are keyed by it: a reload remounts them, so each adopts the freshly read state. */
  const [generation, setGeneration] = useState(0);

  const load = useCallback(async () => {
    setError(null);
    try {
      const data = await gql.request(exportOps.videoExports, { first: LIST_SIZE });
      setItems(data.videoExports);
      setGeneration((g) => g + 1);
    } catch (err) {
      setError(err);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const canSegment = session.isStaff && session.can('EXPORT_VIDEO_SEGMENTS');

  return (
    <>
      <PageHeader
        title={t('exports.title')}
        subtitle={t('exports.subtitle')}
        actions={
          <Button variant="outlined" startIcon={<RefreshIcon />} onClick={() => void load()} data-testid="exports-refresh">
            {t('exports.refresh')}
          </Button>
        }
      />
      {canSegment && <SegmentExportForm onStarted={(x) => setItems((prev) => mergeExport(prev ?? [], x))} />}
      <ErrorAlert error={error} onRetry={() => void load()} />
      {items === null ? (
        !error && <Loading />
      ) : items.length === 0 ? (
        <Paper sx={{ p: 6, textAlign: 'center', color: 'text.secondary' }} data-testid="exports-empty">
          {t('exports.empty')}
        </Paper>
      ) : (
        <TableContainer component={Paper}>
          <Table size="small" data-testid="exports-table">
            <TableHead>
              <TableRow>
                <TableCell>{t('exports.col.kind')}</TableCell>
                <TableCell>{t('exports.col.source')}</TableCell>
                <TableCell>{t('exports.col.created')}</TableCell>
                <TableCell>{t('exports.col.status')}</TableCell>
                <TableCell>{t('exports.col.size')}</TableCell>
                <TableCell>{t('exports.col.sha256')}</TableCell>
                <TableCell align="right">{t('exports.col.download')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {items.map((x) => (
                <ExportRow key={`${generation}:${x.id}`} initial={x} />
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
    </>
  );
}
