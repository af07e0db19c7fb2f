import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { WindowPicker, type WindowChoice } from './WindowPicker';

const now = new Date('2026-12-03T15:30:00Z');

/** The picker with its state held as the page holds it. */
function Harness(props: { initial: WindowChoice; maxDays?: number }) {
  const [choice, setChoice] = useState(props.initial);
  return (
    <WindowPicker
      choice={choice}
      now={now}
      maxDays={props.maxDays}
      timeZone="America/New_York"
      onChange={setChoice}
    />
  );
}

const thirtyDays: WindowChoice = {
  preset: 'last-30-days',
  customFrom: '2026-11-04T00:00',
  customTo: '2026-12-04T00:00',
};

describe('WindowPicker', () => {
  it('shows the chosen window in UTC and in the given time zone', () => {
    render(<Harness initial={thirtyDays} />);
    expect(
      screen.getByText('2026-11-04 00:00 UTC → 2026-12-04 00:00 UTC'),
    ).toBeDefined();
    expect(screen.getByText('Your time (America/New_York)')).toBeDefined();
    expect(
      screen.getByText('3 Nov 2026, 19:00 GMT-5 → 3 Dec 2026, 19:00 GMT-5'),
    ).toBeDefined();
  });

  it('switches to a preset chosen by keyboard', async () => {
    const user = userEvent.setup();
    render(<Harness initial={thirtyDays} />);
    await user.click(screen.getByLabelText('Last 30 days'));
    await user.keyboard('{ArrowRight}');
    expect(
      screen.getByLabelText<HTMLInputElement>('Last 90 days').checked,
    ).toBe(true);
    expect(
      screen.getByText('2026-09-05 00:00 UTC → 2026-12-04 00:00 UTC'),
    ).toBeDefined();
  });

  it('offers the custom fields only for a custom window', async () => {
    const user = userEvent.setup();
    render(<Harness initial={thirtyDays} />);
    expect(screen.queryByLabelText('Start (UTC, included)')).toBeNull();
    await user.click(screen.getByLabelText('Custom'));
    expect(screen.getByLabelText('Start (UTC, included)')).toBeDefined();
    expect(screen.getByLabelText('End (UTC, not included)')).toBeDefined();
  });

  it('refuses a custom window that ends before it starts', () => {
    render(
      <Harness
        initial={{
          preset: 'custom',
          customFrom: '2026-06-01T00:00',
          customTo: '2026-05-01T00:00',
        }}
      />,
    );
    expect(screen.getByRole('alert').textContent).toBe(
      'The end must be after the start.',
    );
    expect(screen.queryByText(/→/)).toBeNull();
  });

  it('refuses a custom window longer than the service allows', () => {
    render(
      <Harness
        maxDays={400}
        initial={{
          preset: 'custom',
          customFrom: '2020-01-01T00:00',
          customTo: '2026-12-01T00:00',
        }}
      />,
    );
    expect(screen.getByRole('alert').textContent).toBe(
      'The window spans 2526 days; the longest this service allows is 400. ' +
        'Choose a shorter window, or export it in parts.',
    );
  });

  it('refuses a preset longer than the service allows', async () => {
    const user = userEvent.setup();
    render(<Harness initial={thirtyDays} maxDays={90} />);
    expect(screen.queryByRole('alert')).toBeNull();
    await user.click(screen.getByLabelText('Last year (2025)'));
    expect(screen.getByRole('alert').textContent).toMatch(
      /^The window spans 365 days; the longest this service allows is 90\./,
    );
  });
});
