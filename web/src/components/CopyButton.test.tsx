import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { CopyButton } from './CopyButton';

describe('CopyButton', () => {
  it('puts the value on the clipboard and says so', async () => {
    const user = userEvent.setup();
    render(<CopyButton value="9a7aa400" label="Copy SHA-512" />);
    await user.click(screen.getByRole('button', { name: 'Copy SHA-512' }));
    expect(await navigator.clipboard.readText()).toBe('9a7aa400');
    expect(screen.getByRole('status').textContent).toBe('Copied');
  });
});
