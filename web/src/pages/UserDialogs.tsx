/** Create a user; edit a user's data, role and activity; grant and revoke permissions. */
import DeleteIcon from '@mui/icons-material/Delete';
import {
  Alert,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Divider,
  FormControl,
  FormControlLabel,
  FormHelperText,
  IconButton,
  InputLabel,
  List,
  ListItem,
  ListItemText,
  MenuItem,
  Select,
  Stack,
  Switch,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useState, type FormEvent } from 'react';
import { gql } from '../api';
import { ops, type CreateUserInput } from '../api/operations';
import { outcome } from '../api/results';
import { ROLES, type Permission, type Role, type User } from '../api/types';
import { useSession } from '../auth/session';
import { CompanyPicker, type CompanyOption } from '../components/CompanyPicker';
import { errorText, fieldError } from '../components/common';
import { useNotify } from '../components/notify';
import { formatDateTime, zonedLocalToUtcIso } from '../format';
import { useI18n } from '../i18n';

function RoleSelect({
  value,
  onChange,
  error,
}: {
  value: Role;
  onChange: (r: Role) => void;
  error?: string;
}) {
  const { t } = useI18n();
  return (
    <FormControl error={Boolean(error)}>
      <InputLabel id="role-label">{t('users.role')}</InputLabel>
      <Select labelId="role-label" label={t('users.role')} value={value} onChange={(e) => onChange(e.target.value as Role)}>
        {ROLES.map((r) => (
          <MenuItem key={r} value={r}>
            {t(`role.${r}`)}
          </MenuItem>
        ))}
      </Select>
      {error && <FormHelperText>{error}</FormHelperText>}
    </FormControl>
  );
}

