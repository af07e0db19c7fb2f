import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StateMessage } from './StateMessage';

describe('StateMessage', () => {
  it('announces an error as an alert, with its next step', () => {
    render(
      <StateMessage
        tone="error"
        title="The service cannot be reached"
        action={<button type="button">Try again</button>}
      >
        Check your connection.
      </StateMessage>,
    );
    const alert = screen.getByRole('alert');
    expect(alert.querySelector('h2')?.textContent).toBe(
      'The service cannot be reached',
    );
    expect(screen.getByRole('button', { name: 'Try again' })).toBeDefined();
  });

  it('gives an empty state the polite status role', () => {
    render(
      <StateMessage tone="empty" title="No exports yet">
        Your first one will appear here.
      </StateMessage>,
    );
    expect(screen.getByRole('status').textContent).toContain('No exports yet');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
