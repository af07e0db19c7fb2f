import { formatBytes, KIND_LABELS } from '../app/format';
import { ARTIFACT_KINDS, type ArtifactKind, type Estimate } from '../api/types';

/**
 * The five kinds of evidence, each with what the window holds of it.
 * A kind with nothing in the window says so before the export starts.
 */
export function ArtifactChecklist(props: {
  selected: ReadonlySet<ArtifactKind>;
  estimate: Estimate | null;
  loading: boolean;
  error: string | null;
  onToggle: (kind: ArtifactKind, on: boolean) => void;
}) {
  return (
    <fieldset className="fieldset" aria-busy={props.loading}>
      <legend>Evidence to include</legend>
      {props.error && (
        <p className="field-error" role="alert">
          Could not count the evidence in this window: {props.error}
        </p>
      )}
      <ul className="checklist">
        {ARTIFACT_KINDS.map((kind) => {
          const count = props.estimate?.kinds[kind];
          const empty = count?.items === 0;
          return (
            <li key={kind} className={empty ? 'kind kind-empty' : 'kind'}>
              <label>
                <input
                  type="checkbox"
                  checked={props.selected.has(kind)}
                  onChange={(e) => props.onToggle(kind, e.target.checked)}
                  aria-describedby={`count-${kind}`}
                />
                {KIND_LABELS[kind]}
              </label>
              <span id={`count-${kind}`} className="kind-count">
                {countText(count, props.loading)}
              </span>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

function countText(
  count: { items: number; bytes: number } | undefined,
  loading: boolean,
): string {
  if (loading || !count) return 'counting…';
  if (count.items === 0) return 'nothing in this window';
  const noun = count.items === 1 ? 'item' : 'items';
  return `${count.items.toLocaleString('en')} ${noun}, ${formatBytes(count.bytes)}`;
}
