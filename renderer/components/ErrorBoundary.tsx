import { Component, type ErrorInfo, type ReactNode } from 'react';
import { ErrorMessage } from './ErrorMessage';

interface Props {
  /** Shown in the message: which part failed. */
  name: string;
  children: ReactNode;
  /** Changing it clears the error (a new archive, another process). */
  resetKey?: unknown;
}

interface State {
  error: Error | null;
  key: unknown;
}

/** A failing panel shows its error and a retry; the rest of the window stays usable. Never a blank screen. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, key: undefined };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    if (props.resetKey !== state.key) return { key: props.resetKey, error: null };
    return null;
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`panel ${this.props.name} failed`, error, info.componentStack);
  }

  override render() {
    if (this.state.error) {
      return (
        <div>
          <ErrorMessage context={`The ${this.props.name} view failed`} error={{ kind: 'internal', message: this.state.error.message || String(this.state.error) }} />
          <button onClick={() => this.setState({ error: null })}>Try again</button>
        </div>
      );
    }
    return this.props.children;
  }
}
