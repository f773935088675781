/**
 * Instruction templates: Markdown with `{{name}}` placeholders filled from a task's variables.
 * A placeholder without a value is an error naming it, so a task cannot ship instructions that
 * leave out a topic or a number the checks rely on.
 */
export function placeholders(template: string): string[] {
  return [
    ...new Set([...template.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!)),
  ];
}

export function renderTemplate(
  template: string,
  vars: Readonly<Record<string, string | number>>,
): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) {
      missing.push(name);
      return `{{${name}}}`;
    }
    return String(v);
  });
  return { text, missing };
}
