// Message templates with named placeholders: fmt('om {x}', { x: '3 dage' }).
// The catalogues hold plain strings only, so both languages type-check alike.
export function fmt(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in params ? String(params[key]) : whole));
}
