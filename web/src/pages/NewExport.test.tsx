import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../api/client';
import { ARTIFACT_KINDS, type Estimate, type Me } from '../api/types';
import { NewExport } from './NewExport';

/** A caller of tenant acme; exporter and admin unless told otherwise. */
function meWith(patch: Partial<Me> = {}): Me {
  return {
    tenantId: 'acme',
    subject: 'alice@acme',
    roles: ['exporter', 'admin'],
    role: 'admin',
    roleNote: 'may start exports and download bundles',
    tenants: [{ id: 'acme', name: 'Acme Corp' }],
    features: { ui: true, api: true },
    limits: { maxWindowDays: 400 },
    ...patch,
  };
}

const viewer = meWith({
  subject: 'victor@acme',
  roles: ['viewer'],
  role: 'viewer',
  roleNote: 'may see jobs and evidence counts, not start exports or download',
});

/** An API whose estimate finds one item of every kind. */
function fakeApi() {
  const estimate = (tenantId: string, from: string, to: string) =>
    Promise.resolve<Estimate>({
      tenantId,
      dateRange: { from, to },
      kinds: Object.fromEntries(
        ARTIFACT_KINDS.map((k) => [k, { items: 1, bytes: 10 }]),
      ) as Estimate['kinds'],
    });
  const startExport = vi.fn(() => Promise.resolve({ jobId: 'job-1' }));
  return {
    api: { estimate, startExport } as unknown as ApiClient,
    startExport,
  };
}

function startButton(): HTMLButtonElement {
  return screen.getByRole<HTMLButtonElement>('button', {
    name: 'Start export',
  });
}

describe('NewExport', () => {
  it('lets an exporter start an export', async () => {
    const { api, startExport } = fakeApi();
    const navigate = vi.fn();
    render(<NewExport api={api} me={meWith()} navigate={navigate} />);
    expect(startButton().disabled).toBe(false);
    expect(screen.queryByTestId('role-note')).toBeNull();
    await userEvent.setup().click(startButton());
    expect(startExport).toHaveBeenCalledOnce();
    expect(navigate).toHaveBeenCalledWith({ page: 'job', jobId: 'job-1' });
  });

  describe('for a token without the exporter role', () => {
    it('turns Start export off and says why, next to the button', () => {
      const { api } = fakeApi();
      render(<NewExport api={api} me={viewer} navigate={vi.fn()} />);
      expect(startButton().disabled).toBe(true);
      const note = screen.getByTestId('role-note');
      expect(note.textContent).toBe(
        'Starting an export needs the exporter role. Your token (viewer) ' +
          'may see jobs and evidence counts, not start exports or download; ' +
          'ask your administrator for a token with the exporter role.',
      );
      expect(startButton().getAttribute('aria-describedby')).toBe(note.id);
    });

    it('treats an admin who may not export the same way', () => {
      const { api } = fakeApi();
      const admin = meWith({ roles: ['viewer', 'admin'], role: 'admin' });
      render(<NewExport api={api} me={admin} navigate={vi.fn()} />);
      expect(startButton().disabled).toBe(true);
      expect(screen.getByTestId('role-note').textContent).toContain(
        'Your token (admin)',
      );
    });
  });

  describe('with a custom window longer than the service allows', () => {
    it('refuses it inline and keeps Start export off', async () => {
      const { api, startExport } = fakeApi();
      const me = meWith({ limits: { maxWindowDays: 31 } });
      const user = userEvent.setup();
      render(<NewExport api={api} me={me} navigate={vi.fn()} />);
      await user.click(screen.getByLabelText('Last 90 days'));
      expect(screen.getByRole('alert').textContent).toBe(
        'The window spans 90 days; the longest this service allows is 31. ' +
          'Choose a shorter window, or export it in parts.',
      );
      expect(startButton().disabled).toBe(true);
      expect(startExport).not.toHaveBeenCalled();
    });
  });
});
