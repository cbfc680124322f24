/** #/reset-password?token=… (the e-mailed link): choose a new password with resetPassword. */
import { Alert, Button, Stack, TextField, Typography } from '@mui/material';
import { useState, type FormEvent } from 'react';
import { gql } from '../api';
import { ops } from '../api/operations';
import { outcome } from '../api/results';
import { errorText, fieldError } from '../components/common';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { AuthShell } from './AuthShell';

export function ResetPasswordPage({ token }: { token: string | null }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const mismatch = confirm.length > 0 && password !== confirm;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!token || mismatch) return;
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const data = await gql.request(ops.resetPassword, { token, newPassword: password });
      const result = outcome(data.resetPassword);
      if (result.ok) setDone(true);
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
    <AuthShell title={t('reset.title')}>
      {!token ? (
        <Alert severity="error">{t('reset.missingToken')}</Alert>
      ) : done ? (
        <Alert severity="success" data-testid="reset-done">
          {t('reset.done')}
        </Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack spacing={2}>
            {error && !fields.newPassword && <Alert severity="error">{error}</Alert>}
            <Typography variant="body2" color="text.secondary">
              {t('password.rule')}
            </Typography>
            <TextField
              label={t('reset.newPassword')}
              type="password"
              autoComplete="new-password"
              fullWidth
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              {...fieldError(fields, 'newPassword')}
            />
            <TextField
              label={t('reset.confirm')}
              type="password"
              autoComplete="new-password"
              fullWidth
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
              error={mismatch}
              helperText={mismatch ? t('reset.mismatch') : undefined}
            />
            <Button type="submit" variant="contained" size="large" disabled={busy || !password || mismatch}>
              {t('reset.submit')}
            </Button>
          </Stack>
        </form>
      )}
      <Button sx={{ mt: 2 }} fullWidth onClick={() => navigate('/login')}>
        {t('reset.goLogin')}
      </Button>
    </AuthShell>
  );
}
