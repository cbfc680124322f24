/**
 * The cameras (code, name, the site they were listed under, health) with the action choosing
 * which client companies may watch each one live.
 */
import LiveTvIcon from '@mui/icons-material/LiveTv';
import {
  Button,
  Chip,
  TableCell,
  TableRow,
  Tooltip,
  Typography,
  type ChipProps,
} from '@mui/material';
import { useState } from 'react';
import { useSession } from '../../auth/session';
import { formatDateTime } from '../../format';
import { useI18n } from '../../i18n';
import { DevicesSection } from './DevicesSection';
import { LiveCompaniesDialog } from './LiveCompaniesDialog';
import type { CameraHealth, DeviceCamera, PlacedCamera } from './types';

const HEALTH_COLORS: Record<CameraHealth, ChipProps['color']> = {
  ONLINE: 'success',
  STALE: 'warning',
  ERROR: 'error',
  UNKNOWN: 'default',
};

function HealthChip({ camera }: { camera: DeviceCamera }) {
  const { t, lang } = useI18n();
  const tz = useSession().preferences.timezone;
  const details = [
    camera.lastSeenAt ? t('devices.cameras.lastSeen', { when: formatDateTime(camera.lastSeenAt, tz, lang) }) : null,
    camera.lastError,
  ].filter(Boolean);
  const chip = (
    <Chip
      size="small"
      variant={camera.health === 'UNKNOWN' ? 'outlined' : 'filled'}
      color={HEALTH_COLORS[camera.health]}
      label={t(`devices.health.${camera.health}`)}
      data-testid="devices-camera-health"
      data-health={camera.health}
    />
  );
  return details.length > 0 ? <Tooltip title={details.join(' · ')}>{chip}</Tooltip> : chip;
}

export function CamerasTable({
  cameras,
  onSaved,
}: {
  cameras: PlacedCamera[];
  onSaved: (camera: DeviceCamera) => void;
}) {
  const { t } = useI18n();
  const [editing, setEditing] = useState<PlacedCamera | null>(null);
  return (
    <DevicesSection
      testId="devices-cameras"
      title={t('devices.cameras.title')}
      help={t('devices.cameras.help')}
      empty={cameras.length === 0 ? t('devices.cameras.empty') : null}
      columns={[
        t('devices.cameras.col.code'),
        t('devices.cameras.col.name'),
        t('devices.cameras.col.site'),
        t('devices.cameras.col.health'),
        t('common.actions'),
      ]}
      footer={editing && <LiveCompaniesDialog camera={editing} onClose={() => setEditing(null)} onSaved={onSaved} />}
    >
              {cameras.map((camera) => (
                <TableRow key={camera.id} data-testid="devices-camera-row" data-camera-id={camera.id} data-camera-code={camera.code}>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{camera.code}</TableCell>
                  <TableCell>
                    {camera.name}
                    {!camera.isActive && (
                      <Chip size="small" variant="outlined" label={t('devices.cameras.inactive')} sx={{ ml: 1 }} />
                    )}
                  </TableCell>
                  <TableCell data-testid="devices-camera-site">
                    {camera.site?.name ?? (
                      <Typography variant="body2" color="text.secondary" component="span">
                        {t('devices.cameras.noSite')}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>
                    <HealthChip camera={camera} />
                  </TableCell>
                  <TableCell align="right">
                    <Button
                      size="small"
                      startIcon={<LiveTvIcon fontSize="small" />}
                      onClick={() => setEditing(camera)}
                      sx={{ whiteSpace: 'nowrap' }}
                      data-testid="devices-camera-live-companies"
                    >
                      {t('devices.live.action')}
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
    </DevicesSection>
  );
}
