/** `data-testid` for MUI input slots, whose HTML attribute types do not list data-* keys. */
import type { InputHTMLAttributes } from 'react';

export function testIdProps(testId: string): InputHTMLAttributes<HTMLInputElement> {
  return { 'data-testid': testId } as InputHTMLAttributes<HTMLInputElement>;
}
