/**
 * Set which client companies may watch one camera live. The choice starts from the camera's
 * current list (`Camera.liveCompanies`) and saving replaces the whole list. Companies come from
 * the `companies` query (search as you type).
 */
import {
  Alert,
  Autocomplete,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { gql } from '../../api';
import { ops } from '../../api/operations';
import type { CompanyRef } from '../../api/types';
import { useI18n } from '../../i18n';
import { errorText } from '../common';
import { useNotify } from '../notify';
import { deviceOps } from './api';
import { testIdProps } from './testIds';
import type { DeviceCamera } from './types';
import { refusalText, settle } from './videoSettings';

type CompanyOption = Pick<CompanyRef, 'id' | 'name' | 'rutDisplay'> & { isActive: boolean };

/** The server caps a page at 100. */
const OPTIONS_PAGE = 50;

export function LiveCompaniesDialog({
  camera,
  onClose,
  onSaved,
}: {
  camera: Pick<DeviceCamera, 'id' | 'code' | 'name' | 'liveCompanies'>;
  onClose: () => void;
  onSaved: (camera: DeviceCamera) => void;
}) {
  const { t } = useI18n();
  const notify = useNotify();
  const [chosen, setChosen] = useState<CompanyOption[]>(camera.liveCompanies);
  const [input, setInput] = useState('');
  const [options, setOptions] = useState<CompanyOption[]>([]);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const handle = setTimeout(() => {
      setLoading(true);
      gql
        .request(ops.companyOptions, { search: input.trim() || null, first: OPTIONS_PAGE })
        .then((data) => {
          if (cancelled) return;
          setOptions(data.companies.edges.map((e) => e.node));
          setLoadError(null);
        })
        .catch((err: unknown) => !cancelled && setLoadError(err))
        .finally(() => !cancelled && setLoading(false));
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(handle);
    };
  }, [input]);

  const label = `${camera.name} (${camera.code})`;

  const save = async () => {
    setBusy(true);
    setRefusal(null);
    try {
      const data = await gql.request(deviceOps.setCameraLiveCompanies, {
        cameraId: camera.id,
        companyIds: chosen.map((c) => c.id),
      });
      const result = settle(data.setCameraLiveCompanies, 'CameraSuccess');
      if (result.ok) {
        onSaved(result.value.camera);
        notify(t('devices.live.saved', { camera: label, count: chosen.length }));
        onClose();
      } else {
        setRefusal(refusalText('liveCompanies', result.error, t));
      }
    } catch (err) {
      setRefusal(errorText(err, t('common.error'), t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={busy ? undefined : onClose} maxWidth="sm" fullWidth data-testid="devices-live-dialog">
      <DialogTitle>{t('devices.live.title', { camera: label })}</DialogTitle>
      <DialogContent>
        <Alert severity="info" sx={{ mb: 2 }} data-testid="devices-live-note">
          {t('devices.live.note')}
        </Alert>
        {loadError !== null && (
          <Alert severity="error" sx={{ mb: 2 }}>
            {errorText(loadError, t('common.error'), t)}
          </Alert>
        )}
        <Autocomplete
          multiple
          options={options}
          value={chosen}
          loading={loading}
          filterOptions={(x) => x}
          filterSelectedOptions
          getOptionLabel={(o) => o.name}
          isOptionEqualToValue={(a, b) => a.id === b.id}
          onChange={(_, v) => {
            setChosen(v);
            setRefusal(null);
          }}
          onInputChange={(_, v, reason) => reason !== 'reset' && setInput(v)}
          renderOption={(props, o) => {
            const { key, ...rest } = props as typeof props & { key: string };
            return (
              <li key={key} {...rest} data-testid="devices-live-option">
                {o.name}
                <span style={{ marginLeft: 8, opacity: 0.6, fontSize: '0.85em' }}>
                  {o.rutDisplay}
                  {o.isActive ? '' : ` · ${t('common.inactive')}`}
                </span>
              </li>
            );
          }}
          renderInput={(params) => (
            <TextField
              {...params}
              label={t('devices.live.companies')}
              slotProps={{
                ...params.slotProps,
                htmlInput: { ...params.slotProps.htmlInput, ...testIdProps('devices-live-companies') },
              }}
            />
          )}
        />
        {chosen.length === 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }} data-testid="devices-live-empty-note">
            {t('devices.live.emptyNote')}
          </Typography>
        )}
        {refusal && (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="devices-live-error">
            {refusal}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          {t('common.cancel')}
        </Button>
        <Button variant="contained" onClick={() => void save()} disabled={busy} data-testid="devices-live-save">
          {t('devices.live.save')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
