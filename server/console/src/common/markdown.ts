/**
 * Task instructions: Markdown rendered by markdown-it (raw HTML off) and then sanitised by
 * DOMPurify before it reaches v-html, so nothing in an instruction file can run script.
 */
import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

export function renderMarkdown(text: string): string {
  return DOMPurify.sanitize(md.render(text), { USE_PROFILES: { html: true } });
}
