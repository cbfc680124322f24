/**
 * Whether the page is visible (document.visibilityState). Live tiles close their streams while
 * the tab is hidden, so the server can drop the camera's upstream session when nobody watches.
 */
import { useEffect, useState } from 'react';

function visibleNow(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

export function useDocumentVisible(): boolean {
  const [visible, setVisible] = useState(visibleNow);
  useEffect(() => {
    const onChange = () => setVisible(visibleNow());
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  return visible;
}
