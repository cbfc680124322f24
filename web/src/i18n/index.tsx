/** Tiny i18n: Spanish first, English optional; the language comes from the user's preferences. */
import { createContext, useContext, type ReactNode } from 'react';
import type { Language } from '../api/types';
import { en } from './en';
import { es, type MessageKey } from './es';

export type { MessageKey };
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

const DICTIONARIES: Record<Language, Record<MessageKey, string>> = { ES: es, EN: en };

export function translator(lang: Language): Translate {
  const dict = DICTIONARIES[lang];
  return (key, vars) => {
    const template = dict[key] ?? es[key] ?? key;
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) =>
      name in vars ? String(vars[name]) : m,
    );
  };
}

/** Whether a computed key (e.g. `errors.${code}`) has a message. */
export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(es, key);
}

interface I18n {
  lang: Language;
  t: Translate;
}

const I18nContext = createContext<I18n>({ lang: 'ES', t: translator('ES') });

export function I18nProvider({ lang, children }: { lang: Language; children: ReactNode }) {
  return <I18nContext.Provider value={{ lang, t: translator(lang) }}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}
