/** Create / edit a company (RUT validated by the server, módulo 11). */
import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  Switch,
  TextField,
  Typography,
} from '@mui/material';
import { useState, type FormEvent } from 'react';
import { gql } from '../api';
import { ops, type CompanyInput } from '../api/operations';
import { outcome } from '../api/results';
import type { Company } from '../api/types';
import { errorText, fieldError } from '../components/common';
import { useI18n, type MessageKey } from '../i18n';

interface Values {
  rut: string;
  name: string;
  businessName: string;
  address: string;
  city: string;
  region: string;
  phone: string;
  email: string;
  contactName: string;
  contactPosition: string;
  contactPhone: string;
  contactEmail: string;
  isActive: boolean;
}

function initial(c: Company | null): Values {
  return {
    rut: c?.rutDisplay ?? '',
    name: c?.name ?? '',
    businessName: c?.businessName ?? '',
    address: c?.address ?? '',
    city: c?.city ?? '',
    region: c?.region ?? '',
    phone: c?.phone ?? '',
    email: c?.email ?? '',
    contactName: c?.primaryContact?.name ?? '',
    contactPosition: c?.primaryContact?.position ?? '',
    contactPhone: c?.primaryContact?.phone ?? '',
    contactEmail: c?.primaryContact?.email ?? '',
    isActive: c?.isActive ?? true,
  };
}

function toInput(v: Values): CompanyInput {
  const input: CompanyInput = {
    rut: v.rut.trim(),
    name: v.name.trim(),
    businessName: v.businessName.trim() || null,
    address: v.address.trim(),
    city: v.city.trim(),
    region: v.region.trim(),
    phone: v.phone.trim(),
    email: v.email.trim(),
    isActive: v.isActive,
  };
  if (v.contactName.trim()) {
    input.primaryContact = {
      name: v.contactName.trim(),
      position: v.contactPosition.trim() || null,
      phone: v.contactPhone.trim() || null,
      email: v.contactEmail.trim() || null,
    };
  }
  return input;
}

const FIELDS: [keyof Values, string, MessageKey][] = [
  ['rut', 'rut', 'companies.rut'],
  ['name', 'name', 'companies.name'],
  ['businessName', 'businessName', 'companies.businessName'],
  ['address', 'address', 'companies.address'],
  ['city', 'city', 'companies.city'],
  ['region', 'region', 'companies.region'],
  ['phone', 'phone', 'companies.phone'],
  ['email', 'email', 'companies.email'],
];

const CONTACT_FIELDS: [keyof Values, string, MessageKey][] = [
  ['contactName', 'primaryContact.name', 'companies.contactName'],
  ['contactPosition', 'primaryContact.position', 'companies.contactPosition'],
  ['contactPhone', 'primaryContact.phone', 'companies.contactPhone'],
  ['contactEmail', 'primaryContact.email', 'companies.contactEmail'],
];

export function CompanyFormDialog({
  company,
  onClose,
  onSaved,
}: {
  company: Company | null;
  onClose: () => void;
  onSaved: (company: Company) => void;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<Values>(() => initial(company));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const input = toInput(values);
      const result = company
        ? outcome((await gql.request(ops.updateCompany, { id: company.id, input })).updateCompany)
        : outcome((await gql.request(ops.createCompany, { input })).createCompany);
      if (result.ok) onSaved(result.value.company);
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

  const known = new Set([...FIELDS, ...CONTACT_FIELDS].map((f) => f[1]));
  const stray = Object.entries(fields).filter(([f]) => !known.has(f));
  const input = ([key, field, label]: [keyof Values, string, MessageKey]) => (
    <TextField
      key={key}
      label={t(label)}
      value={values[key] as string}
      onChange={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))}
      slotProps={{ htmlInput: { 'data-testid': `company-${key}` } }}
      {...fieldError(fields, field)}
    />
  );

  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{company ? t('companies.edit') : t('companies.new')}</DialogTitle>
        <DialogContent>
          {error && (Object.keys(fields).length === 0 || stray.length > 0) && (
            <Alert severity="error" sx={{ mb: 2 }}>
              {stray.length ? stray.map(([f, m]) => `${f}: ${m}`).join(' · ') : error}
            </Alert>
          )}
          <Box sx={{ display: 'grid', gap: 2, pt: 1, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' } }}>
            {FIELDS.map(input)}
          </Box>
          <Typography variant="subtitle2" sx={{ mt: 3, mb: 1.5 }}>
            {t('companies.contact')}
          </Typography>
          <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' } }}>
            {CONTACT_FIELDS.map(input)}
          </Box>
          <FormControlLabel
            sx={{ mt: 2 }}
            control={
              <Switch
                checked={values.isActive}
                onChange={(e) => setValues((v) => ({ ...v, isActive: e.target.checked }))}
              />
            }
            label={values.isActive ? t('common.active') : t('common.inactive')}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={busy} data-testid="company-submit">
            {company ? t('common.save') : t('common.create')}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