export function CreateUserDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (u: User) => void }) {
  const { t } = useI18n();
  const [v, setV] = useState({
    email: '',
    password: '',
    firstName: '',
    lastName: '',
    role: 'OPERATOR' as Role,
    phone: '',
    department: '',
    position: '',
  });
  const [company, setCompany] = useState<CompanyOption | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  const text = (key: 'email' | 'password' | 'firstName' | 'lastName' | 'phone' | 'department' | 'position') => ({
    value: v[key],
    onChange: (e: { target: { value: string } }) => setV((s) => ({ ...s, [key]: e.target.value })),
    ...fieldError(fields, key),
  });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    const input: CreateUserInput = {
      email: v.email.trim(),
      password: v.password,
      firstName: v.firstName.trim(),
      lastName: v.lastName.trim(),
      role: v.role,
      companyId: v.role === 'CLIENT_USER' ? (company?.id ?? null) : null,
      phone: v.phone.trim() || null,
      department: v.department.trim() || null,
      position: v.position.trim() || null,
    };
    try {
      const result = outcome((await gql.request(ops.createUser, { input })).createUser);
      if (result.ok) onCreated(result.value.user);
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

  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t('users.new')}</DialogTitle>
        <DialogContent>
          {error && Object.keys(fields).length === 0 && (
            <Alert severity="error" sx={{ mb: 2 }}>
              {error}
            </Alert>
          )}
          <Box sx={{ display: 'grid', gap: 2, pt: 1, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' } }}>
            <TextField label={t('users.firstName')} {...text('firstName')} />
            <TextField label={t('users.lastName')} {...text('lastName')} />
            <TextField label={t('users.email')} type="email" {...text('email')} />
            <TextField
              label={t('users.password')}
              type="password"
              autoComplete="new-password"
              {...text('password')}
              helperText={fields.password ?? t('password.rule')}
            />
            <RoleSelect value={v.role} onChange={(role) => setV((s) => ({ ...s, role }))} error={fields.role} />
            {v.role === 'CLIENT_USER' ? (
              <CompanyPicker label={t('users.company')} value={company} onChange={setCompany} {...fieldError(fields, 'companyId')} />
            ) : (
              <Box />
            )}
            <TextField label={t('users.phone')} {...text('phone')} />
            <TextField label={t('users.department')} {...text('department')} />
            <TextField label={t('users.position')} {...text('position')} />
          </Box>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={busy} data-testid="user-submit">
            {t('common.create')}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

function GrantsSection({ user, onChange }: { user: User; onChange: (u: User) => void }) {
  const { t, lang } = useI18n();
  const session = useSession();
  const notify = useNotify();
  const tz = session.preferences.timezone;
  const grantable = [...session.permissions].filter((p) => !user.grants.some((g) => g.permission === p)).sort();
  const [permission, setPermission] = useState<Permission | ''>('');
  const [expires, setExpires] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const grant = async () => {
    if (!permission) return;
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const data = await gql.request(ops.grantPermission, {
        input: { userId: user.id, permission, expiresAt: expires ? zonedLocalToUtcIso(expires, tz) : null },
      });
      const result = outcome(data.grantPermission);
      if (result.ok) {
        onChange(result.value.user);
        setPermission('');
        setExpires('');
        notify(t('users.granted'));
      } else {
        setFields(result.fields);
        setError(result.error.message);
      }
    } catch (err) {
      setError(errorText(err, t('common.error')));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (p: Permission) => {
    setBusy(true);
    try {
      const result = outcome((await gql.request(ops.revokePermission, { userId: user.id, permission: p })).revokePermission);
      if (result.ok) {
        onChange({ ...user, grants: user.grants.filter((g) => g.permission !== p) });
        notify(t('users.revoked'));
      } else notify(result.error.message, 'error');
    } catch (err) {
      notify(errorText(err, t('common.error')), 'error');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box>
      <Typography variant="subtitle2" sx={{ mb: 1 }}>
        {t('users.grants')}
      </Typography>
      {user.grants.length === 0 ? (
        <Typography variant="body2" color="text.secondary">
          {t('users.noGrants')}
        </Typography>
      ) : (
        <List dense disablePadding>
          {user.grants.map((g) => (
            <ListItem
              key={g.permission}
              disableGutters
              secondaryAction={
                <Tooltip title={t('common.remove')}>
                  <IconButton edge="end" size="small" disabled={busy} onClick={() => void revoke(g.permission)}>
                    <DeleteIcon fontSize="small" />
                  </IconButton>
                </Tooltip>
              }
            >
              <ListItemText
                primary={<Chip size="small" label={g.permission} sx={{ fontFamily: 'monospace' }} />}
                secondary={g.expiresAt ? t('users.expires', { when: formatDateTime(g.expiresAt, tz, lang, false) }) : t('users.permanent')}
              />
            </ListItem>
          ))}
        </List>
      )}
      {error && Object.keys(fields).length === 0 && (
        <Alert severity="error" sx={{ mt: 1 }}>
          {error}
        </Alert>
      )}
      <Box sx={{ mt: 2, display: 'grid', gap: 1.5, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' } }}>
        <FormControl error={Boolean(fields.permission)}>
          <InputLabel id="perm-label">{t('users.permission')}</InputLabel>
          <Select
            labelId="perm-label"
            label={t('users.permission')}
            value={permission}
            onChange={(e) => setPermission(e.target.value as Permission)}
          >
            {grantable.map((p) => (
              <MenuItem key={p} value={p} sx={{ fontFamily: 'monospace', fontSize: '0.85rem' }}>
                {p}
              </MenuItem>
            ))}
          </Select>
          {fields.permission && <FormHelperText>{fields.permission}</FormHelperText>}
        </FormControl>
        <TextField
          label={t('users.expiresAt')}
          type="datetime-local"
          value={expires}
          onChange={(e) => setExpires(e.target.value)}
          slotProps={{ inputLabel: { shrink: true } }}
          {...fieldError(fields, 'expiresAt')}
        />
      </Box>
      <Stack direction="row" sx={{ mt: 1.5, justifyContent: 'flex-end' }}>
        <Button variant="outlined" onClick={() => void grant()} disabled={busy || !permission}>
          {t('users.grant')}
        </Button>
      </Stack>
    </Box>
  );
}

export function EditUserDialog({
  user: initial,
  onClose,
  onSaved,
}: {
  user: User;
  /** Closed without saving the form (grants may still have changed). */
  onClose: (u: User) => void;
  onSaved: (u: User) => void;
}) {
  const { t } = useI18n();
  const session = useSession();
  const [user, setUser] = useState(initial);
  const [v, setV] = useState({
    firstName: initial.firstName,
    lastName: initial.lastName,
    phone: initial.phone ?? '',
    department: initial.department ?? '',
    position: initial.position ?? '',
    role: initial.role,
    isActive: initial.isActive,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const self = session.user?.id === user.id;

  const text = (key: 'firstName' | 'lastName' | 'phone' | 'department' | 'position') => ({
    value: v[key],
    onChange: (e: { target: { value: string } }) => setV((s) => ({ ...s, [key]: e.target.value })),
    ...fieldError(fields, key),
  });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const data = await gql.request(ops.updateUser, {
        id: user.id,
        input: {
          firstName: v.firstName.trim(),
          lastName: v.lastName.trim(),
          phone: v.phone.trim() || null,
          department: v.department.trim() || null,
          position: v.position.trim() || null,
          role: v.role,
          isActive: v.isActive,
        },
      });
      const result = outcome(data.updateUser);
      if (result.ok) onSaved(result.value.user);
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

  return (
    <Dialog open onClose={() => onClose(user)} maxWidth="sm" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>
          {t('users.edit')}: {user.fullName}
          <Typography variant="body2" color="text.secondary">
            {user.email}
            {user.company && ` · ${user.company.name}`}
          </Typography>
        </DialogTitle>
        <DialogContent>
          {error && Object.keys(fields).length === 0 && (
            <Alert severity="error" sx={{ mb: 2 }}>
              {error}
            </Alert>
          )}
          <Box sx={{ display: 'grid', gap: 2, pt: 1, gridTemplateColumns: { xs: '1fr', sm: '1fr 1fr' } }}>
            <TextField label={t('users.firstName')} {...text('firstName')} />
            <TextField label={t('users.lastName')} {...text('lastName')} />
            <TextField label={t('users.phone')} {...text('phone')} />
            <TextField label={t('users.department')} {...text('department')} />
            <TextField label={t('users.position')} {...text('position')} />
            <RoleSelect value={v.role} onChange={(role) => setV((s) => ({ ...s, role }))} error={fields.role} />
          </Box>
          <FormControlLabel
            sx={{ mt: 1 }}
            control={
              <Switch
                checked={v.isActive}
                disabled={self}
                onChange={(e) => setV((s) => ({ ...s, isActive: e.target.checked }))}
              />
            }
            label={t('users.active')}
          />
          {!v.isActive && initial.isActive && (
            <Alert severity="warning" sx={{ mt: 1 }}>
              {t('users.deactivateWarning')}
            </Alert>
          )}
          <Divider sx={{ my: 2 }} />
          <GrantsSection user={user} onChange={setUser} />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => onClose(user)}>{t('common.close')}</Button>
          <Button type="submit" variant="contained" disabled={busy}>
            {t('common.save')}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
