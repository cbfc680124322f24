import BlockIcon from '@mui/icons-material/Block';
import { Box, Button, Typography } from '@mui/material';
import { useI18n } from '../i18n';
import { navigate } from '../router';

export function NoAccess({ notFound = false }: { notFound?: boolean }) {
  const { t } = useI18n();
  return (
    <Box sx={{ textAlign: 'center', py: 8 }}>
      <BlockIcon sx={{ fontSize: 56, color: 'text.disabled' }} />
      <Typography variant="h2" sx={{ mt: 2 }}>
        {notFound ? t('notFound.title') : t('noAccess.title')}
      </Typography>
      <Button sx={{ mt: 3 }} variant="outlined" onClick={() => navigate('/')}>
        {t('common.back')}
      </Button>
    </Box>
  );
}
