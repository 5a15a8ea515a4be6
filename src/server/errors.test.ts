import { describe, expect, it } from 'vitest';
import { BraggError, FormatError, NotFoundError, ValidationError } from '../core/errors.js';
import { errorBody, fieldOfIssue, statusOf, toBraggError, unsupportedMediaType } from './errors.js';

describe('error mapping', () => {
  it('maps codes to the statuses of the HTTP contract', () => {
    expect(statusOf(new ValidationError('x', 'kv'))).toBe(400);
    expect(statusOf(new FormatError('NPY', 'bad'))).toBe(400);
    expect(statusOf(unsupportedMediaType('x'))).toBe(415);
    expect(statusOf(new BraggError('UNAUTHORIZED', 'x'))).toBe(401);
    expect(statusOf(new NotFoundError('x'))).toBe(404);
    expect(statusOf(new BraggError('CONFLICT', 'x'))).toBe(409);
    expect(statusOf(new BraggError('LIMIT', 'x'))).toBe(413);
    expect(statusOf(new BraggError('BUSY', 'x'))).toBe(503);
    expect(statusOf(new BraggError('TIMEOUT', 'x'))).toBe(504);
    expect(statusOf(new BraggError('INTERNAL', 'x'))).toBe(500);
  });

  it('names request fields from ajv issues in domain terms', () => {
    expect(fieldOfIssue({ instancePath: '/cif/root' }, 'body')).toBe('cif.root');
    expect(fieldOfIssue({ instancePath: '/zone/0' }, 'body')).toBe('zone[0]');
    expect(fieldOfIssue({ instancePath: '', params: { missingProperty: 'kv' } }, 'body')).toBe(
      'kv',
    );
    expect(
      fieldOfIssue({ instancePath: '/cif', params: { additionalProperty: 'x' } }, 'body'),
    ).toBe('cif.x');
    expect(fieldOfIssue({ instancePath: '' }, 'body')).toBe('body');
  });

  it('Fastify client errors are 4xx, foreign errors one-line INTERNAL', () => {
    const tooBig = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(toBraggError(tooBig)).toMatchObject({ status: 413, err: { code: 'LIMIT' } });
    const media = Object.assign(new Error('Unsupported Media Type: text/x'), {
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      statusCode: 415,
    });
    expect(toBraggError(media).status).toBe(415);
    const bug = toBraggError(new TypeError('x is not a function\n    at foo (bar.js:1:1)'));
    expect(bug.status).toBe(500);
    expect(errorBody(bug.err).error.message).not.toContain('\n');
  });

  it('redacts server folders in messages', () => {
    const body = errorBody(new NotFoundError('/srv/data/a.dm4 missing'), (s) =>
      s.replace('/srv/data', 'data0'),
    );
    expect(body.error.message).toBe('data0/a.dm4 missing');
  });
});
