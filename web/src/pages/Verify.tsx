import { useEffect, useRef, useState, type DragEvent } from 'react';
import { formatBytes } from '../app/format';
import {
  CHECKS,
  type BundleFacts,
  type CheckResult,
  type Verdict,
  type VerifyMessage,
} from '../verify/checks';

interface Run {
  results: Partial<Record<CheckResult['id'], CheckResult>>;
  progress: { done: number; total: number } | null;
  outcome: { verdict: Verdict; facts: BundleFacts; elapsedMs: number } | null;
  error: string | null;
}

const STATUS_TEXT = {
  pass: 'Passed',
  fail: 'Failed',
  warn: 'Warning',
  skip: 'Not checked',
} as const;

/**
 * Verify a bundle in the browser: the ZIP is read and hashed by a worker
 * on this machine; nothing is uploaded.
 */
export function Verify() {
  const [zip, setZip] = useState<File | null>(null);
  const [key, setKey] = useState<File | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const [dragging, setDragging] = useState(false);
  const worker = useRef<Worker | null>(null);
  useEffect(() => () => worker.current?.terminate(), []);

  const start = async () => {
    if (!zip) return;
    worker.current?.terminate();
    const keyText = key ? { name: key.name, text: await key.text() } : null;
    const next = new Worker(new URL('../verify/worker.ts', import.meta.url), {
      type: 'module',
    });
    worker.current = next;
    setRun({ results: {}, progress: null, outcome: null, error: null });
    next.onmessage = (event: MessageEvent<VerifyMessage>) =>
      setRun((current) => current && apply(current, event.data));
    next.onerror = (event) =>
      setRun(
        (current) =>
          current && {
            ...current,
            error: event.message || 'the verifier stopped',
          },
      );
    next.postMessage({ zip, key: keyText });
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    for (const file of Array.from(event.dataTransfer.files)) {
      if (/\.zip$/i.test(file.name)) setZip(file);
      else setKey(file);
    }
  };

  const running = run !== null && run.outcome === null && run.error === null;
  return (
    <div className="stack">
      <p>
        Check a bundle you downloaded. The file is read by this browser only:
        nothing is uploaded.
      </p>
      <div
        className={dragging ? 'dropzone dropzone-active' : 'dropzone'}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p className="dropzone-hint">
          Drop the bundle ZIP here (and the key, if you have it), or choose the
          files:
        </p>
        <div className="field">
          <label htmlFor="bundle-file">Bundle ZIP</label>
          <input
            id="bundle-file"
            type="file"
            accept=".zip,application/zip"
            onChange={(e) => setZip(e.target.files?.[0] ?? null)}
          />
          {zip && (
            <p className="hint">
              {zip.name}, {formatBytes(zip.size)}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="key-file">
            Public key or published key list (optional)
          </label>
          <input
            id="key-file"
            type="file"
            accept=".pub,.pem,.json,application/json"
            aria-describedby="key-hint"
            onChange={(e) => setKey(e.target.files?.[0] ?? null)}
          />
          <p id="key-hint" className="hint">
            Your provider&apos;s <code>cosign.pub</code>, or the key list from{' '}
            <code>/signing-keys</code>. Without one, the page proves the bundle
            is intact, but not who signed it.
          </p>
        </div>
      </div>
      <div className="actions">
        <button
          type="button"
          className="button-primary"
          disabled={!zip || running}
          onClick={() => void start()}
        >
          {running ? 'Verifying…' : 'Verify bundle'}
        </button>
      </div>
      {run && <Results run={run} />}
    </div>
  );
}

function apply(run: Run, message: VerifyMessage): Run {
  switch (message.type) {
    case 'progress':
      return { ...run, progress: { done: message.done, total: message.total } };
    case 'check':
      return {
        ...run,
        results: { ...run.results, [message.result.id]: message.result },
      };
    case 'done':
      return {
        ...run,
        outcome: {
          verdict: message.verdict,
          facts: message.facts,
          elapsedMs: message.elapsedMs,
        },
      };
    case 'error':
      return { ...run, error: message.message };
  }
}

function Results(props: { run: Run }) {
  const { progress, outcome, results, error } = props.run;
  return (
    <section className="panel" aria-labelledby="results-title">
      <h2 id="results-title">Checks</h2>
      {progress && !outcome && (
        <>
          <label htmlFor="verify-progress" className="progress-label">
            Hashed {formatBytes(progress.done)} of {formatBytes(progress.total)}
          </label>
          <progress
            id="verify-progress"
            max={Math.max(progress.total, 1)}
            value={progress.done}
          />
        </>
      )}
      <ol className="checks">
        {CHECKS.map((check) => {
          const result = results[check.id];
          return (
            <li
              key={check.id}
              className={`check check-${result?.status ?? 'waiting'}`}
              data-check={check.id}
              data-status={result?.status ?? 'waiting'}
            >
              <span className="check-status">
                {result ? STATUS_TEXT[result.status] : 'Waiting'}
              </span>
              <span className="check-title">{check.title}</span>
              {result && <span className="check-detail">{result.detail}</span>}
            </li>
          );
        })}
      </ol>
      {error && (
        <p role="alert" className="field-error">
          The verification stopped: {error}
        </p>
      )}
      {outcome && <Outcome {...outcome} />}
    </section>
  );
}

const VERDICTS: Record<Verdict, { title: string; text: string }> = {
  verified: {
    title: 'Verified.',
    text: 'Every file is as it was signed, by the key you trust.',
  },
  intact: {
    title: 'Intact, signer not proven.',
    text: "Every file is as it was signed, but only by the bundle's own key: add your provider's public key or key list to prove who signed it.",
  },
  failed: {
    title: 'Not verified.',
    text: 'Do not rely on this bundle: a check failed. Download it again, and tell your provider if it fails again.',
  },
};

function Outcome(props: {
  verdict: Verdict;
  facts: BundleFacts;
  elapsedMs: number;
}) {
  const { facts } = props;
  const verdict = VERDICTS[props.verdict];
  return (
    <div
      role="status"
      className={`outcome outcome-${props.verdict}`}
      data-testid="verify-outcome"
      data-verdict={props.verdict}
    >
      <strong>{verdict.title}</strong> {verdict.text}
      <span className="hint">
        {' '}
        {facts.tenant && `Tenant ${facts.tenant}; `}
        {facts.window && `window ${facts.window.from} → ${facts.window.to}; `}
        {facts.files} files, {formatBytes(facts.bytes)} in{' '}
        {(props.elapsedMs / 1000).toFixed(1)} s.
      </span>
    </div>
  );
}
