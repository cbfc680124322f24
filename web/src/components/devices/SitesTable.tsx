/**
 * The sites and their clip window (seconds kept before and after each read), edited inline one
 * row at a time. The ranges are checked here first (videoSettings.ts), then setSiteClipWindow's
 * result union is read by __typename; a refusal is shown on the row, translated.
 */
import CheckIcon from '@mui/icons-material/Check';
import CloseIcon from '@mui/icons-material/Close';
import EditIcon from '@mui/icons-material/Edit';
import {
  Alert,
  IconButton,
  Stack,
  TableCell,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useState, type KeyboardEvent } from 'react';
import { gql } from '../../api';
import { useI18n } from '../../i18n';
import { DevicesSection } from './DevicesSection';
import { errorText } from '../common';
import { useNotify } from '../notify';
import { deviceOps } from './api';
import { testIdProps } from './testIds';
import type { DeviceSite } from './types';
import {
  POST_ROLL_MAX,
  POST_ROLL_MIN,
  PRE_ROLL_MAX,
  PRE_ROLL_MIN,
  refusalFields,
  refusalText,
  settle,
  validateClipWindow,
  type ClipWindowField,
  type ClipWindowForm,
} from './videoSettings';

function SiteRow({ site, onSaved }: { site: DeviceSite; onSaved: (site: DeviceSite) => void }) {
  const { t } = useI18n();
  const notify = useNotify();
  const [form, setForm] = useState<ClipWindowForm | null>(null);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverFields, setServerFields] = useState<Record<string, string>>({});
  const [refusal, setRefusal] = useState<string | null>(null);

  const open = () => {
    setForm({ pre: String(site.clipPreRollSeconds), post: String(site.clipPostRollSeconds) });
    setTouched(false);
    setServerFields({});
    setRefusal(null);
  };
  const close = () => setForm(null);

  const check = form ? validateClipWindow(form) : null;
  const fieldText = (field: ClipWindowField): string | null => {
    const key = touched && check && !check.ok ? check.errors[field] : undefined;
    return key ? t(key) : serverFields[field] ?? null;
  };

  const set = (key: keyof ClipWindowForm, value: string) => {
    setForm((f) => (f ? { ...f, [key]: value } : f));
    setServerFields({});
    setRefusal(null);
  };

  const save = async () => {
    if (!form) return;
    setTouched(true);
    const checked = validateClipWindow(form);
    if (!checked.ok) return;
    setBusy(true);
    setServerFields({});
    setRefusal(null);
    try {
      const data = await gql.request(deviceOps.setSiteClipWindow, { siteId: site.id, ...checked.value });
      const result = settle(data.setSiteClipWindow, 'SiteSuccess');
      if (result.ok) {
        onSaved(result.value.site);
        notify(t('devices.sites.saved', { site: result.value.site.name }));
        setForm(null);
      } else {
        const fields = refusalFields(result.error, t);
        if (fields.preRollSeconds || fields.postRollSeconds) setServerFields(fields);
        else setRefusal(refusalText('clipWindow', result.error, t));
      }
    } catch (err) {
      setRefusal(errorText(err, t('common.error'), t));
    } finally {
      setBusy(false);
    }
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape') close();
  };

  const secondsField = (key: keyof ClipWindowForm, field: ClipWindowField, min: number, max: number, testId: string) => {
    const text = fieldText(field);
    return (
      <TextField
        type="number"
        size="small"
        value={form?.[key] ?? ''}
        onChange={(e) => set(key, e.target.value)}
        onKeyDown={onKey}
        error={text !== null}
        helperText={text ?? undefined}
        sx={{ width: 130 }}
        slotProps={{
          htmlInput: {
            min,
            max,
            step: 1,
            'aria-label': t(field === 'preRollSeconds' ? 'devices.sites.col.preRoll' : 'devices.sites.col.postRoll'),
            ...testIdProps(testId),
          },
        }}
      />
    );
  };

  return (
    <>
      <TableRow data-testid="devices-site-row" data-site-id={site.id} data-editing={form ? 'true' : 'false'}>
        <TableCell>
          <Typography variant="body2" sx={{ fontWeight: 500 }}>
            {site.name}
          </Typography>
        </TableCell>
        <TableCell>{site.timezone}</TableCell>
        <TableCell data-testid="devices-site-pre-value">
          {form ? secondsField('pre', 'preRollSeconds', PRE_ROLL_MIN, PRE_ROLL_MAX, 'devices-site-pre') : site.clipPreRollSeconds}
        </TableCell>
        <TableCell data-testid="devices-site-post-value">
          {form ? secondsField('post', 'postRollSeconds', POST_ROLL_MIN, POST_ROLL_MAX, 'devices-site-post') : site.clipPostRollSeconds}
        </TableCell>
        <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
          {form ? (
            <Stack direction="row" spacing={0.5} sx={{ justifyContent: 'flex-end' }}>
              <Tooltip title={t('common.save')}>
                <span>
                  <IconButton size="small" color="primary" onClick={() => void save()} disabled={busy} aria-label={t('common.save')} data-testid="devices-site-save">
                    <CheckIcon fontSize="small" />
                  </IconButton>
                </span>
              </Tooltip>
              <Tooltip title={t('common.cancel')}>
                <span>
                  <IconButton size="small" onClick={close} disabled={busy} aria-label={t('common.cancel')} data-testid="devices-site-cancel">
                    <CloseIcon fontSize="small" />
                  </IconButton>
                </span>
              </Tooltip>
            </Stack>
          ) : (
            <Tooltip title={t('devices.sites.edit')}>
              <IconButton size="small" onClick={open} aria-label={t('devices.sites.edit')} data-testid="devices-site-edit">
                <EditIcon fontSize="small" />
              </IconButton>
            </Tooltip>
          )}
        </TableCell>
      </TableRow>
      {form && refusal && (
        <TableRow>
          <TableCell colSpan={5} sx={{ pt: 0 }}>
            <Alert severity="error" data-testid="devices-site-error">
              {refusal}
            </Alert>
          </TableCell>
        </TableRow>
      )}
    </>
  );
}

export function SitesTable({ sites, onSaved }: { sites: DeviceSite[]; onSaved: (site: DeviceSite) => void }) {
  const { t } = useI18n();
  return (
    <DevicesSection
      testId="devices-sites"
      mb={3}
      title={t('devices.sites.title')}
      help={t('devices.sites.help')}
      empty={sites.length === 0 ? t('devices.sites.empty') : null}
      columns={[
        t('devices.sites.col.name'),
        t('devices.sites.col.timezone'),
        t('devices.sites.col.preRoll'),
        t('devices.sites.col.postRoll'),
        t('common.actions'),
      ]}
    >
              {sites.map((site) => (
                <SiteRow key={site.id} site={site} onSaved={onSaved} />
              ))}
    </DevicesSection>
  );
}
