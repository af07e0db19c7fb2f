import { useId } from 'react';
import { formatLocal, formatUtc, localTimeZone } from '../app/format';
import {
  PRESETS,
  labelOf,
  toCustomWindow,
  tooLongFor,
  windowOf,
  type Preset,
  type Window,
} from '../window/presets';

export interface WindowChoice {
  preset: Preset;
  customFrom: string;
  customTo: string;
}

/**
 * The window a choice stands for, or why it is impossible or longer than
 * `maxDays`.
 */
export function resolveWindow(
  choice: WindowChoice,
  now: Date,
  maxDays = Infinity,
): { window: Window } | { error: string } {
  const resolved =
    choice.preset === 'custom'
      ? toCustomWindow(choice.customFrom, choice.customTo, now)
      : { window: windowOf(choice.preset, now) };
  if ('error' in resolved) return resolved;
  const error = tooLongFor(resolved.window, maxDays);
  return error ? { error } : resolved;
}

/**
 * Presets and a custom window, with the chosen window written out in UTC
 * and in the browser's time zone, and an impossible or too long one
 * refused.
 */
export function WindowPicker(props: {
  choice: WindowChoice;
  now: Date;
  /** The longest window the service accepts, in days. */
  maxDays?: number;
  timeZone?: string;
  onChange: (choice: WindowChoice) => void;
}) {
  const { choice, now } = props;
  const id = useId();
  const resolved = resolveWindow(choice, now, props.maxDays);
  const set = (patch: Partial<WindowChoice>) =>
    props.onChange({ ...choice, ...patch });
  return (
    <fieldset className="fieldset">
      <legend>Time window</legend>
      <div className="presets">
        {PRESETS.map((preset) => (
          <label key={preset} className="preset">
            <input
              type="radio"
              name={`${id}-preset`}
              value={preset}
              checked={choice.preset === preset}
              onChange={() => set({ preset })}
            />
            {labelOf(preset, now)}
          </label>
        ))}
      </div>
      {choice.preset === 'custom' && (
        <div className="custom-window">
          <div className="field">
            <label htmlFor={`${id}-from`}>Start (UTC, included)</label>
            <input
              id={`${id}-from`}
              type="datetime-local"
              value={choice.customFrom}
              onChange={(e) => set({ customFrom: e.target.value })}
              aria-describedby={`${id}-summary`}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>End (UTC, not included)</label>
            <input
              id={`${id}-to`}
              type="datetime-local"
              value={choice.customTo}
              onChange={(e) => set({ customTo: e.target.value })}
              aria-describedby={`${id}-summary`}
            />
          </div>
        </div>
      )}
      <div id={`${id}-summary`} className="window-summary" aria-live="polite">
        {'error' in resolved ? (
          <p className="field-error" role="alert">
            {resolved.error}
          </p>
        ) : (
          <WindowSummary window={resolved.window} timeZone={props.timeZone} />
        )}
      </div>
    </fieldset>
  );
}

function WindowSummary(props: { window: Window; timeZone?: string }) {
  const { from, to } = props.window;
  const zone = props.timeZone ?? localTimeZone();
  return (
    <dl className="window-times">
      <dt>UTC</dt>
      <dd>
        {formatUtc(from)} → {formatUtc(to)}
      </dd>
      <dt>Your time ({zone})</dt>
      <dd>
        {formatLocal(from, zone)} → {formatLocal(to, zone)}
      </dd>
      <dd className="hint">The end is not included.</dd>
    </dl>
  );
}
