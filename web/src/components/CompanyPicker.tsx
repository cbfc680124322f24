/** Company autocomplete backed by the `companies` query (name prefix or RUT). */
import { Autocomplete, TextField } from '@mui/material';
import { useEffect, useState } from 'react';
import { gql } from '../api';
import { ops } from '../api/operations';
import type { CompanyRef } from '../api/types';

export type CompanyOption = Pick<CompanyRef, 'id' | 'name' | 'rutDisplay'>;

export function CompanyPicker({
  value,
  onChange,
  label,
  error,
  helperText,
  disabled,
  testId,
}: {
  value: CompanyOption | null;
  onChange: (value: CompanyOption | null) => void;
  label: string;
  error?: boolean;
  helperText?: string;
  disabled?: boolean;
  testId?: string;
}) {
  const [input, setInput] = useState('');
  const [options, setOptions] = useState<CompanyOption[]>([]);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    let cancelled = false;
    const handle = setTimeout(() => {
      setLoading(true);
      const search = input && input !== value?.name ? input : null;
      gql
        .request(ops.companyOptions, { search, first: 50 })
        .then((data) => {
          if (!cancelled) setOptions(data.companies.edges.map((e) => e.node));
        })
        .catch(() => undefined)
        .finally(() => !cancelled && setLoading(false));
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(handle);
    };
  }, [input, value?.name]);

  return (
    <Autocomplete
      size="small"
      options={options}
      value={value}
      loading={loading}
      disabled={disabled}
      filterOptions={(x) => x}
      getOptionLabel={(o) => o.name}
      isOptionEqualToValue={(a, b) => a.id === b.id}
      onChange={(_, v) => onChange(v)}
      onInputChange={(_, v) => setInput(v)}
      renderOption={(props, o) => {
        const { key, ...rest } = props as typeof props & { key: string };
        return (
          <li key={key} {...rest}>
            {o.name}
            <span style={{ marginLeft: 8, opacity: 0.6, fontSize: '0.85em' }}>{o.rutDisplay}</span>
          </li>
        );
      }}
      renderInput={(params) => (
        <TextField {...params} label={label} error={error} helperText={helperText} data-testid={testId} />
      )}
    />
  );
}
