import type { JobStatus } from '../api/types';

const LABELS: Record<JobStatus, string> = {
  pending: 'Waiting',
  running: 'Running',
  completed: 'Completed',
  partial: 'Partial',
  failed: 'Failed',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

/** A job's status in words (colour only repeats what the word says). */
export function StatusBadge(props: { status: JobStatus }) {
  return (
    <span className={`badge badge-${props.status}`} data-status={props.status}>
      {LABELS[props.status]}
    </span>
  );
}
