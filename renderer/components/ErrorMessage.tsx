import type { ApiError } from '#shared/api/contract';
import { visible } from '../util/text';

const KIND_LABEL: Record<ApiError['kind'], string> = {
  format: 'Malformed evidence',
  limit: 'Safety limit',
  missing: 'Missing',
  usage: 'Not possible',
  io: 'File system',
  tool: 'Missing tool',
  verify: 'Verification failed',
  cancelled: 'Cancelled',
  unavailable: 'Not available',
  internal: 'Internal error',
};

/** An error as a readable message, with the file, member and offset it concerns. */
export function ErrorMessage({ error, context, onDismiss }: { error: ApiError; context?: string; onDismiss?: () => void }) {
  const where = [error.source, error.member].filter(Boolean).map((s) => visible(s)).join(' › ');
  return (
    <div className="error-box" role="alert">
      <div className="row">
        <div style={{ flex: 1 }}>
          {context ? <strong>{context}: </strong> : null}
          <span className="kind">{KIND_LABEL[error.kind] ?? error.kind}</span>
          <span>{visible(error.message)}</span>
        </div>
        {onDismiss ? (
          <button className="link" aria-label="Dismiss" onClick={onDismiss}>
            ✕
          </button>
        ) : null}
      </div>
      {where || error.offset !== undefined ? (
        <div className="where">
          {where ? <>in {where}</> : null}
          {error.offset !== undefined ? (
            <>
              {' '}at byte offset {error.offset} (0x{error.offset.toString(16)})
            </>
          ) : null}
        </div>
      ) : null}
      {error.hint ? <div className="where">Fix: {visible(error.hint)}</div> : null}
    </div>
  );
}
