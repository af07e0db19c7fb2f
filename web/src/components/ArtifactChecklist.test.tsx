import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ARTIFACT_KINDS, type ArtifactKind, type Estimate } from '../api/types';
import { ArtifactChecklist } from './ArtifactChecklist';

function anEstimate(
  counts: Partial<Record<ArtifactKind, [number, number]>>,
): Estimate {
  return {
    tenantId: 'acme',
    dateRange: {
      from: '2026-11-04T00:00:00.000Z',
      to: '2026-12-04T00:00:00.000Z',
    },
    kinds: Object.fromEntries(
      ARTIFACT_KINDS.map((kind) => {
        const [items, bytes] = counts[kind] ?? [0, 0];
        return [kind, { items, bytes }];
      }),
    ) as Estimate['kinds'],
  };
}

const all = new Set<ArtifactKind>(ARTIFACT_KINDS);

describe('ArtifactChecklist', () => {
  it('shows each kind with what the window holds of it', () => {
    render(
      <ArtifactChecklist
        selected={all}
        estimate={anEstimate({
          'audit-events': [1234, 2_500_000],
          sboms: [1, 900],
        })}
        loading={false}
        error={null}
        onToggle={() => undefined}
      />,
    );
    const audit = screen.getByRole('checkbox', { name: 'Audit events' });
    expect(audit.getAttribute('aria-describedby')).toBe('count-audit-events');
    expect(document.getElementById('count-audit-events')?.textContent).toBe(
      '1,234 items, 2.5 MB',
    );
    expect(document.getElementById('count-sboms')?.textContent).toBe(
      '1 item, 900 B',
    );
  });

  it('marks kinds with nothing in the window before the export', () => {
    render(
      <ArtifactChecklist
        selected={all}
        estimate={anEstimate({ 'audit-events': [3, 300] })}
        loading={false}
        error={null}
        onToggle={() => undefined}
      />,
    );
    expect(screen.getAllByText('nothing in this window')).toHaveLength(4);
  });

  it('says it is counting while the estimate loads', () => {
    render(
      <ArtifactChecklist
        selected={all}
        estimate={null}
        loading
        error={null}
        onToggle={() => undefined}
      />,
    );
    expect(screen.getAllByText('counting…')).toHaveLength(5);
  });

  it('reports a failed estimate as an alert', () => {
    render(
      <ArtifactChecklist
        selected={all}
        estimate={null}
        loading={false}
        error="the service could not be reached"
        onToggle={() => undefined}
      />,
    );
    expect(screen.getByRole('alert').textContent).toBe(
      'Could not count the evidence in this window: the service could not be reached',
    );
  });

  it('toggles a kind with the space bar', async () => {
    const user = userEvent.setup();
    const onToggle = vi.fn();
    render(
      <ArtifactChecklist
        selected={all}
        estimate={anEstimate({})}
        loading={false}
        error={null}
        onToggle={onToggle}
      />,
    );
    screen.getByRole('checkbox', { name: 'SBOMs' }).focus();
    await user.keyboard(' ');
    expect(onToggle).toHaveBeenCalledWith('sboms', false);
  });
});
