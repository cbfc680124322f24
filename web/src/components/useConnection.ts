/** Cursor pagination ("load more") over a Relay connection. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Connection } from '../api/types';

export interface ConnectionState<T> {
  items: T[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
  setItems: (update: (items: T[]) => T[]) => void;
}

/**
 * `fetchPage(after)` loads one page; `key` identifies the query (a new key starts over).
 * Pass `enabled=false` to wait (e.g. until a search is submitted).
 */
export function useConnection<T>(
  fetchPage: (after: string | null) => Promise<Connection<T>>,
  key: string,
  enabled = true,
): ConnectionState<T> {
  const [items, setItemsState] = useState<T[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [generation, setGeneration] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const requestId = useRef(0);

  const run = useCallback(async (after: string | null, append: boolean) => {
    const id = ++requestId.current;
    setLoading(true);
    setError(null);
    try {
      const page = await fetchRef.current(after);
      if (id !== requestId.current) return;
      const nodes = page.edges.map((e) => e.node);
      setItemsState((prev) => (append ? [...prev, ...nodes] : nodes));
      setCursor(page.pageInfo.endCursor);
      setHasMore(page.pageInfo.hasNextPage);
    } catch (err) {
      if (id === requestId.current) setError(err);
    } finally {
      if (id === requestId.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (!enabled) return;
    setItemsState([]);
    setHasMore(false);
    void run(null, false);
  }, [key, enabled, generation, run]);

  return {
    items,
    loading,
    error,
    hasMore,
    loadMore: () => {
      if (!loading && hasMore) void run(cursor, true);
    },
    reload: () => setGeneration((g) => g + 1),
    setItems: (update) => setItemsState(update),
  };
}
