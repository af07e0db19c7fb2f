import { useState } from 'react';

/** Copies a value to the clipboard and says so, for screen readers too. */
export function CopyButton(props: { value: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span className="copy">
      <button
        type="button"
        className="button-small"
        onClick={() => void copy()}
      >
        {props.label}
      </button>
      <span role="status" className="copy-status">
        {state === 'copied' && 'Copied'}
        {state === 'failed' && 'Copy failed: select the text and copy it'}
      </span>
    </span>
  );
}
