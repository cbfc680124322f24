/**
 * "Cameras and sites" (DOM staff holding SYSTEM_CONFIG): each site's clip window, edited inline,
 * and the cameras with their health and the client companies allowed to watch them live.
 */
import RefreshIcon from '@mui/icons-material/Refresh';
import { Button } from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert, Loading, PageHeader } from '../components/common';
import { CamerasTable } from '../components/devices/CamerasTable';
import { loadDevices, type Devices } from '../components/devices/loadDevices';
import { SitesTable } from '../components/devices/SitesTable';
import type { DeviceCamera, DeviceSite } from '../components/devices/types';
import { useI18n } from '../i18n';

export function DevicesPage() {
  const { t } = useI18n();
  const [devices, setDevices] = useState<Devices | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setDevices(await loadDevices());
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const siteSaved = (site: DeviceSite) =>
    setDevices((d) => d && { ...d, sites: d.sites.map((s) => (s.id === site.id ? site : s)) });
  const cameraSaved = (camera: DeviceCamera) =>
    setDevices(
      (d) => d && { ...d, cameras: d.cameras.map((c) => (c.id === camera.id ? { ...camera, site: c.site } : c)) },
    );

  return (
    <>
      <PageHeader
        title={t('devices.title')}
        subtitle={t('devices.subtitle')}
        actions={
          <Button
            variant="outlined"
            startIcon={<RefreshIcon />}
            onClick={() => void load()}
            disabled={loading}
            data-testid="devices-refresh"
          >
            {t('devices.refresh')}
          </Button>
        }
      />
      <ErrorAlert error={error} onRetry={() => void load()} />
      {devices === null ? (
        !error && <Loading />
      ) : (
        <>
          <SitesTable sites={devices.sites} onSaved={siteSaved} />
          <CamerasTable cameras={devices.cameras} onSaved={cameraSaved} />
        </>
      )}
    </>
  );
}
