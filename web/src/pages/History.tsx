import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';
import { JOB_STATUSES, type Job, type JobStatus, type Me } from '../api/types';
import {
  formatBytes,
  formatLocal,
  formatUtc,
  KIND_LABELS,
} from '../app/format';
import { mayExport } from '../app/roles';
import type { Route } from '../app/router';
import { DownloadButton } from '../components/DownloadButton';
import { Link } from '../components/Link';
import { RoleNote } from '../components/RoleNote';
import { StateMessage } from '../components/StateMessage';
import { StatusBadge } from '../components/StatusBadge';

/** The tenant's exports, newest first, filterable by status. */
export function History(props: {
  api: ApiClient;
  me: Me;
  navigate: (to: Route) => void;
}) {
  const { api } = props;
  const [status, setStatus] = useState<JobStatus | null>(null);
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setJobs(null);
    setError(null);
    api.jobs(status, null).then(
      (page) => {
        if (!live) return;
        setJobs(page.jobs);
        setCursor(page.nextCursor);
      },
      (caught: unknown) => live && setError(String((caught as Error).message)),
    );
    return () => {
      live = false;
    };
  }, [api, status, attempt]);

  const more = async () => {
    if (!cursor) return;
    try {
      const page = await api.jobs(status, cursor);
      setJobs((list) => [...(list ?? []), ...page.jobs]);
      setCursor(page.nextCursor);
    } catch (caught) {
      setError((caught as Error).message);
    }
  };

  return (
    <div className="stack">
      <div className="field field-inline">
        <label htmlFor="status-filter">Show</label>
        <select
          id="status-filter"
          value={status ?? ''}
          onChange={(e) =>
            setStatus((e.target.value || null) as JobStatus | null)
          }
        >
          <option value="">All exports</option>
          {JOB_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s[0]?.toUpperCase() + s.slice(1)}
            </option>
          ))}
        </select>
      </div>
      {error && (
        <StateMessage
          tone="error"
          title="Could not load your exports"
          action={
            <button
              type="button"
              className="button-secondary"
              onClick={() => setAttempt((a) => a + 1)}
            >
              Try again
            </button>
          }
        >
          {error}
        </StateMessage>
      )}
      {!error && jobs === null && <p role="status">Loading your exports…</p>}
      {jobs?.length === 0 && (
        <StateMessage
          tone="empty"
          title={status ? `No ${status} exports` : 'No exports yet'}
          action={
            <Link
              to={{ page: 'export' }}
              navigate={props.navigate}
              className="button-link"
            >
              Start a new export
            </Link>
          }
        >
          {status
            ? 'None of your exports has this status. Choose "All exports" to see them all.'
            : `Tenant ${props.me.tenantId} has no exports yet. Your first one will appear here.`}
        </StateMessage>
      )}
      {jobs && jobs.length > 0 && !mayExport(props.me) && (
        <RoleNote me={props.me} action="Downloading a bundle" />
      )}
      {jobs && jobs.length > 0 && (
        <JobTable
          api={api}
          jobs={jobs}
          mayDownload={mayExport(props.me)}
          navigate={props.navigate}
        />
      )}
      {cursor && (
        <button
          type="button"
          className="button-secondary"
          onClick={() => void more()}
        >
          Show older exports
        </button>
      )}
    </div>
  );
}

/** The exports; Download only for a token that may download. */
function JobTable(props: {
  api: ApiClient;
  jobs: Job[];
  mayDownload: boolean;
  navigate: (to: Route) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="jobs">
        <caption className="visually-hidden">
          Your exports, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Requested</th>
            <th scope="col">Window (UTC)</th>
            <th scope="col">Evidence</th>
            <th scope="col">Status</th>
            <th scope="col">Size</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.jobs.map((job) => (
            <tr key={job.jobId}>
              <td>
                {formatLocal(new Date(job.createdAt))}
                <br />
                <span className="hint">by {job.requestedBy}</span>
              </td>
              <td>
                {formatUtc(new Date(job.dateRange.from)).slice(0, 10)} →{' '}
                {formatUtc(new Date(job.dateRange.to)).slice(0, 10)}
              </td>
              <td>{job.artifacts.map((k) => KIND_LABELS[k]).join(', ')}</td>
              <td>
                <StatusBadge status={job.status} />
              </td>
              <td>{job.bundle ? formatBytes(job.bundle.size) : '—'}</td>
              <td>
                {/* Flex on the cell itself would take it out of the table
                    layout; the wrapper lays the actions out instead. */}
                <div className="row-actions">
                  <Link
                    to={{ page: 'job', jobId: job.jobId }}
                    navigate={props.navigate}
                  >
                    Details
                    <span className="visually-hidden">
                      {' '}
                      of export {job.jobId}
                    </span>
                  </Link>
                  {job.bundle && props.mayDownload && (
                    <DownloadButton
                      api={props.api}
                      job={job}
                      label="Download"
                    />
                  )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
