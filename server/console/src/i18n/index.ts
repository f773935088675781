/**
 * vue-i18n with one message file per language (zh.ts, en.ts; tests/unit/console-i18n.test.ts
 * fails on a key missing in either), Chinese first. The choice is remembered in localStorage and
 * also switches Element Plus's locale (zh-CN / en).
 */
import { computed } from 'vue';
import { createI18n } from 'vue-i18n';
import elEn from 'element-plus/es/locale/lang/en';
import elZhCn from 'element-plus/es/locale/lang/zh-cn';
import en from './en.js';
import zh from './zh.js';

export type Lang = 'zh' | 'en';
const KEY = 'iotlab.lang';

function initial(): Lang {
  const stored = localStorage.getItem(KEY);
  if (stored === 'zh' || stored === 'en') return stored;
  return navigator.language.toLowerCase().startsWith('en') ? 'en' : 'zh';
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'zh',
  messages: { zh, en },
  missingWarn: false,
  fallbackWarn: false,
});

export const lang = computed<Lang>(() => i18n.global.locale.value);
export const elementLocale = computed(() => (lang.value === 'zh' ? elZhCn : elEn));

export function setLang(l: Lang): void {
  i18n.global.locale.value = l;
  localStorage.setItem(KEY, l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}
setLang(initial());
