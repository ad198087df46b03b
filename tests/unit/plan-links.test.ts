// Which pressed links start a plan's reads early (src/lib/ui/plan-links.ts).
import { describe, expect, it } from 'vitest';
import { planLinkId } from '../../src/lib/ui/plan-links.ts';

const at = (href: string) => {
  const u = new URL(href, 'https://fp.example');
  return { origin: u.origin, pathname: u.pathname };
};

describe('planLinkId', () => {
  it('names the family of a link to its plan', () => {
    expect(planLinkId(at('/familie/f-123'), 'https://fp.example')).toBe('f-123');
    expect(planLinkId(at('/familie/f-123?del=social#action-a1'), 'https://fp.example')).toBe('f-123');
    expect(planLinkId(at('/familie/f%20%C3%B8'), 'https://fp.example')).toBe('f ø');
  });

  it('ignores other pages, other sites and broken addresses', () => {
    expect(planLinkId(at('/familie/f-123/historik'), 'https://fp.example')).toBeNull();
    expect(planLinkId(at('/familie/ny/'), 'https://fp.example')).toBeNull();
    expect(planLinkId(at('/overblik'), 'https://fp.example')).toBeNull();
    expect(planLinkId(at('https://other.example/familie/f-123'), 'https://fp.example')).toBeNull();
    expect(planLinkId({ origin: 'https://fp.example', pathname: '/familie/%E0%A4%A' }, 'https://fp.example')).toBeNull();
  });
});
