// The family's access log tells an opening on screen from a device's automatic
// copy (finding 3 of the hardening review): "hentede en kopi" under a person's
// name read as if that person had looked.
import { describe, expect, it } from 'vitest';
import { accessLogSentence } from '../../src/lib/ui/access-log-text.ts';
import { da } from '../../src/lib/i18n/da.ts';
import { en } from '../../src/lib/i18n/en.ts';

describe('accessLogSentence', () => {
  it('says a person opened and read the part on screen, online or offline', () => {
    expect(accessLogSentence({ action: 'open', part: 'plan', count: 1 }, da)).toBe('Åbnede og læste familiens plan');
    expect(accessLogSentence({ action: 'open-offline', part: 'health', count: 2 }, da)).toBe('Åbnede og læste notater fra sundhedsplejen uden forbindelse (2 gange)');
  });

  it('says a background copy was the device’s, and that nobody necessarily read it', () => {
    const s = accessLogSentence({ action: 'sync', part: 'plan', count: 3 }, da);
    expect(s).toMatch(/^Enheden hentede automatisk en kopi af familiens plan/);
    expect(s).toMatch(/ingen har nødvendigvis læst/);
    expect(s).not.toMatch(/læste/);
    expect(accessLogSentence({ action: 'sync', part: 'school', count: 1 }, en)).toMatch(/^The device fetched a copy of .* automatically .*nobody necessarily read/);
  });
});
