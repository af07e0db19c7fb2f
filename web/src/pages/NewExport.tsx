import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import {
  ARTIFACT_KINDS,
  type ArtifactKind,
  type Estimate,
  type Me,
} from '../api/types';
import { mayExport } from '../app/roles';
import type { Route } from '../app/router';
import { ArtifactChecklist } from '../components/ArtifactChecklist';
import { RoleNote } from '../components/RoleNote';
import { StateMessage } from '../components/StateMessage';
import { TenantPicker } from '../components/TenantPicker';
import {
  WindowPicker,
  resolveWindow,
  type WindowChoice,
} from '../components/WindowPicker';
import { toInputValue, windowOf } from '../window/presets';

/** New export: tenant, window, kinds, then start and go to the job. */
export function NewExport(props: {
  api: ApiClient;
  me: Me;
  navigate: (to: Route) => void;
}) {
  const { api, me } = props;
  const now = useMemo(() => new Date(), []);
  const [tenantId, setTenantId] = useState(me.tenants[0]?.id ?? '');
  const [choice, setChoice] = useState<WindowChoice>(() => {
    const initial = windowOf('last-30-days', now);
    return {
      preset: 'last-30-days',
      customFrom: toInputValue(initial.from),
      customTo: toInputValue(initial.to),
    };
  });
  const [selected, setSelected] = useState(
    () => new Set<ArtifactKind>(ARTIFACT_KINDS),
  );
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const maxDays = me.limits.maxWindowDays;
  const resolved = resolveWindow(choice, now, maxDays);
  const allowed = mayExport(me);
  const window = 'window' in resolved ? resolved.window : null;
  const estimate = useEstimate(api, tenantId, window);

  if (me.tenants.length === 0) return <NoTenant me={me} />;
  if (!me.features.api) {
    return (
      <StateMessage tone="empty" title="Exports are not enabled yet">
        Exports are not switched on for tenant {me.tenantId}. Ask your
        administrator to enable them; your past exports stay in History.
      </StateMessage>
    );
  }

  const toggle = (kind: ArtifactKind, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(kind);
    else next.delete(kind);
    setSelected(next);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!allowed || !window || selected.size === 0) return;
    setBusy(true);
    setSubmitError(null);
    try {
      const { jobId } = await api.startExport({
        tenantId,
        dateRange: {
          from: window.from.toISOString(),
          to: window.to.toISOString(),
        },
        artifacts: ARTIFACT_KINDS.filter((k) => selected.has(k)),
      });
      props.navigate({ page: 'job', jobId });
    } catch (caught) {
      setSubmitError(caught instanceof Error ? caught.message : String(caught));
      setBusy(false);
    }
  };

  const empty =
    estimate.value !== null &&
    !estimate.loading &&
    ARTIFACT_KINDS.every((k) => estimate.value?.kinds[k].items === 0);

  return (
    <form className="stack" onSubmit={(e) => void submit(e)} noValidate>
      <TenantPicker
        tenants={me.tenants}
        value={tenantId}
        onChange={setTenantId}
      />
      <WindowPicker
        choice={choice}
        now={now}
        maxDays={maxDays}
        onChange={setChoice}
      />
      <ArtifactChecklist
        selected={selected}
        estimate={estimate.value}
        loading={estimate.loading}
        error={estimate.error}
        onToggle={toggle}
      />
      {empty && (
        <StateMessage tone="empty" title="No evidence in this window">
          This window holds nothing for {tenantId}. Pick a longer window, or
          check with your administrator that evidence is being collected. You
          can still export: the bundle then proves the window was empty.
        </StateMessage>
      )}
      {selected.size === 0 && (
        <p className="field-error" role="alert">
          Choose at least one kind of evidence.
        </p>
      )}
      {submitError && (
        <StateMessage tone="error" title="The export did not start">
          {submitError}
        </StateMessage>
      )}
      {!allowed && (
        <RoleNote me={me} action="Starting an export" id="export-role-note" />
      )}
      <div className="actions">
        <button
          type="submit"
          className="button-primary"
          disabled={busy || !allowed || !window || selected.size === 0}
          aria-describedby={allowed ? undefined : 'export-role-note'}
        >
          {busy ? 'Starting…' : 'Start export'}
        </button>
      </div>
    </form>
  );
}

interface EstimateState {
  value: Estimate | null;
  loading: boolean;
  error: string | null;
}

/** Counts for the window, asked again (and the stale answer dropped) on change. */
function useEstimate(
  api: ApiClient,
  tenantId: string,
  window: { from: Date; to: Date } | null,
): EstimateState {
  const from = window?.from.toISOString() ?? '';
  const to = window?.to.toISOString() ?? '';
  const [state, setState] = useState<EstimateState>({
    value: null,
    loading: true,
    error: null,
  });
  useEffect(() => {
    if (!tenantId || !from || !to) return;
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    api.estimate(tenantId, from, to).then(
      (value) => live && setState({ value, loading: false, error: null }),
      (caught: unknown) =>
        live &&
        setState({
          value: null,
          loading: false,
          error: caught instanceof ApiError ? caught.message : String(caught),
        }),
    );
    return () => {
      live = false;
    };
  }, [api, tenantId, from, to]);
  return state;
}

function NoTenant(props: { me: Me }) {
  return (
    <StateMessage tone="empty" title="No tenant to export for">
      Your token ({props.me.subject}) is not linked to any tenant this service
      knows ({props.me.tenantId} has no evidence store here). Ask your
      administrator for a token of your organisation&apos;s tenant.
    </StateMessage>
  );
}
