import { useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { Job } from '../api/types';

/**
 * Downloads a bundle with the token in a header (a plain link could not
 * carry it), then hands the file to the browser's own download.
 */
export function DownloadButton(props: {
  api: ApiClient;
  job: Job;
  label?: string;
}) {
  const [state, setState] = useState<'idle' | 'busy' | 'error'>('idle');
  const [message, setMessage] = useState('');
  const download = async () => {
    setState('busy');
    try {
      const blob = await props.api.bundle(props.job);
      saveBlob(blob, `disclosure-${props.job.tenantId}-${props.job.jobId}.zip`);
      setState('idle');
      setMessage('');
    } catch (caught) {
      setState('error');
      setMessage(downloadError(caught));
    }
  };
  return (
    <span className="download">
      <button
        type="button"
        className="button-primary"
        onClick={() => void download()}
        disabled={state === 'busy'}
      >
        {state === 'busy' ? 'Downloading…' : (props.label ?? 'Download bundle')}
      </button>
      {state === 'error' && (
        <span role="alert" className="field-error">
          {message}
        </span>
      )}
    </span>
  );
}

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once it has started.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function downloadError(caught: unknown): string {
  if (caught instanceof ApiError && caught.kind === 'unreachable') {
    return 'The service could not be reached; try again.';
  }
  if (caught instanceof ApiError && [404, 409].includes(caught.status ?? 0)) {
    return 'This bundle is no longer available. Start a new export of the same window.';
  }
  return caught instanceof Error ? caught.message : String(caught);
}
