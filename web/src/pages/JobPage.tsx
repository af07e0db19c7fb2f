import { useCallback, useEffect, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { Job, Me } from '../api/types';
import { adviceFor } from '../app/failures';
import {
  formatBytes,
  formatEta,
  formatLocal,
  formatUtc,
  KIND_LABELS,
} from '../app/format';
import { mayExport } from '../app/roles';
import type { Route } from '../app/router';
import { CopyButton } from '../components/CopyButton';
import { DownloadButton } from '../components/DownloadButton';
import { Link } from '../components/Link';
import { RoleNote } from '../components/RoleNote';
import { StateMessage } from '../components/StateMessage';
import { StatusBadge } from '../components/StatusBadge';
import { VerifyCommands } from '../components/VerifyCommands';

const POLL_MS = 1000;

/**
 * One export: live progress, then its bundle or what went wrong. Cancel,
 * retry and download are offered only to a token that may export.
 */
export function JobPage(props: {
  api: ApiClient;
  me: Me;
  jobId: string;
  navigate: (to: Route) => void;
}) {
  const { api, jobId } = props;
  const { job, error, reload } = useJob(api, jobId);
  const [actionError, setActionError] = useState<string | null>(null);

  const act = async (action: 'cancel' | 'retry') => {
    setActionError(null);
    try {
      await (action === 'cancel' ? api.cancel(jobId) : api.retry(jobId));
      reload();
    } catch (caught) {
      setActionError(caught instanceof Error ? caught.message : String(caught));
    }
  };

  if (error && !job) {
    return (
      <StateMessage
        tone="error"
        title={
          error.status === 404 ? 'No such export' : 'Could not load the export'
        }
        action={
          <Link to={{ page: 'history' }} navigate={props.navigate}>
            Go to your exports
          </Link>
        }
      >
        {error.status === 404
          ? 'This export does not exist for your tenant.'
          : error.message}
      </StateMessage>
    );
  }
  if (!job) return <p role="status">Loading the export…</p>;

  const active = job.status === 'pending' || job.status === 'running';
  const allowed = mayExport(props.me);
  const ended = job.status === 'failed' || job.status === 'cancelled';
  return (
    <div className="stack">
      <section className="panel" aria-labelledby="job-summary">
        <h2 id="job-summary">
          Status <StatusBadge status={job.status} />
        </h2>
        <dl className="facts">
          <dt>Export id</dt>
          <dd className="mono">{job.jobId}</dd>
          <dt>Tenant</dt>
          <dd>{job.tenantId}</dd>
          <dt>Window (UTC)</dt>
          <dd>
            {formatUtc(new Date(job.dateRange.from))} →{' '}
            {formatUtc(new Date(job.dateRange.to))}
          </dd>
          <dt>Evidence</dt>
          <dd>{job.artifacts.map((k) => KIND_LABELS[k]).join(', ')}</dd>
          <dt>Requested</dt>
          <dd>
            by {job.requestedBy}, {formatLocal(new Date(job.createdAt))}
          </dd>
        </dl>
        {error && (
          <p role="alert" className="field-error">
            Lost contact with the service ({error.message}); still trying.
          </p>
        )}
      </section>
      {active && (
        <ProgressPanel
          job={job}
          onCancel={allowed ? () => void act('cancel') : null}
        />
      )}
      {job.status === 'partial' && <PartialWarning job={job} />}
      {ended && (
        <FailurePanel
          job={job}
          onRetry={allowed ? () => void act('retry') : null}
        />
      )}
      {!allowed && (active || ended || job.bundle) && (
        <RoleNote me={props.me} action={actionsOf(active, ended)} />
      )}
      {actionError && (
        <StateMessage tone="error" title="That did not work">
          {actionError}
        </StateMessage>
      )}
      {job.bundle && <BundlePanel api={api} job={job} mayDownload={allowed} />}
    </div>
  );
}

/** The actions of this job the role note names. */
function actionsOf(active: boolean, ended: boolean): string {
  if (active) return 'Cancelling an export';
  if (ended) return 'Trying an export again';
  return 'Downloading a bundle';
}

/** The job, polled every second while it is pending or running. */
function useJob(api: ApiClient, jobId: string) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await api.job(jobId);
        if (!live) return;
        setJob(next);
        setError(null);
        if (next.status === 'pending' || next.status === 'running') {
          timer = setTimeout(() => void poll(), POLL_MS);
        }
      } catch (caught) {
        if (!live) return;
        const failure =
          caught instanceof ApiError
            ? caught
            : new ApiError(String(caught), 'unreachable');
        setError(failure);
        // The service may come back; a missing job will not.
        if (failure.status !== 404) {
          timer = setTimeout(() => void poll(), POLL_MS * 3);
        }
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, jobId, tick]);
  return { job, error, reload };
}

