// The overview's query string: the page's request and the shell's preload hint must name the same URL.
import { describe, expect, it } from 'vitest';
import { filterQuery, overviewPath, overviewRequestOf } from '../../src/lib/shared/overview-query.ts';

const at = (path: string) => new URL(path, 'https://fp.example');

describe('overview requests', () => {
  it('keeps only the filters, in one order, whatever the address held', () => {
    expect(filterQuery(new URLSearchParams('to=2026-06&x=1&team=viby&from=2026-01'))).toBe('?team=viby&from=2026-01&to=2026-06');
    expect(filterQuery({ team: null, district: 'Viby', sector: 'school' })).toBe('?district=Viby&sector=school');
    expect(overviewPath(new URLSearchParams())).toBe('/api/overview');
  });

  it('names the request each overview page makes, and none for other pages', () => {
    expect(overviewRequestOf(at('/overblik'))).toBe('/api/overview');
    expect(overviewRequestOf(at('/overblik?from=2026-01&utm=x&team=viby'))).toBe('/api/overview?team=viby&from=2026-01');
    expect(overviewRequestOf(at('/overblik/rapport?sector=school'))).toBe('/api/overview?sector=school');
    expect(overviewRequestOf(at('/overblik/medarbejder/u-anna?team=gellerup'))).toBe('/api/overview?team=gellerup&worker=u-anna');
    expect(overviewRequestOf(at('/overblik/medarbejder/%E0%A4%A'))).toBeNull();
    expect(overviewRequestOf(at('/'))).toBeNull();
    expect(overviewRequestOf(at('/familie/f1'))).toBeNull();
  });

  it('is the URL the page itself fetches (fetchOverview builds it the same way)', () => {
    const search = new URLSearchParams('team=viby&to=2026-06');
    const q = new URLSearchParams(filterQuery(search));
    q.set('worker', 'u anna/ø');
    expect(overviewRequestOf(at(`/overblik/medarbejder/${encodeURIComponent('u anna/ø')}?${search}`))).toBe(overviewPath(q));
  });
});
