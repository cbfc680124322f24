/** Login, plus the "forgot password" dialog (requestPasswordReset). */
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Link,
  Stack,
  TextField,
} from '@mui/material';
import { useState, type FormEvent } from 'react';
import { gql } from '../api';
import { ops } from '../api/operations';
import { outcome } from '../api/results';
import { useSession } from '../auth/session';
import { errorText, fieldError } from '../components/common';
import { useI18n } from '../i18n';
import { AuthShell } from './AuthShell';

function ForgotPasswordDialog({ open, onClose, initialEmail }: { open: boolean; onClose: () => void; initialEmail: string }) {
  const { t } = useI18n();
  const [email, setEmail] = useState(initialEmail);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const data = await gql.request(ops.requestPasswordReset, { email: email.trim() });
      const result = outcome(data.requestPasswordReset);
      if (result.ok) setSent(true);
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
    <Dialog open={open} onClose={onClose} maxWidth="xs" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t('forgot.title')}</DialogTitle>
        <DialogContent>
          {sent ? (
            <Alert severity="success" data-testid="reset-sent">
              {t('forgot.sent')}
            </Alert>
          ) : (
            <>
              <DialogContentText sx={{ mb: 2 }}>{t('forgot.help')}</DialogContentText>
              {error && !fields.email && (
                <Alert severity="error" sx={{ mb: 2 }}>
                  {error}
                </Alert>
              )}
              <TextField
                autoFocus
                fullWidth
                type="email"
                label={t('login.email')}
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                {...fieldError(fields, 'email')}
              />
            </>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{sent ? t('common.close') : t('common.cancel')}</Button>
          {!sent && (
            <Button type="submit" variant="contained" disabled={busy || !email.trim()}>
              {t('forgot.submit')}
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}

export function LoginPage() {
  const { t } = useI18n();
  const session = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [forgotOpen, setForgotOpen] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const result = await session.login(email.trim(), password);
      if (!result.ok) {
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
    <AuthShell title={t('login.title')}>
      {session.expired && !error && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {t('login.expired')}
        </Alert>
      )}
      {error && (
        <Alert severity="error" sx={{ mb: 2 }} data-testid="login-error">
          {error}
        </Alert>
      )}
      <form onSubmit={submit} noValidate>
        <Stack spacing={2}>
          <TextField
            label={t('login.email')}
            type="email"
            autoComplete="username"
            autoFocus
            fullWidth
            size="medium"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'login-email' } }}
            {...fieldError(fields, 'email')}
          />
          <TextField
            label={t('login.password')}
            type="password"
            autoComplete="current-password"
            fullWidth
            size="medium"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'login-password' } }}
            {...fieldError(fields, 'password')}
          />
          <Button
            type="submit"
            variant="contained"
            size="large"
            disabled={busy || !email || !password}
            data-testid="login-submit"
          >
            {t('login.submit')}
          </Button>
          <Link component="button" type="button" variant="body2" onClick={() => setForgotOpen(true)} sx={{ alignSelf: 'center' }}>
            {t('login.forgot')}
          </Link>
        </Stack>
      </form>
      {forgotOpen && (
        <ForgotPasswordDialog open onClose={() => setForgotOpen(false)} initialEmail={email} />
      )}
    </AuthShell>
  );
}