function ProgressPanel(props: { job: Job; onCancel: (() => void) | null }) {
  const { progress, status } = props.job;
  const total = progress.itemsTotal;
  return (
    <section className="panel" aria-labelledby="progress-title">
      <h2 id="progress-title">Progress</h2>
      <p aria-live="polite">
        {status === 'pending'
          ? 'Waiting for a worker to pick the export up…'
          : stageText(progress.stage, progress.kind)}
      </p>
      <label className="progress-label" htmlFor="job-progress">
        {progress.itemsDone.toLocaleString('en')} of{' '}
        {total.toLocaleString('en')} items, {formatBytes(progress.bytesWritten)}{' '}
        written
        {progress.etaSeconds !== null &&
          `, ${formatEta(progress.etaSeconds)} left`}
      </label>
      <progress
        id="job-progress"
        max={Math.max(total, 1)}
        value={total > 0 ? progress.itemsDone : undefined}
      />
      {props.onCancel && (
        <div className="actions">
          <button
            type="button"
            className="button-secondary"
            onClick={props.onCancel}
          >
            Cancel export
          </button>
        </div>
      )}
    </section>
  );
}

function stageText(stage: string, kind: string | null): string {
  switch (stage) {
    case 'fetch':
      return `Collecting ${kind ? KIND_LABELS[kind]?.toLowerCase() : 'evidence'}…`;
    case 'assemble':
    case 'sign':
    case 'store':
      return 'Writing the manifest, signing and storing the bundle…';
    default:
      return 'Starting…';
  }
}

function PartialWarning(props: { job: Job }) {
  const omitted = Object.entries(props.job.kinds).filter(
    ([, result]) => result?.status === 'omitted',
  );
  return (
    <StateMessage
      tone="warning"
      title="Partial bundle: some evidence is missing"
    >
      <p>
        The bundle is signed and complete for what it holds, but these kinds
        could not be collected and are not in it:
      </p>
      <ul>
        {omitted.map(([kind, result]) => (
          <li key={kind}>
            <strong>{KIND_LABELS[kind]}</strong>:{' '}
            {result?.reason?.message ?? 'no reason given'}
          </li>
        ))}
      </ul>
      <p>
        The manifest lists them as missing. Start a new export of the same
        window to try those kinds again.
      </p>
    </StateMessage>
  );
}

function FailurePanel(props: { job: Job; onRetry: (() => void) | null }) {
  const cancelled = props.job.status === 'cancelled';
  const advice = adviceFor(
    cancelled ? 'DP_JOB_CANCELLED' : props.job.error?.code,
  );
  return (
    <StateMessage
      tone="error"
      title={cancelled ? 'Export cancelled' : 'Export failed'}
      action={
        props.onRetry && (
          <button
            type="button"
            className="button-secondary"
            onClick={props.onRetry}
          >
            Try again
          </button>
        )
      }
    >
      <p>{advice.what}</p>
      <p>
        <strong>What to do next:</strong> {advice.next}
      </p>
      {props.job.error && (
        <p className="hint">
          Details for your administrator: {props.job.error.code}:{' '}
          {props.job.error.message}
        </p>
      )}
    </StateMessage>
  );
}

function BundlePanel(props: {
  api: ApiClient;
  job: Job;
  mayDownload: boolean;
}) {
  const bundle = props.job.bundle;
  if (!bundle) return null;
  return (
    <section className="panel" aria-labelledby="bundle-title">
      <h2 id="bundle-title">Bundle</h2>
      <dl className="facts">
        <dt>Size</dt>
        <dd>
          {formatBytes(bundle.size)} ({bundle.size.toLocaleString('en')} bytes)
        </dd>
        <dt>SHA-512</dt>
        <dd>
          <code className="digest" data-testid="bundle-sha512">
            {bundle.sha512}
          </code>
          <CopyButton value={bundle.sha512} label="Copy SHA-512" />
        </dd>
        <dt>Signing key fingerprint</dt>
        <dd>
          <code className="digest" data-testid="key-fingerprint">
            {bundle.keyId}
          </code>
        </dd>
      </dl>
      {props.mayDownload && (
        <div className="actions">
          <DownloadButton api={props.api} job={props.job} />
        </div>
      )}
      <VerifyCommands job={props.job} mayDownload={props.mayDownload} />
    </section>
  );
}
