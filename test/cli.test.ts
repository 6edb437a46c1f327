import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';

describe('bwscaler CLI', () => {
  it('refuses an unknown command with exit code 2', async () => {
    const code = await main(['no-such-command']);
    expect(code).toBe(2);
  });
});
