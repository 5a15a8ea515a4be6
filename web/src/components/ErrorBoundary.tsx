/** Keeps a page's rendering failure on the page (with its message) instead of a blank window. */
import { Component, type ReactNode } from 'react';

export class ErrorBoundary extends Component<
  { children: ReactNode },
  { error: Error | undefined }
> {
  override state: { error: Error | undefined } = { error: undefined };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (this.state.error) {
      return (
        <div className="error" role="alert">
          <strong>This page failed to draw: </strong>
          {this.state.error.message}{' '}
          <button onClick={() => this.setState({ error: undefined })}>retry</button>
        </div>
      );
    }
    return this.props.children;
  }
}
