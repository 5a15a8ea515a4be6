/**
 * A file drop zone with a "choose files" button, for the pages that take a user's files (PACBED
 * patterns, Classify images): dropped or chosen files go to `onFiles` while `enabled` (a drop on
 * a busy page is ignored, the button is greyed out); the zone is outlined while a drag is over it.
 */
import { useState } from 'react';

export interface DropZoneProps {
  /** Test id of the zone (drops land here). */
  testId: string;
  /** Test id of the hidden file input behind the button. */
  inputTestId: string;
  /** The input's `accept` (extensions). */
  accept: string;
  /** Take several files at once (default one). */
  multiple?: boolean;
  enabled: boolean;
  /** The zone's text, e.g. "Drop a pattern here (DM3/DM4, …)". */
  prompt: string;
  /** The button's text, e.g. "or choose a file…". */
  choose: string;
  onFiles: (files: File[]) => void;
}

export function DropZone(props: DropZoneProps) {
  const [over, setOver] = useState(false);
  const take = (list: FileList | null | undefined) => {
    const files = [...(list ?? [])].slice(0, props.multiple ? undefined : 1);
    if (props.enabled && files.length > 0) props.onFiles(files);
  };
  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      data-testid={props.testId}
      style={{
        border: `2px dashed ${over ? '#1f77b4' : '#aaa'}`,
        borderRadius: 6,
        padding: '0.5em',
        margin: '0.5em 0',
      }}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        take(e.dataTransfer.files);
      }}
    >
      <p>{props.prompt}</p>
      <label className={`button${props.enabled ? '' : ' disabled'}`}>
        {props.choose}
        <input
          type="file"
          hidden
          multiple={props.multiple === true}
          disabled={!props.enabled}
          data-testid={props.inputTestId}
          accept={props.accept}
          onChange={(e) => {
            const files = e.target.files;
            take(files);
            e.target.value = '';
          }}
        />
      </label>
    </div>
  );
}
