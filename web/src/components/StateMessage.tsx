import type { ReactNode } from 'react';

/**
 * An empty state or an error: what happened, in plain words, and the next
 * step. Errors are announced to screen readers as they appear.
 */
export function StateMessage(props: {
  tone: 'empty' | 'error' | 'warning';
  title: string;
  children: ReactNode;
  action?: ReactNode;
}) {
  const role = props.tone === 'empty' ? 'status' : 'alert';
  return (
    <section className={`state state-${props.tone}`} role={role}>
      <h2 className="state-title">{props.title}</h2>
      <div className="state-body">{props.children}</div>
      {props.action && <div className="state-action">{props.action}</div>}
    </section>
  );
}
