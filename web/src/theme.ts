/** MUI theme from the seed (§3.2): DOM brand blue #1976d2, light and dark palettes. */
import { createTheme, type Theme, type ThemeOptions } from '@mui/material/styles';
import { enUS, esES } from '@mui/material/locale';
import type { Language } from './api/types';

const base: ThemeOptions = {
  palette: {
    primary: { main: '#1976d2', light: '#42a5f5', dark: '#1565c0', contrastText: '#ffffff' },
    secondary: { main: '#9c27b0', light: '#ba68c8', dark: '#7b1fa2', contrastText: '#ffffff' },
    error: { main: '#d32f2f', light: '#ef5350', dark: '#c62828' },
    warning: { main: '#ed6c02', light: '#ff9800', dark: '#e65100' },
    info: { main: '#0288d1', light: '#03a9f4', dark: '#01579b' },
    success: { main: '#2e7d32', light: '#4caf50', dark: '#1b5e20' },
  },
  typography: {
    fontFamily: '"Roboto", "Helvetica", "Arial", sans-serif',
    h1: { fontSize: '2.125rem', fontWeight: 300, lineHeight: 1.167 },
    h2: { fontSize: '1.5rem', fontWeight: 400, lineHeight: 1.2 },
    h3: { fontSize: '1.25rem', fontWeight: 500, lineHeight: 1.167 },
    h4: { fontSize: '1.125rem', fontWeight: 400, lineHeight: 1.235 },
    h5: { fontSize: '1rem', fontWeight: 500, lineHeight: 1.334 },
    h6: { fontSize: '0.875rem', fontWeight: 500, lineHeight: 1.6 },
    button: { fontSize: '0.875rem', fontWeight: 500, lineHeight: 1.75, textTransform: 'none' },
  },
  shape: { borderRadius: 8 },
  spacing: 8,
  components: {
    MuiButton: {
      styleOverrides: {
        root: { borderRadius: 8, textTransform: 'none', fontWeight: 500 },
        contained: {
          boxShadow: '0 2px 4px rgba(0,0,0,0.1)',
          '&:hover': { boxShadow: '0 4px 8px rgba(0,0,0,0.15)' },
        },
      },
    },
    MuiCard: {
      styleOverrides: { root: { borderRadius: 12, boxShadow: '0 2px 8px rgba(0,0,0,0.1)' } },
    },
    MuiChip: { styleOverrides: { root: { borderRadius: 16 } } },
    MuiDialogTitle: { styleOverrides: { root: { fontSize: '1.25rem', fontWeight: 500 } } },
    MuiTableCell: { styleOverrides: { head: { fontWeight: 600 } } },
    MuiTextField: { defaultProps: { size: 'small' } },
    MuiFormControl: { defaultProps: { size: 'small' } },
  },
};

export function buildTheme(mode: 'light' | 'dark', lang: Language): Theme {
  const locale = lang === 'ES' ? esES : enUS;
  if (mode === 'light') {
    return createTheme(
      {
        ...base,
        palette: {
          ...base.palette,
          mode: 'light',
          background: { default: '#f4f6f8', paper: '#ffffff' },
          text: { primary: 'rgba(0, 0, 0, 0.87)', secondary: 'rgba(0, 0, 0, 0.6)' },
        },
      },
      locale,
    );
  }
  return createTheme(
    {
      ...base,
      palette: {
        ...base.palette,
        mode: 'dark',
        primary: { main: '#90caf9', light: '#e3f2fd', dark: '#42a5f5' },
        background: { default: '#121212', paper: '#1e1e1e' },
        text: { primary: '#ffffff', secondary: 'rgba(255, 255, 255, 0.7)' },
      },
    },
    locale,
  );
}
