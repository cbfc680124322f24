/** Centered card with the brand, used by the login and password-reset pages. */
import VideocamIcon from '@mui/icons-material/Videocam';
import { Box, Card, CardContent, Stack, ToggleButton, ToggleButtonGroup, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import type { Language } from '../api/types';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n';

export function AuthShell({ title, children }: { title: string; children: ReactNode }) {
  const { t, lang } = useI18n();
  const { setLanguage } = useSession();
  return (
    <Box
      sx={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        p: 2,
        background: (th) =>
          th.palette.mode === 'dark'
            ? 'linear-gradient(135deg, #0d1b2a 0%, #121212 100%)'
            : 'linear-gradient(135deg, #1565c0 0%, #1976d2 45%, #e3f2fd 100%)',
      }}
    >
      <Card sx={{ width: '100%', maxWidth: 420 }}>
        <CardContent sx={{ p: { xs: 3, sm: 4 } }}>
          <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center', mb: 3 }}>
            <Box
              sx={{
                width: 44,
                height: 44,
                borderRadius: 2,
                bgcolor: 'primary.main',
                color: 'primary.contrastText',
                display: 'flex',
                alignItems: 'center',
                justifyContent: 'center',
              }}
            >
              <VideocamIcon />
            </Box>
            <Box sx={{ flexGrow: 1 }}>
              <Typography variant="h3" component="div" sx={{ fontWeight: 700 }}>
                {t('app.title')}
              </Typography>
              <Typography variant="body2" color="text.secondary">
                {t('app.subtitle')}
              </Typography>
            </Box>
            <ToggleButtonGroup
              size="small"
              exclusive
              value={lang}
              onChange={(_, v: Language | null) => v && setLanguage(v)}
            >
              <ToggleButton value="ES" sx={{ px: 1, py: 0.25 }}>
                ES
              </ToggleButton>
              <ToggleButton value="EN" sx={{ px: 1, py: 0.25 }}>
                EN
              </ToggleButton>
            </ToggleButtonGroup>
          </Stack>
          <Typography variant="h2" component="h1" sx={{ mb: 2 }}>
            {title}
          </Typography>
          {children}
        </CardContent>
      </Card>
    </Box>
  );
}
