/**
 * "Exportar evidencia" on the event page: a dialog asking whether to add burned-in copies of the
 * clips (time, plate, camera), then `exportEventEvidence`; the job it starts is shown by
 * EvidenceExportPanel (progress, then the download, or why it failed). The button is rendered
 * only for users holding EXPORT_VIDEO_SEGMENTS (the caller checks).
 */
import CloseIcon from '@mui/icons-material/Close';
import FolderZipIcon from '@mui/icons-material/FolderZip';
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import {
  Alert,
  Box,
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  IconButton,
  Stack,
  Tooltip,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { gql } from '../../api';
import { outcome } from '../../api/results';
import { useI18n } from '../../i18n';
import { navigate } from '../../router';
import { formatBytes } from '../../format';
import { errorText } from '../common';
import { useNotify } from '../notify';
import { exportOps } from './api';
import {
  ExportDownloadButton,
  ExportFailure,
  ExportProgressBar,
  ExportStatusChip,
  inputTestId,
} from './ExportParts';
import { requestErrorText } from './exportState';
import type { VideoExport } from './types';
import { useFollowedExport } from './useFollowedExport';

export function EvidenceExportButton({ eventId, onStarted }: { eventId: string; onStarted: (x: VideoExport) => void }) {
  const { t } = useI18n();
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  const [overlay, setOverlay] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const close = () => {
    if (busy) return;
    setOpen(false);
    setError(null);
  };

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const data = await gql.request(exportOps.exportEventEvidence, { eventId, overlay });
      const result = outcome(data.exportEventEvidence);
      if (result.ok) {
        onStarted(result.value.export);
        setOpen(false);
        notify(t('exports.started'));
      } else {
        setError(requestErrorText('evidence', result.error, t));
      }
    } catch (err) {
      setError(errorText(err, t('common.error'), t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button
        variant="outlined"
        size="small"
        startIcon={<FolderZipIcon />}
        onClick={() => setOpen(true)}
        data-testid="evidence-export"
        sx={{ whiteSpace: 'nowrap' }}
      >
        {t('exports.evidence.button')}
      </Button>
      <Dialog open={open} onClose={close} maxWidth="sm" fullWidth data-testid="evidence-export-dialog">
        <DialogTitle>{t('exports.evidence.title')}</DialogTitle>
        <DialogContent>
          <Typography variant="body2" sx={{ mb: 2 }}>
            {t('exports.evidence.help')}
          </Typography>
          <FormControlLabel
            control={
              <Checkbox
                checked={overlay}
                onChange={(e) => setOverlay(e.target.checked)}
                slotProps={{ input: inputTestId('evidence-export-overlay') }}
              />
            }
            label={t('exports.evidence.overlay')}
          />
          <Typography variant="caption" color="text.secondary" component="div" sx={{ ml: 4 }}>
            {t('exports.evidence.overlayHelp')}
          </Typography>
          {error && (
            <Alert severity="error" sx={{ mt: 2 }} data-testid="evidence-export-error">
              {error}
            </Alert>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={busy}>
            {t('common.cancel')}
          </Button>
          <Button variant="contained" onClick={() => void start()} disabled={busy} data-testid="evidence-export-start">
            {t('exports.evidence.start')}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

/** The evidence export started from this page, followed until it can be downloaded. */
export function EvidenceExportPanel({ initial, onDismiss }: { initial: VideoExport; onDismiss: () => void }) {
  const { t, lang } = useI18n();
  const followed = useFollowedExport(initial);
  const x = followed.current;
  return (
    <Box
      sx={{ border: 1, borderColor: 'divider', borderRadius: 2, p: 1.5, mb: 2 }}
      data-testid="evidence-export-panel"
      data-export-id={x.id}
      data-status={x.status}
    >
      <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center', flexWrap: 'wrap', rowGap: 1 }}>
        <FolderZipIcon color="action" fontSize="small" />
        <Typography variant="subtitle2">
          {x.overlay ? t('exports.evidence.panelOverlay') : t('exports.evidence.panel')}
        </Typography>
        <ExportStatusChip x={x} />
        <Box sx={{ flexGrow: 1, minWidth: 140 }}>
          <ExportProgressBar x={x} />
          {x.status === 'READY' && x.sizeBytes !== null && (
            <Typography variant="caption" color="text.secondary">
              {x.fileName} · {formatBytes(x.sizeBytes, lang)}
            </Typography>
          )}
        </Box>
        <ExportDownloadButton followed={followed} />
        <Tooltip title={t('exports.openList')}>
          <IconButton size="small" onClick={() => navigate('/exports')} aria-label={t('exports.openList')}>
            <OpenInNewIcon fontSize="small" />
          </IconButton>
        </Tooltip>
        <Tooltip title={t('common.close')}>
          <IconButton size="small" onClick={onDismiss} aria-label={t('common.close')} data-testid="evidence-export-dismiss">
            <CloseIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      </Stack>
      {(x.status === 'FAILED' || x.failureCode) && (
        <Box sx={{ mt: 1 }}>
          <ExportFailure x={x} />
        </Box>
      )}
      {x.status === 'READY' && x.sha256 && (
        <Typography
          variant="caption"
          color="text.secondary"
          component="div"
          title={x.sha256}
          sx={{ mt: 0.5, fontFamily: 'monospace', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
          data-testid="export-sha256"
        >
          SHA-256 {x.sha256}
        </Typography>
      )}
    </Box>
  );
}
