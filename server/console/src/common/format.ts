/** Times and durations as people read them: local time, and h:mm:ss countdowns. */

export function localTime(iso: string, lang: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
}

/** `h:mm:ss` of the milliseconds left (never negative). */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** A point score with one decimal at most, or a dash. */
export function points(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : String(Math.round(n * 10) / 10);
}
